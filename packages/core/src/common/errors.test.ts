import { readFile } from 'node:fs/promises'

import { describe, expect, it } from 'vitest'

import {
  CredentialsError,
  errorCodes,
  findNebiusAuthError,
  NebiusAuthError,
  TokenExchangeError,
} from './errors.js'

describe('NebiusAuthErrorCode', () => {
  it("is exactly the set of codes in the README's table of errors", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(
      readme.indexOf('\n## Errors\n'),
      readme.indexOf('\n## ', readme.indexOf('\n## Errors\n') + 1),
    )
    // The first column of each table row: one or more `ERR_…` codes.
    const documented = section
      .split('\n')
      .filter((line) => line.startsWith('| `ERR_'))
      .flatMap((line) =>
        [...(line.split('|')[1] ?? '').matchAll(/`(ERR_[A-Z_]+)`/g)].map((match) => match[1]),
      )
    expect([...documented].sort()).toEqual([...errorCodes].sort())
  })
})

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

describe('NebiusAuthError.transient', () => {
  it('is false unless the error is created as transient', () => {
    expect(new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', 'nothing found').transient).toBe(false)
    expect(new NebiusAuthError('ERR_STORE_TIMEOUT', 'slow', { transient: true }).transient).toBe(true)
  })

  it("agrees with a TokenExchangeError's retryable", () => {
    for (const retryable of [true, false]) {
      const error = new TokenExchangeError('ERR_EXCHANGE_UNAVAILABLE', 'down', { status: 503, retryable })
      expect(error).toMatchObject({ retryable, transient: retryable })
    }
  })
})
