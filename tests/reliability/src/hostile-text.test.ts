/** Scenario 3, part one: the origin matcher and the token sanitizer against arbitrary input. */
import { sanitizeToken } from '@nebius-auth/core'
import { createOriginMatcher } from '@nebius-auth/core/adapter'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'

import { recordFigures, recordOutput } from './support/collector.js'
import { expectNoSecrets, expectTypedFailure, runs } from './support/hostile.js'

const counts = { origins: 0, originURLs: 0, sanitized: 0 }
afterAll(() => {
  recordFigures('hostile input: origin matcher and sanitizer', { runsEach: runs, ...counts })
})

const label = fc.stringMatching(/^[a-z0-9-]{1,12}$/)
const hostileHost = fc.oneof(
  label.map((name) => `${name}.nebius.cloud`),
  label.map((name) => `${name}.nebius.com`),
  fc.constantFrom(
    'nebius.cloud',
    'api.nebius.cloud.evil.com',
    'evilnebius.cloud',
    'api.nebius.cloud.',
    'API.NEBIUS.CLOUD',
    '127.0.0.1',
    'localhost',
    '[::1]',
    'xn--nebus-3ua.cloud',
    '0x7f.1',
  ),
  fc.domain(),
)
const hostileURL = fc
  .tuple(
    fc.constantFrom('https', 'http', 'ftp', 'ws', 'HTTPS'),
    fc.option(fc.constantFrom('user:pass@', 'api.nebius.cloud@', '@'), { nil: '' }),
    hostileHost,
    fc.option(fc.constantFrom(':443', ':80', ':8443', ':0', ':65535'), { nil: '' }),
    fc.constantFrom('/', '/v1?x=.nebius.cloud', '#.nebius.cloud', '/..%2f', ''),
  )
  .map((parts) => parts.join(''))
  .filter((text) => URL.canParse(text))
  .map((text) => new URL(text))

const originPattern = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('https://', 'http://', 'HTTPS://', ''),
      fc.constantFrom('', '*.'),
      hostileHost,
      fc.constantFrom('', ':8443', ':99999', '/', '/path'),
    )
    .map((parts) => parts.join('')),
  fc.string({ maxLength: 40 }),
  fc.webUrl(),
)

/** What the default origins must allow: https, port 443, a subdomain of nebius.cloud or nebius.com. */
function allowedByDefault(url: URL): boolean {
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  const port = url.port === '' ? '443' : url.port
  return url.protocol === 'https:' && port === '443' && /\.nebius\.(?:cloud|com)$/.test(host)
}

function isLoopback(url: URL): boolean {
  return /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])\.?$/i.test(url.hostname)
}

describe('the origin matcher', () => {
  it('allows exactly https subdomains of Nebius hosts by default', () => {
    const matches = createOriginMatcher()
    fc.assert(
      fc.property(hostileURL, (url) => {
        counts.originURLs++
        expect(matches(url)).toBe(allowedByDefault(url))
      }),
      { numRuns: runs },
    )
  })

  it('throws only TypeErrors for arbitrary patterns and never sends a token over plain http off loopback', () => {
    fc.assert(
      fc.property(
        fc.array(originPattern, { maxLength: 4 }),
        fc.option(fc.oneof(fc.webUrl(), fc.string({ maxLength: 30 })), { nil: undefined }),
        fc.array(hostileURL, { minLength: 1, maxLength: 4 }),
        (patterns, baseURL, urls) => {
          counts.origins++
          let matches: (url: URL) => boolean
          try {
            matches = createOriginMatcher(patterns, baseURL)
          } catch (error) {
            expectTypedFailure(
              error,
              patterns.filter((pattern) => pattern.length >= 20),
            )
            return
          }
          for (const url of urls) {
            const allowed = matches(url)
            expect(typeof allowed).toBe('boolean')
            if (allowed)
              expect(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url))).toBe(true)
          }
        },
      ),
      { numRuns: runs },
    )
  })
})

// RFC 6750 §2.1 b64token characters: what a bearer token can be made of.
const tokenPart = fc.stringMatching(/^[A-Za-z0-9\-_~+/]{1,40}=*$/)
const bearerToken = fc.oneof(
  fc
    .tuple(fc.constantFrom('v1', 'ne1', 'nd1', 'eyJhbGciOiJSUzI1NiJ9', 'eyJ'), tokenPart, tokenPart)
    .map((parts) => parts.join('.')),
  fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,120}=*$/),
)
const structured = /^(?:v1|ne1|nd1|eyJ[A-Za-z0-9_-]*)\.[^.]+\.[^.]+$/

describe('the token sanitizer', () => {
  it('never shows the whole secret part of a bearer token', () => {
    fc.assert(
      fc.property(bearerToken, (token) => {
        counts.sanitized++
        const sanitized = sanitizeToken(token)
        recordOutput('log', sanitized)
        const secret = structured.test(token) ? token.slice(token.lastIndexOf('.') + 1) : token
        expect(sanitized.endsWith('**')).toBe(true)
        expect(sanitized.includes(secret)).toBe(false)
        if (!structured.test(token))
          expect(sanitized.length - 2).toBeLessThanOrEqual(Math.min(15, Math.floor(token.length / 2)))
        expectNoSecrets([sanitized], secret.length >= 12 ? [secret] : [])
      }),
      { numRuns: runs },
    )
  })

  it('returns a masked string for any input at all without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.anything()), (value) => {
        counts.sanitized++
        const sanitized = sanitizeToken(value as string)
        expect(typeof sanitized).toBe('string')
        expect(sanitized.endsWith('**')).toBe(true)
      }),
      { numRuns: runs },
    )
  })
})
