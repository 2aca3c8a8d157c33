import { inspect } from 'node:util'

import { afterEach, describe, expect, it } from 'vitest'

import { TokenExchangeError } from '../common/errors.js'
import {
  json,
  startServer,
  tokenResponse,
  type Handler,
  type TestServer,
} from './exchange-server.test-support.js'
import { exchangeToken, type ExchangeTokenOptions } from './token-exchange.js'

const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZXJ2aWNlYWNjb3VudCJ9.YXNzZXJ0aW9uLXNpZ25hdHVyZS1zZWNyZXQ'
const accessToken = 'v1.public-part.c2lnbmF0dXJlLXNlY3JldC1wYXJ0'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function serve(handler: Handler): Promise<TestServer> {
  server = await startServer(handler)
  return server
}

/** Options that make retries instant and record their delays instead. */
function fast(delays: number[] = [], extra: ExchangeTokenOptions = {}): ExchangeTokenOptions {
  return {
    endpoint: server?.url,
    random: () => 0.5,
    sleep: async (milliseconds) => {
      delays.push(milliseconds)
    },
    ...extra,
  }
}

async function failure(promise: Promise<unknown>): Promise<TokenExchangeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(TokenExchangeError)
  return error as TokenExchangeError
}

describe('exchangeToken request', () => {
  it('posts the RFC 8693 form fields with the form content type', async () => {
    const { requests } = await serve((_request, response) => json(response, 200, tokenResponse()))
    await exchangeToken(assertion, fast())
    expect(requests).toHaveLength(1)
    expect(requests[0]!.method).toBe('POST')
    expect(requests[0]!.url).toBe('/oauth2/token/exchange')
    expect(requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(Object.fromEntries(new URLSearchParams(requests[0]!.body))).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: assertion,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    })
  })

  it('uses the injected fetch', async () => {
    await serve((_request, response) => json(response, 200, tokenResponse()))
    let calls = 0
    const counting: typeof fetch = (input, init) => {
      calls++
      return fetch(input, init)
    }
    await exchangeToken(assertion, fast([], { fetch: counting }))
    expect(calls).toBe(1)
  })
})

describe('exchangeToken success', () => {
  it('returns the token and the response metadata', async () => {
    await serve((_request, response) => json(response, 200, tokenResponse(accessToken, 3600)))
    const result = await exchangeToken(assertion, fast())
    expect(result.token).toBe(accessToken)
    expect(result.tokenType).toBe('Bearer')
    expect(result.issuedTokenType).toBe('urn:ietf:params:oauth:token-type:access_token')
    expect(result.expiresIn).toBe(3600)
  })

  it('computes expiresAt from the clock read before the request was sent', async () => {
    await serve((_request, response) => json(response, 200, tokenResponse(accessToken, 60)))
    const readings = [1_000_000, 5_000_000, 9_000_000]
    const result = await exchangeToken(assertion, fast([], { now: () => readings.shift() ?? 0 }))
    expect(result.expiresAt).toBe(1_000_000 + 60_000)
  })

  it('accepts token_type in any case', async () => {
    await serve((_request, response) =>
      json(response, 200, { ...(tokenResponse() as object), token_type: 'bEaReR' }),
    )
    expect((await exchangeToken(assertion, fast())).tokenType).toBe('bEaReR')
  })

  it('hides the token from util.inspect and JSON.stringify but keeps it readable', async () => {
    await serve((_request, response) => json(response, 200, tokenResponse(accessToken)))
    const result = await exchangeToken(assertion, fast())
    expect(inspect(result)).not.toContain(accessToken)
    expect(JSON.stringify(result)).not.toContain(accessToken)
    expect(result.token).toBe(accessToken)
  })
})

