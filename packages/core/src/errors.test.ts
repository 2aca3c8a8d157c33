import { describe, expect, it } from 'vitest'

import { CredentialsError, findNebiusAuthError, NebiusAuthError } from './errors.js'

describe('findNebiusAuthError', () => {
  const ours = new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', 'nothing found')

  it('returns our error itself', () => {
    expect(findNebiusAuthError(ours)).toBe(ours)
  })

  it("finds our error as the cause of a client's wrapper, as got throws it", () => {
    const wrapped = new Error('request failed', { cause: new Error('inner', { cause: ours }) })
    expect(NebiusAuthError.isInstance(wrapped)).toBe(false)
    expect(findNebiusAuthError(wrapped)).toBe(ours)
  })

  it('returns undefined for other errors, non-errors and circular causes', () => {
    const circular: { cause?: unknown } = {}
    circular.cause = circular
    for (const value of [new Error('x'), 'text', undefined, null, circular]) {
      expect(findNebiusAuthError(value)).toBeUndefined()
    }
  })
})
