import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'

import { isReplayableBody, parseURL } from './request-parts.js'

describe('parseURL', () => {
  it('parses an absolute URL', () => {
    expect(parseURL('https://api.nebius.cloud/v1?a=1')?.host).toBe('api.nebius.cloud')
  })

  it('returns undefined for a relative or malformed URL instead of throwing', () => {
    expect(parseURL('/v1/whoami')).toBeUndefined()
    expect(parseURL('http://[bad')).toBeUndefined()
  })

  it('returns a URL object as it is', () => {
    const url = new URL('https://api.nebius.cloud/')
    expect(parseURL(url)).toBe(url)
  })
})

describe('isReplayableBody', () => {
  it('accepts data bodies and no body', () => {
    const bodies: unknown[] = [
      undefined,
      null,
      'text',
      new Uint8Array(3),
      new ArrayBuffer(2),
      new Blob(['x']),
      new FormData(),
      new URLSearchParams('a=1'),
      { plain: 'object' },
      Buffer.from('x'),
    ]
    for (const body of bodies) expect(isReplayableBody(body), String(body)).toBe(true)
  })

  it('refuses bodies that the first send consumes', () => {
    async function* generate(): AsyncGenerator<string> {
      yield 'x'
    }
    const bodies: unknown[] = [
      new ReadableStream(),
      Readable.from(['x']),
      generate(),
      ['x'][Symbol.iterator](),
      { getReader: () => undefined },
    ]
    for (const body of bodies) expect(isReplayableBody(body)).toBe(false)
  })
})
