/**
 * What an exchange error says when the endpoint is misconfigured rather than the key refused: a person
 * reading the message must learn what to fix. Codes stay as documented; only the words are tested here.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { TokenExchangeError } from '../common/errors.js'
import { json, startServer, type TestServer } from './exchange-server.test-support.js'
import { exchangeToken, type ExchangeTokenOptions } from './token-exchange.js'

const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZXJ2aWNlYWNjb3VudCJ9.YXNzZXJ0aW9uLXNpZ25hdHVyZS1zZWNyZXQ'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Instant retries. */
const fast = (extra: ExchangeTokenOptions): ExchangeTokenOptions => ({
  random: () => 0.5,
  sleep: () => Promise.resolve(),
  ...extra,
})

async function failure(promise: Promise<unknown>): Promise<TokenExchangeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(TokenExchangeError)
  return error as TokenExchangeError
}

describe('an HTTP 404 from the token endpoint', () => {
  it('says the path is wrong, not that the assertion was rejected, for an OAuth-shaped 404', async () => {
    // The emulator's (and many gateways') answer to an unknown path: JSON with a non-RFC 6749 `error`.
    server = await startServer((_request, response) => {
      json(response, 404, { error: 'not_found', error_description: 'no such endpoint' })
    })
    const endpoint = `${server.url.replace('/oauth2/token/exchange', '')}/oauth2/token/exchang`
    const error = await failure(exchangeToken(assertion, fast({ endpoint })))
    expect(error.code).toBe('ERR_EXCHANGE_REJECTED')
    expect(error.message).not.toMatch(/rejected the assertion/)
    expect(error.message).toContain(`${endpoint} answered HTTP 404`)
    expect(error.message).toMatch(/no token endpoint at that path.*check the endpoint/)
    expect(error.message).toContain('not_found: no such endpoint')
  })

  it('says the path is wrong for an HTML 404 page', async () => {
    server = await startServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>')
    })
    const error = await failure(exchangeToken(assertion, fast({ endpoint: server.url })))
    expect(error.code).toBe('ERR_EXCHANGE_INVALID_RESPONSE')
    expect(error.message).toMatch(/answered HTTP 404.*no token endpoint at that path/)
  })

  it('still reads as a rejection when the 404 carries an RFC 6749 error such as invalid_grant', async () => {
    server = await startServer((_request, response) => {
      json(response, 404, { error: 'invalid_grant', error_description: 'unknown key' })
    })
    const error = await failure(exchangeToken(assertion, fast({ endpoint: server.url })))
    expect(error.code).toBe('ERR_EXCHANGE_REJECTED')
    expect(error.message).toMatch(/rejected the assertion \(HTTP 404 invalid_grant: unknown key\)/)
  })
})

describe('a network failure', () => {
  it('names a port that fetch refuses to dial ("bad port")', async () => {
    // 6000 (X11) and 10080 are on the Fetch standard's list of blocked ports: undici never connects.
    const error = await failure(
      exchangeToken(assertion, fast({ endpoint: 'http://127.0.0.1:6000/oauth2/token/exchange' })),
    )
    expect(error.code).toBe('ERR_EXCHANGE_UNAVAILABLE')
    expect(error.message).not.toMatch(/network error$/)
    expect(error.message).toMatch(/bad port/)
    expect(error.message).toMatch(/blocks port 6000/)
  })

  it('gives the system code and message of a refused connection', async () => {
    server = await startServer(() => undefined)
    const { url } = server
    await server.close()
    server = undefined
    const error = await failure(exchangeToken(assertion, fast({ endpoint: url })))
    expect(error.message).toMatch(/ECONNREFUSED/)
  })

  it('keeps the assertion and control characters out of a failing fetch’s message', async () => {
    const leaky: typeof fetch = () => Promise.reject(new Error(`socket said\n${assertion}\u0007 and gave up`))
    const error = await failure(
      exchangeToken(assertion, fast({ fetch: leaky, endpoint: 'https://iam.example/x' })),
    )
    expect(error.message).toMatch(/network error: socket said .* and gave up/)
    expect(error.message).not.toContain(assertion)
    expect(error.message).not.toContain('YXNzZXJ0aW9uLXNpZ25hdHVyZS1zZWNyZXQ')
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(error.message).not.toMatch(/[\x00-\x1f]/)
  })
})