describe('exchangeToken rejection', () => {
  it('reports an OAuth error as ERR_EXCHANGE_REJECTED without retrying', async () => {
    const { requests } = await serve((_request, response) =>
      json(response, 400, { error: 'invalid_grant', error_description: 'unknown key' }),
    )
    const error = await failure(exchangeToken(assertion, fast()))
    expect(error).toMatchObject({
      code: 'ERR_EXCHANGE_REJECTED',
      status: 400,
      error: 'invalid_grant',
      errorDescription: 'unknown key',
      retryable: false,
    })
    expect(requests).toHaveLength(1)
  })

  it('names the endpoint that rejected the assertion', async () => {
    await serve((_request, response) => json(response, 400, { error: 'invalid_grant' }))
    const options = fast()
    const error = await failure(exchangeToken(assertion, options))
    const { origin, pathname } = new URL(options.endpoint ?? '')
    expect(error.message).toContain(`${origin}${pathname} rejected the assertion`)
  })

  it('reports a 401 invalid_client as ERR_EXCHANGE_REJECTED', async () => {
    await serve((_request, response) => json(response, 401, { error: 'invalid_client' }))
    expect((await failure(exchangeToken(assertion, fast()))).code).toBe('ERR_EXCHANGE_REJECTED')
  })

  it('redacts the assertion when error_description echoes it', async () => {
    await serve((_request, response) =>
      json(response, 400, { error: 'invalid_grant', error_description: `bad token ${assertion}` }),
    )
    const error = await failure(exchangeToken(assertion, fast()))
    expect(error.errorDescription).toBe('bad token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZXJ2aWNlYWNjb3VudCJ9.**')
    expect(`${error.message}${inspect(error)}`).not.toContain(assertion.split('.')[2])
  })
})

describe('exchangeToken retries', () => {
  it.each([500, 502, 503, 504, 408])('retries HTTP %i and succeeds on a later attempt', async (status) => {
    const { requests } = await serve((_request, response, index) =>
      index === 0 ? json(response, status, '<html>busy</html>') : json(response, 200, tokenResponse()),
    )
    await exchangeToken(assertion, fast())
    expect(requests).toHaveLength(2)
  })

  it('gives up after three attempts with a retryable ERR_EXCHANGE_UNAVAILABLE', async () => {
    const { requests } = await serve((_request, response) =>
      json(response, 503, { error: 'temporarily_unavailable' }),
    )
    const error = await failure(exchangeToken(assertion, fast()))
    expect(error).toMatchObject({ code: 'ERR_EXCHANGE_UNAVAILABLE', retryable: true, status: 503 })
    expect(error.cause).toBeInstanceOf(TokenExchangeError)
    expect(requests).toHaveLength(3)
  })

  it('backs off 1 s then 1.5 s between attempts', async () => {
    await serve((_request, response) => json(response, 500, ''))
    const delays: number[] = []
    await failure(exchangeToken(assertion, fast(delays)))
    expect(delays).toEqual([1000, 1500])
  })

  it('jitters the backoff by up to 20 percent', async () => {
    await serve((_request, response) => json(response, 500, ''))
    const delays: number[] = []
    await failure(exchangeToken(assertion, fast(delays, { random: () => 0 })))
    expect(delays).toEqual([800, 1200])
  })

  it('waits the Retry-After seconds of a 429', async () => {
    await serve((_request, response, index) =>
      index === 0 ? json(response, 429, '', { 'retry-after': '2' }) : json(response, 200, tokenResponse()),
    )
    const delays: number[] = []
    await exchangeToken(assertion, fast(delays))
    expect(delays).toEqual([2000])
  })

  it('waits until a Retry-After HTTP-date', async () => {
    const now = Date.UTC(2025, 0, 1, 12, 0, 0)
    const date = new Date(now + 3000).toUTCString()
    await serve((_request, response, index) =>
      index === 0 ? json(response, 429, '', { 'retry-after': date }) : json(response, 200, tokenResponse()),
    )
    const delays: number[] = []
    await exchangeToken(assertion, fast(delays, { now: () => now }))
    expect(delays).toEqual([3000])
  })

  it('stops retrying when Retry-After exceeds ten seconds', async () => {
    const { requests } = await serve((_request, response) => json(response, 429, '', { 'retry-after': '60' }))
    const error = await failure(exchangeToken(assertion, fast()))
    expect(error).toMatchObject({ code: 'ERR_EXCHANGE_UNAVAILABLE', status: 429, retryable: true })
    expect(requests).toHaveLength(1)
  })

  it('falls back to backoff for an unreadable Retry-After', async () => {
    await serve((_request, response, index) =>
      index === 0 ? json(response, 429, '', { 'retry-after': 'soon' }) : json(response, 200, tokenResponse()),
    )
    const delays: number[] = []
    await exchangeToken(assertion, fast(delays))
    expect(delays).toEqual([1000])
  })

  it('retries a dropped connection and chains the network error', async () => {
    const { requests } = await serve((_request, response) => response.socket?.destroy())
    const error = await failure(exchangeToken(assertion, fast()))
    expect(error.code).toBe('ERR_EXCHANGE_UNAVAILABLE')
    expect(error.cause).toBeInstanceOf(Error)
    expect(requests).toHaveLength(3)
  })

  it('reports a refused connection as ERR_EXCHANGE_UNAVAILABLE', async () => {
    const { url } = await serve(() => undefined)
    await server?.close()
    server = undefined
    const error = await failure(exchangeToken(assertion, fast([], { endpoint: url })))
    expect(error).toMatchObject({ code: 'ERR_EXCHANGE_UNAVAILABLE', retryable: true })
  })

  it('times out each attempt and retries', async () => {
    await serve(() => undefined) // never answers
    let attempts = 0
    const counting: typeof fetch = (input, init) => {
      attempts++
      return fetch(input, init)
    }
    // Counted on the client: a request aborted this early may never be seen whole by the server.
    const error = await failure(exchangeToken(assertion, fast([], { timeout: 20, fetch: counting })))
    expect(error.code).toBe('ERR_EXCHANGE_UNAVAILABLE')
    expect(error.message).toMatch(/no answer within 20 ms/)
    expect(attempts).toBe(3)
  })
})

