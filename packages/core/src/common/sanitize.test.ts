import { inspect } from 'node:util'

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { concealToken, redactSecrets, sanitizeToken } from './sanitize.js'

const signature = 'c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0'
const mask = '**'

describe('sanitizeToken', () => {
  it('keeps the public parts of a v1 token and masks its signature', () => {
    expect(sanitizeToken(`v1.CiQxZjY3YWJj.${signature}`)).toBe('v1.CiQxZjY3YWJj.**')
  })

  it('keeps the public parts of an ne1 token and masks its signature', () => {
    expect(sanitizeToken(`ne1.payload.${signature}`)).toBe('ne1.payload.**')
  })

  it('keeps the public parts of an nd1 token and masks its signature', () => {
    expect(sanitizeToken(`nd1.payload.${signature}`)).toBe('nd1.payload.**')
  })

  it('keeps the header and claims of a JWT and masks its signature', () => {
    expect(sanitizeToken(`eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.${signature}`)).toBe(
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.**',
    )
  })

  it('keeps at most 15 characters of a v0 token', () => {
    expect(sanitizeToken('v0.abcdefghijklmnopqrstuvwxyz0123456789')).toBe('v0.abcdefghijkl**')
  })

  it('keeps at most 15 characters of an opaque token', () => {
    expect(sanitizeToken('opaque-token-with-a-long-secret-value')).toBe('opaque-token-wi**')
  })

  it('keeps no more than half of a short token', () => {
    expect(sanitizeToken('abcdefgh')).toBe('abcd**')
  })

  it('masks a one-character token entirely', () => {
    expect(sanitizeToken('x')).toBe('**')
  })

  it('turns an empty token into the bare mask', () => {
    expect(sanitizeToken('')).toBe('**')
  })

  it('treats a v1 token with an empty signature part by the generic rule', () => {
    expect(sanitizeToken('v1.abcdef.')).toBe('v1.ab**')
  })

  it('falls back to the generic rule when the public parts contain the signature', () => {
    expect(sanitizeToken('v1.ab.a')).toBe('v1.**')
  })

  it('shows only the mask when even the generic prefix contains the signature', () => {
    expect(sanitizeToken('v1.1.1')).toBe('**')
  })

  it('masks a token that the mask would complete', () => {
    expect(sanitizeToken('a*')).toBe('**')
  })

  it('never contains the whole token', () => {
    // '*' and '**' are inside the mask itself, which every sanitized form ends with.
    const tokens = fc.string({ minLength: 1 }).filter((token) => !mask.includes(token))
    fc.assert(
      fc.property(tokens, (token) => {
        expect(sanitizeToken(token)).not.toContain(token)
      }),
      { numRuns: 5000 },
    )
  })

  it('never contains the signature of a structured token', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)
    const prefix = fc.constantFrom('v1', 'ne1', 'nd1', 'eyJhbGciOiJSUzI1NiJ9', 'eyJ')
    fc.assert(
      fc.property(prefix, part, part, (head, payload, secret) => {
        expect(sanitizeToken(`${head}.${payload}.${secret}`)).not.toContain(secret)
      }),
      { numRuns: 5000 },
    )
  })
})

describe('redactSecrets', () => {
  it('replaces an echoed secret with its sanitized form', () => {
    const assertion = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.${signature}`
    expect(redactSecrets(`bad token ${assertion}!`, [assertion])).toBe(
      'bad token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.**!',
    )
  })

  it('removes an echoed signature on its own', () => {
    expect(redactSecrets(`signature ${signature} is invalid`, [`eyJh.eyJp.${signature}`])).toBe(
      'signature ** is invalid',
    )
  })

  it('sanitizes any other JWT in the text', () => {
    expect(redactSecrets(`other eyJa.eyJb.${signature}`, [])).toBe('other eyJa.eyJb.**')
  })
})

describe('concealToken', () => {
  const secretToken = `v1.public.${signature}`

  it('keeps the token readable', () => {
    expect(concealToken({ token: secretToken }).token).toBe(secretToken)
  })

  it('sanitizes the token in JSON.stringify', () => {
    expect(JSON.stringify(concealToken({ token: secretToken, expiresAt: 1 }))).toBe(
      '{"token":"v1.public.**","expiresAt":1}',
    )
  })

  it('sanitizes the token in util.inspect', () => {
    const text = inspect(concealToken({ token: secretToken, expiresAt: 1 }))
    expect(text).toContain('v1.public.**')
    expect(text).not.toContain(signature)
  })
})
