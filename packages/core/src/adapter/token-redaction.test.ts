import { describe, expect, it } from 'vitest'

import { recentTokens, redactTokenBytes, redactTokens } from './token-redaction.js'

const token = 'v1.CiQxZjY3YWJj.c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0'
const signature = 'c2lnbmF0dXJlLXRoYXQtaXMtc2VjcmV0'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

describe('redactTokens', () => {
  it('replaces a sent token with its sanitized form', () => {
    expect(redactTokens(`refused: Bearer ${token}`, [token])).toBe('refused: Bearer v1.CiQxZjY3YWJj.**')
  })

  it('masks the signature when it appears on its own', () => {
    expect(redactTokens(`signature ${signature} is bad`, [token])).toBe('signature ** is bad')
  })

  it('sanitizes a token it was not told about when it is shaped like one', () => {
    const other = 'ne1.b3RoZXI.YW5vdGhlci1zZWNyZXQtc2lnbmF0dXJl'
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2lnbmVkLWJ5LXNvbWVvbmU'
    const text = redactTokens(`upstream quoted ${other} and ${jwt}`, [])
    expect(text).toBe('upstream quoted ne1.b3RoZXI.** and eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.**')
  })

  it('leaves version numbers and ordinary text alone', () => {
    const text = 'grpc-js v1.12.6 failed: connection reset by peer'
    expect(redactTokens(text, [token])).toBe(text)
  })

  it('masks an opaque token to its leading characters', () => {
    const opaque = 'opaque-secret-token-value-0123456789'
    expect(redactTokens(`got ${opaque}`, [opaque])).not.toContain('0123456789')
  })
})

describe('redactTokenBytes', () => {
  it('returns the same bytes when no token is in them', () => {
    const bytes = encoder.encode('nothing secret here')
    expect(redactTokenBytes(bytes, [token])).toBe(bytes)
  })

  it('masks a token in place, keeping the length so a length-prefixed message still decodes', () => {
    const bytes = Uint8Array.of(0x0a, token.length + 7, ...encoder.encode(`Bearer ${token}`), 0xff)
    const redacted = redactTokenBytes(bytes, [token])
    expect(redacted).toHaveLength(bytes.length)
    expect(redacted[1]).toBe(token.length + 7)
    expect(redacted.at(-1)).toBe(0xff)
    expect(decoder.decode(redacted.subarray(2, -1))).toBe(
      `Bearer ${'v1.CiQxZjY3YWJj.'.padEnd(token.length, '*')}`,
    )
    // The caller's bytes are never changed.
    expect(decoder.decode(bytes)).toContain(signature)
  })

  it('masks a lone signature and a token-shaped stranger, each to its length', () => {
    const stranger = 'nd1.c3RyYW5nZXI.bm90LW91ci10b2tlbi1idXQtc2VjcmV0'
    const bytes = encoder.encode(`[${signature}] [${stranger}]`)
    const text = decoder.decode(redactTokenBytes(bytes, [token]))
    expect(text).toBe(
      `[${'*'.repeat(signature.length)}] [${'nd1.c3RyYW5nZXI.'.padEnd(stranger.length, '*')}]`,
    )
  })
})

describe('recentTokens', () => {
  it('keeps the last few tokens, most recent first, each once', () => {
    const recent = recentTokens(2)
    recent.remember('a')
    recent.remember('b')
    recent.remember('a')
    recent.remember('c')
    expect(recent.list).toEqual(['c', 'a'])
  })
})