describe('exchangeToken invalid responses', () => {
  const invalid: [string, number, string | object][] = [
    ['plain text', 200, 'OK'],
    ['an HTML page', 200, '<!doctype html><title>Proxy login</title>'],
    ['an empty body', 200, ''],
    ['a JSON array', 200, '[]'],
    ['no access_token', 200, { token_type: 'Bearer', expires_in: 60 }],
    ['an empty access_token', 200, { ...(tokenResponse('') as object) }],
    ['a newline in access_token', 200, { ...(tokenResponse('v1.a\r\nx: y') as object) }],
    ['token_type mac', 200, { ...(tokenResponse() as object), token_type: 'mac' }],
    ['no token_type', 200, { ...(tokenResponse() as object), token_type: undefined }],
    ['expires_in as a string', 200, { ...(tokenResponse() as object), expires_in: '3600' }],
    ['expires_in zero', 200, { ...(tokenResponse() as object), expires_in: 0 }],
    ['expires_in negative', 200, { ...(tokenResponse() as object), expires_in: -5 }],
    [
      'expires_in overflowing to Infinity',
      200,
      '{"access_token":"v1.a.b","token_type":"Bearer","expires_in":1e400}',
    ],
    ['an HTML 404 page', 404, '<html>Not Found</html>'],
    ['a 400 without an OAuth error', 400, { message: 'bad' }],
  ]

  it.each(invalid)(
    'rejects %s with ERR_EXCHANGE_INVALID_RESPONSE and no retry',
    async (_name, status, body) => {
      const { requests } = await serve((_request, response) => json(response, status, body))
      const error = await failure(exchangeToken(assertion, fast()))
      expect(error).toMatchObject({ code: 'ERR_EXCHANGE_INVALID_RESPONSE', retryable: false, status })
      expect(requests).toHaveLength(1)
    },
  )

  it('does not follow a redirect with the assertion', async () => {
    const target = await startServer((_request, response) => json(response, 200, tokenResponse()))
    try {
      await serve((_request, response) => {
        response.writeHead(307, { location: target.url }).end()
      })
      const error = await failure(exchangeToken(assertion, fast()))
      expect(error).toMatchObject({ code: 'ERR_EXCHANGE_INVALID_RESPONSE', status: 307 })
      expect(target.requests).toHaveLength(0)
    } finally {
      await target.close()
    }
  })

  it('stops reading a streamed 10 MB body past 64 KiB', async () => {
    let finished: (value: boolean) => void = () => undefined
    const closed = new Promise<boolean>((resolve) => (finished = resolve))
    await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 'a')
      let sent = 0
      const pump = (): void => {
        while (sent < 160 && response.write(chunk)) sent++
        if (sent >= 160) response.end()
        else response.once('drain', pump)
      }
      response.on('close', () => {
        finished(response.writableFinished)
      })
      pump()
    })
    const error = await failure(exchangeToken(assertion, fast()))
    expect(error.code).toBe('ERR_EXCHANGE_INVALID_RESPONSE')
    expect(error.message).toMatch(/over 65536 bytes/)
    // The client stopped reading, so backpressure kept the server from ever sending the whole body.
    await server?.close()
    expect(await closed).toBe(false)
  })

  it('refuses a declared 10 MB body without reading it', async () => {
    await serve((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(10 * 1024 * 1024),
      })
      response.write('{')
    })
    expect((await failure(exchangeToken(assertion, fast()))).code).toBe('ERR_EXCHANGE_INVALID_RESPONSE')
  })
})

