import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createOriginMatcher, isLoopbackHost } from './origins.js'

const url = (value: string) => new URL(value)

describe('createOriginMatcher', () => {
  it('allows Nebius API hosts over https by default', () => {
    const allowed = createOriginMatcher()
    expect(allowed(url('https://compute.api.nebius.cloud/'))).toBe(true)
    expect(allowed(url('https://auth.eu.nebius.com/oauth2/token/exchange'))).toBe(true)
  })

  it('refuses the apex, look-alike suffixes and other hosts by default', () => {
    const allowed = createOriginMatcher()
    expect(allowed(url('https://nebius.cloud/'))).toBe(false)
    expect(allowed(url('https://evilnebius.cloud/'))).toBe(false)
    expect(allowed(url('https://nebius.cloud.evil.com/'))).toBe(false)
    expect(allowed(url('https://example.com/'))).toBe(false)
  })

  it('refuses plain http even to Nebius hosts', () => {
    expect(createOriginMatcher()(url('http://api.nebius.cloud/'))).toBe(false)
  })

  it('adds the base URL origin when origins is omitted', () => {
    const allowed = createOriginMatcher(undefined, 'https://api.example.com:8443/v1/')
    expect(allowed(url('https://api.example.com:8443/v1/x'))).toBe(true)
    expect(allowed(url('https://api.example.com/v1/x'))).toBe(false)
    expect(allowed(url('https://compute.api.nebius.cloud/'))).toBe(true)
  })

  it('does not add a plain-http base URL unless it is loopback', () => {
    expect(createOriginMatcher(undefined, 'http://api.example.com/')(url('http://api.example.com/'))).toBe(
      false,
    )
    expect(createOriginMatcher(undefined, 'http://127.0.0.1:9000/')(url('http://127.0.0.1:9000/a'))).toBe(
      true,
    )
  })

  it('uses exactly the given list when origins is set, ignoring the base URL', () => {
    const allowed = createOriginMatcher(['https://a.example.com'], 'https://b.example.com')
    expect(allowed(url('https://a.example.com/'))).toBe(true)
    expect(allowed(url('https://b.example.com/'))).toBe(false)
    expect(allowed(url('https://x.nebius.cloud/'))).toBe(false)
  })

  it('matches ports exactly, with the scheme default when omitted', () => {
    const allowed = createOriginMatcher(['https://a.example.com', 'http://127.0.0.1:8080'])
    expect(allowed(url('https://a.example.com:443/'))).toBe(true)
    expect(allowed(url('https://a.example.com:444/'))).toBe(false)
    expect(allowed(url('http://127.0.0.1:8080/'))).toBe(true)
    expect(allowed(url('http://127.0.0.1:8081/'))).toBe(false)
  })

  it('compares host names case-insensitively and ignores a trailing dot', () => {
    const allowed = createOriginMatcher(['https://API.Example.com'])
    expect(allowed(url('https://api.example.COM./x'))).toBe(true)
  })

  it('matches wildcards at any subdomain depth', () => {
    const allowed = createOriginMatcher(['https://*.example.com'])
    expect(allowed(url('https://a.example.com/'))).toBe(true)
    expect(allowed(url('https://a.b.example.com/'))).toBe(true)
    expect(allowed(url('https://example.com/'))).toBe(false)
  })

  it('never matches credentials-in-URL tricks against the wrong host', () => {
    const allowed = createOriginMatcher(['https://api.example.com'])
    expect(allowed(url('https://api.example.com@evil.com/'))).toBe(false)
    expect(allowed(url('https://evil.com/?https://api.example.com'))).toBe(false)
  })

  it('rejects plain-http origins that are not loopback at construction', () => {
    expect(() => createOriginMatcher(['http://api.example.com'])).toThrow(TypeError)
    expect(() => createOriginMatcher(['http://*.example.com'])).toThrow(TypeError)
  })

  it('never sends the token over plain http to localhost. with a trailing dot, which DNS resolves', () => {
    const listed = createOriginMatcher(['http://localhost:8080'])
    expect(listed(url('http://localhost:8080/'))).toBe(true)
    expect(listed(url('http://localhost.:8080/'))).toBe(false)
    expect(createOriginMatcher(() => true)(url('http://localhost.:8080/'))).toBe(false)
    expect(createOriginMatcher(undefined, 'http://localhost.:8080/')(url('http://localhost.:8080/'))).toBe(
      false,
    )
  })

  it('rejects an http origin written localhost. at construction', () => {
    expect(() => createOriginMatcher(['http://localhost.:8080'])).toThrow(/origins/)
  })

  it('still treats https://localhost. as https://localhost', () => {
    expect(createOriginMatcher(['https://localhost:8443'])(url('https://localhost.:8443/'))).toBe(true)
  })

  it('rejects malformed origin strings with a TypeError naming the option', () => {
    for (const bad of [
      'api.example.com',
      'https://a.example.com/path',
      'ftp://a.example.com',
      'https://',
      '*',
    ]) {
      expect(() => createOriginMatcher([bad])).toThrow(/origins/)
    }
  })

  it('lets a predicate decide, but still refuses plain http off loopback', () => {
    const allowed = createOriginMatcher(() => true)
    expect(allowed(url('https://anything.example/'))).toBe(true)
    expect(allowed(url('http://anything.example/'))).toBe(false)
    expect(allowed(url('http://localhost:3000/'))).toBe(true)
  })

  it('treats only a literal true from the predicate as consent', () => {
    const allowed = createOriginMatcher((() => 'yes') as unknown as (url: URL) => boolean)
    expect(allowed(url('https://a.example/'))).toBe(false)
  })

  it('never allows a non-http scheme', () => {
    const allowed = createOriginMatcher(() => true)
    expect(allowed(url('file:///etc/passwd'))).toBe(false)
    expect(allowed(url('ws://localhost/'))).toBe(false)
  })

  it('never throws on arbitrary URLs', () => {
    const allowed = createOriginMatcher(['https://*.example.com', 'http://127.0.0.1:1'])
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (value) => {
        expect(typeof allowed(new URL(value))).toBe('boolean')
      }),
      { numRuns: 2000 },
    )
  })
})

describe('isLoopbackHost', () => {
  it('knows localhost, 127.0.0.0/8 and ::1', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '[::1]']) {
      expect(isLoopbackHost(host)).toBe(true)
    }
  })

  it('refuses everything else', () => {
    for (const host of [
      '10.0.0.1',
      '128.0.0.1',
      'localhost.evil.com',
      '127.0.0.1.nip.io',
      'localhost.',
      '0.0.0.0',
      '[::2]',
    ]) {
      expect(isLoopbackHost(host)).toBe(false)
    }
  })
})
