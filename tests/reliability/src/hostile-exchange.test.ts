/**
 * Scenario 3, part two: the exchange response parser, reached through exchangeToken with an injected fetch
 * that answers arbitrary statuses, headers and bodies, some of which echo the assertion back.
 */
import { inspect } from 'node:util'

import { NebiusAuthError } from '@nebius-auth/core'
import { exchangeToken } from '@nebius-auth/core/advanced'
import fc from 'fast-check'
import { afterAll, expect, it } from 'vitest'

import { recordFigures, recordInspect } from './support/collector.js'
import { expectNoSecrets, expectTypedFailure, runs, secretAlphabet } from './support/hostile.js'

const tally = { resolved: 0, rejected: 0 }
afterAll(() => {
  recordFigures('hostile input: exchange response parser', { runs, ...tally })
})

const secret = fc.stringMatching(secretAlphabet)
// A JWT-shaped assertion whose signature is the secret part.
const assertion = secret.map(
  (signature) => `eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzZXJ2aWNlYWNjb3VudC1lMDAifQ.${signature}`,
)
const accessToken = fc.oneof(
  secret.map((signature) => `v1.CiQxZjY3.${signature}`),
  secret,
  fc.string({ maxLength: 30 }),
)

function oauthBody(subjectToken: string): fc.Arbitrary<string> {
  const echo = fc.constantFrom(
    subjectToken,
    `bad assertion ${subjectToken}`,
    subjectToken.slice(subjectToken.lastIndexOf('.') + 1),
  )
  const field = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), echo)
  return fc
    .record(
      {
        access_token: fc.oneof(accessToken, field),
        token_type: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'MAC'), field),
        expires_in: fc.oneof(
          fc.integer({ min: -10, max: 100_000 }),
          fc.double(),
          fc.string({ maxLength: 5 }),
          fc.constant(null),
        ),
        // Not the echo: a server echoing the assertion here is pinned by its own test below.
        issued_token_type: fc.oneof(
          fc.constant('urn:ietf:params:oauth:token-type:access_token'),
          fc.string({ maxLength: 20 }),
          fc.integer(),
        ),
        error: field,
        error_description: field,
      },
      { requiredKeys: [] },
    )
    .map((body) => JSON.stringify(body))
}

function body(subjectToken: string): fc.Arbitrary<string> {
  return fc.oneof(
    oauthBody(subjectToken),
    oauthBody(subjectToken).chain((text) => fc.nat({ max: text.length }).map((cut) => text.slice(0, cut))),
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 3 }),
    fc.constantFrom('', '<html><body>502 Bad Gateway</body></html>', 'null', '[]', 'x'.repeat(70_000)),
  )
}

const answer = assertion.chain((subjectToken) =>
  fc.record({
    subjectToken: fc.constant(subjectToken),
    status: fc.integer({ min: 200, max: 599 }),
    body: body(subjectToken),
    contentType: fc.option(
      fc.constantFrom('application/json', 'text/html', 'application/json; charset=utf-8', ''),
      { nil: undefined },
    ),
    retryAfter: fc.option(
      fc.oneof(
        fc.nat({ max: 30 }).map(String),
        fc.constantFrom('Wed, 21 Oct 2099 07:28:00 GMT', 'soon', '-1'),
      ),
      { nil: undefined },
    ),
  }),
)

// Statuses whose responses cannot have a body (Fetch standard "null body status").
const nullBodyStatuses = new Set([204, 205, 304])

it('resolves to a concealed token or rejects with a typed error that never echoes the assertion', async () => {
  await fc.assert(
    fc.asyncProperty(answer, async ({ subjectToken, status, body: text, contentType, retryAfter }) => {
      const headers = new Headers()
      if (contentType !== undefined) headers.set('content-type', contentType)
      if (retryAfter !== undefined) headers.set('retry-after', retryAfter)
      const fakeFetch = (): Promise<Response> =>
        Promise.resolve(new Response(nullBodyStatuses.has(status) ? null : text, { status, headers }))
      const signature = subjectToken.slice(subjectToken.lastIndexOf('.') + 1)
      let result: Awaited<ReturnType<typeof exchangeToken>>
      try {
        result = await exchangeToken(subjectToken, {
          endpoint: 'https://auth.example.test/oauth2/token/exchange',
          fetch: fakeFetch,
          sleep: () => Promise.resolve(),
        })
      } catch (error) {
        tally.rejected++
        expectTypedFailure(error, [subjectToken, signature])
        return
      }
      tally.resolved++
      expect(result.token).toMatch(/^[\x21-\x7e]+$/)
      // A finite expiresAt for any expires_in is pinned by its own test below; here it must be a number.
      expect(Number.isNaN(result.expiresAt)).toBe(false)
      recordInspect(result)
      const printed = [inspect(result, { depth: 5 }), JSON.stringify(result)]
      const { token } = result
      const tokenSecret = token.startsWith('v1.') ? token.slice(token.lastIndexOf('.') + 1) : token
      expectNoSecrets(printed, tokenSecret.length >= 20 ? [tokenSecret, signature] : [signature])
    }),
    { numRuns: runs },
  )
})

it('keeps an assertion that the server echoes in issued_token_type out of the printed result', async () => {
  const subjectToken =
    'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzZXJ2aWNlYWNjb3VudC1lMDAifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw'
  const body = JSON.stringify({
    access_token: 'v1.a.b',
    token_type: 'Bearer',
    expires_in: 60,
    issued_token_type: subjectToken,
  })
  const result = await exchangeToken(subjectToken, {
    endpoint: 'https://auth.example.test/oauth2/token/exchange',
    fetch: () => Promise.resolve(new Response(body, { status: 200 })),
  })
  // Error fields from the server are cleaned of the assertion (redactSecrets); this field is not.
  expect(inspect(result)).not.toContain('c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw')
  expect(JSON.stringify(result)).not.toContain('c2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw')
})

it('gives a finite expiresAt or a typed error for an absurdly large expires_in', async () => {
  const body = JSON.stringify({ access_token: 'v1.a.b', token_type: 'Bearer', expires_in: 1e306 })
  const outcome = await exchangeToken('eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJzYSJ9.c2ln', {
    endpoint: 'https://auth.example.test/oauth2/token/exchange',
    fetch: () => Promise.resolve(new Response(body, { status: 200 })),
  }).then(
    (result) => Number.isFinite(result.expiresAt),
    (error: unknown) => NebiusAuthError.isInstance(error),
  )
  // expires_in × 1000 overflows to Infinity, which exchangeToken returns as the token's expiry.
  expect(outcome).toBe(true)
})