describe('exchangeToken abort', () => {
  it('rejects with the signal reason while the request is pending', async () => {
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    await serve(() => {
      controller.abort(reason)
    })
    await expect(exchangeToken(assertion, fast([], { signal: controller.signal }))).rejects.toBe(reason)
  })

  it('rejects with the signal reason while waiting to retry', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    await serve((_request, response) => json(response, 503, ''))
    const sleep = (_milliseconds: number, signal: AbortSignal | undefined): Promise<void> => {
      controller.abort(reason)
      return Promise.reject(signal?.reason as Error)
    }
    await expect(exchangeToken(assertion, fast([], { signal: controller.signal, sleep }))).rejects.toBe(
      reason,
    )
  })

  it('sends nothing for an already aborted signal', async () => {
    const { requests } = await serve((_request, response) => json(response, 200, tokenResponse()))
    await expect(exchangeToken(assertion, fast([], { signal: AbortSignal.abort() }))).rejects.toThrow()
    expect(requests).toHaveLength(0)
  })

  it('aborts promptly even when the injected fetch ignores the signal', async () => {
    const controller = new AbortController()
    const never: typeof fetch = () => {
      queueMicrotask(() => {
        controller.abort(new Error('now'))
      })
      return new Promise<Response>(() => undefined)
    }
    await expect(
      exchangeToken(assertion, { fetch: never, signal: controller.signal, endpoint: 'http://127.0.0.1:1/' }),
    ).rejects.toThrow('now')
  })

  it('waits out a Retry-After of zero with its own timer when no sleep is injected', async () => {
    await serve((_request, response, index) =>
      index === 0 ? json(response, 503, '', { 'retry-after': '0' }) : json(response, 200, tokenResponse()),
    )
    const result = await exchangeToken(assertion, { endpoint: server?.url })
    expect(result.token).toBe(accessToken)
    expect(server?.requests).toHaveLength(2)
  })

  it('ends its own wait between attempts at once when the signal aborts', async () => {
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    await serve((_request, response) => {
      json(response, 503, '', { 'retry-after': '5' })
      setTimeout(() => {
        controller.abort(reason)
      }, 20)
    })
    const startedAt = Date.now()
    await expect(exchangeToken(assertion, { endpoint: server?.url, signal: controller.signal })).rejects.toBe(
      reason,
    )
    expect(Date.now() - startedAt).toBeLessThan(2000)
    expect(server?.requests).toHaveLength(1)
  })
})

describe('exchangeToken to a plain-http endpoint', () => {
  it('refuses http://localhost. before sending the assertion, as DNS decides where that name goes', async () => {
    let sent = 0
    const recording: typeof fetch = () => {
      sent += 1
      return Promise.resolve(new Response('{}', { status: 500 }))
    }
    const endpoint = 'http://localhost.:8080/oauth2/token/exchange'
    const promise = exchangeToken(assertion, { endpoint, fetch: recording })
    await expect(promise).rejects.toThrow(TypeError)
    await expect(promise).rejects.not.toThrow(assertion)
    expect(sent).toBe(0)
  })
})

describe('exchangeToken options', () => {
  it.each([
    ['an empty subject token', '', {}, /subjectToken/],
    ['a relative endpoint', assertion, { endpoint: '/token' }, /options\.endpoint/],
    [
      'a plain-http remote endpoint',
      assertion,
      { endpoint: 'http://auth.example.com/x' },
      /options\.endpoint/,
    ],
    [
      'a plain-http endpoint at localhost. (a DNS name, not this machine)',
      assertion,
      { endpoint: 'http://localhost.:8080/oauth2/token/exchange' },
      /options\.endpoint/,
    ],
    ['a zero timeout', assertion, { timeout: 0 }, /options\.timeout/],
    ['a fetch that is not a function', assertion, { fetch: 'fetch' }, /options\.fetch/],
    ['a signal that is not an AbortSignal', assertion, { signal: {} }, /options\.signal/],
    ['a sleep that is not a function', assertion, { sleep: 1 }, /options\.sleep/],
  ])('rejects %s with a TypeError naming it', async (_name, token, options, pattern) => {
    const promise = exchangeToken(token, options as ExchangeTokenOptions)
    await expect(promise).rejects.toThrow(TypeError)
    await expect(promise).rejects.toThrow(pattern)
  })
})
