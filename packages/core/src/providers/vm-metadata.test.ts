import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inspect } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { parseMetadataResponse, vmMetadata } from './vm-metadata.js'

const secret = 'v1.bWV0YWRhdGEtdG9rZW4.bWV0YWRhdGEtc2lnbmF0dXJlLXNlY3JldA'
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString()

type Handler = (request: IncomingMessage, response: ServerResponse) => void
const servers: Server[] = []
const providers: { close(): void }[] = []

afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections()
          server.close(resolve)
        }),
    ),
  )
})

async function serve(handler: Handler): Promise<{ endpoint: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = []
  const server = createServer((request, response) => {
    requests.push(request)
    handler(request, response)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { endpoint: `http://127.0.0.1:${port}/v1/iam/sa/token`, requests }
}

function json(body: unknown, status = 200): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
}

function provider(options: Parameters<typeof vmMetadata>[0]): ReturnType<typeof vmMetadata> {
  const created = vmMetadata(options)
  providers.push(created)
  return created
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code?: string; message: string; transient?: boolean }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: string; message: string; transient?: boolean }
  }
  throw new Error('expected a rejection')
}

describe('vmMetadata', () => {
  it('gets the token with the Metadata header and reads its RFC 3339 expiry', async () => {
    const expiresAt = inAnHour()
    const { endpoint, requests } = await serve(json({ access_token: secret, expires_at: expiresAt }))
    await expect(provider({ endpoint }).getToken()).resolves.toEqual({
      token: secret,
      expiresAt: Date.parse(expiresAt),
    })
    expect(requests[0]!.method).toBe('GET')
    expect(requests[0]!.headers.metadata).toBe('true')
    expect(requests[0]!.url).toBe('/v1/iam/sa/token')
  })

  it('caches the token across calls', async () => {
    const { endpoint, requests } = await serve(json({ access_token: secret, expires_at: inAnHour() }))
    const metadata = provider({ endpoint })
    await metadata.getToken()
    await metadata.getToken()
    expect(requests).toHaveLength(1)
  })

  it('fetches again when its token was rejected', async () => {
    let count = 0
    const { endpoint } = await serve((_request, response) => {
      count += 1
      response.end(JSON.stringify({ access_token: `${secret}${count}`, expires_at: inAnHour() }))
    })
    const metadata = provider({ endpoint })
    const { token } = await metadata.getToken()
    await expect(metadata.getToken({ rejected: token })).resolves.toMatchObject({ token: `${secret}2` })
  })

  it('does not make a request at construction', async () => {
    const { endpoint, requests } = await serve(json({ access_token: secret, expires_at: inAnHour() }))
    provider({ endpoint })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(requests).toHaveLength(0)
  })

  it('uses an injected fetch', async () => {
    const fetch: typeof globalThis.fetch = async () =>
      new Response(JSON.stringify({ access_token: secret, expires_at: inAnHour() }))
    await expect(provider({ fetch }).getToken()).resolves.toMatchObject({ token: secret })
  })

  it('reports a 404 (a VM without a service account) as ERR_METADATA_UNAVAILABLE', async () => {
    const { endpoint } = await serve(json({ error: 'not found' }, 404))
    const error = await errorOf(provider({ endpoint }).getToken())
    expect(error.code).toBe('ERR_METADATA_UNAVAILABLE')
    expect(error.message).toContain('HTTP 404')
    expect(error.transient).toBe(false)
  })

  it('reports a 503 and a 429 as a transient ERR_METADATA_UNAVAILABLE', async () => {
    for (const status of [503, 429]) {
      const { endpoint } = await serve(json({ error: 'busy' }, status))
      const error = await errorOf(provider({ endpoint }).getToken())
      expect(error).toMatchObject({ code: 'ERR_METADATA_UNAVAILABLE', transient: true })
    }
  })

  it('reports a closed port as ERR_METADATA_UNAVAILABLE', async () => {
    const { endpoint } = await serve(json({}))
    await new Promise((resolve) => servers.pop()!.close(resolve))
    const error = await errorOf(provider({ endpoint }).getToken())
    expect(error).toMatchObject({ code: 'ERR_METADATA_UNAVAILABLE', transient: true })
  })

  it('gives up on a silent server after the timeout', async () => {
    const { endpoint } = await serve(() => undefined)
    const error = await errorOf(provider({ endpoint, timeout: 100 }).getToken())
    expect(error.code).toBe('ERR_METADATA_UNAVAILABLE')
    expect(error.message).toContain('did not answer within 100 ms')
    expect(error.transient).toBe(true)
  })

  it('still gives up on a silent server when garbage collection runs while it waits', async () => {
    // Node 20 holds AbortSignal.timeout() only weakly inside AbortSignal.any(): a GC could drop the timeout
    // and leave the request hanging for ever.
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const { endpoint } = await serve(() => undefined)
    const pending = errorOf(provider({ endpoint, timeout: 300 }).getToken())
    for (let round = 0; round < 5; round++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      gc()
    }
    const error = await Promise.race([
      pending,
      new Promise<never>((_, reject) => {
        setTimeout(() => {
          reject(new Error('still waiting after 3 s'))
        }, 3000)
      }),
    ])
    expect(error.message).toContain('did not answer within 300 ms')
  })

  it('reports a dropped connection as ERR_METADATA_UNAVAILABLE', async () => {
    const { endpoint } = await serve((request) => request.socket.destroy())
    expect((await errorOf(provider({ endpoint }).getToken())).code).toBe('ERR_METADATA_UNAVAILABLE')
  })

  it('reports an HTML page as ERR_METADATA_INVALID_RESPONSE', async () => {
    const { endpoint } = await serve((_request, response) => response.end('<html>proxy login</html>'))
    const error = await errorOf(provider({ endpoint }).getToken())
    expect(error.code).toBe('ERR_METADATA_INVALID_RESPONSE')
    expect(error.message).not.toContain('proxy login')
  })

  it('never follows a redirect', async () => {
    const { endpoint: target, requests } = await serve(json({ access_token: secret, expires_at: inAnHour() }))
    const { endpoint } = await serve((_request, response) =>
      response.writeHead(302, { location: target }).end(),
    )
    expect((await errorOf(provider({ endpoint }).getToken())).code).toBe('ERR_METADATA_UNAVAILABLE')
    expect(requests).toHaveLength(0)
  })

  it('lets a caller abort its own wait', async () => {
    const { endpoint } = await serve(() => undefined)
    const error = await errorOf(provider({ endpoint }).getToken({ signal: AbortSignal.timeout(30) }))
    expect((error as Error).name).toBe('TimeoutError')
  })

  it.each([
    ['an endpoint that is not a URL', { endpoint: 'metadata' }],
    ['an endpoint with another scheme', { endpoint: 'file:///etc/passwd' }],
    ['a zero timeout', { timeout: 0 }],
    ['a fetch that is not a function', { fetch: 'fetch' as unknown as typeof globalThis.fetch }],
  ])('throws a TypeError at construction for %s', (_name, options) => {
    expect(() => vmMetadata(options)).toThrow(TypeError)
  })

  it('shows no token through util.inspect or JSON.stringify', async () => {
    const { endpoint } = await serve(json({ access_token: secret, expires_at: inAnHour() }))
    const metadata = provider({ endpoint })
    await metadata.getToken()
    expect(inspect(metadata, { showHidden: true, depth: 5 })).not.toContain(secret)
    expect(JSON.stringify(metadata)).not.toContain(secret)
  })

  it('reports a connection dropped in the middle of the body as ERR_METADATA_UNAVAILABLE', async () => {
    const { endpoint } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      response.write('{"access_token":"v1.')
      setTimeout(() => response.destroy(), 20)
    })
    const error = await errorOf(provider({ endpoint }).getToken())
    expect(error.code).toBe('ERR_METADATA_UNAVAILABLE')
    expect(error.message).toContain('dropped the connection')
  })
})

describe('parseMetadataResponse', () => {
  const endpoint = 'http://127.0.0.1/'
  const problem = (body: unknown) => {
    try {
      parseMetadataResponse(JSON.stringify(body), endpoint, Date.parse('2030-01-01T00:00:00Z'))
    } catch (error) {
      return error as { code: string; message: string }
    }
    return undefined
  }

  it('reads an expiry with a numeric offset', () => {
    const token = parseMetadataResponse(
      JSON.stringify({ access_token: secret, expires_at: '2030-01-01T03:00:00.5+02:00' }),
      endpoint,
      Date.parse('2030-01-01T00:00:00Z'),
    )
    expect(token.expiresAt).toBe(Date.parse('2030-01-01T01:00:00.500Z'))
  })

  it('accepts a relative expires_in when expires_at is missing', () => {
    const token = parseMetadataResponse(
      JSON.stringify({ access_token: secret, expires_in: 60 }),
      endpoint,
      1000,
    )
    expect(token.expiresAt).toBe(61_000)
  })

  it.each([
    ['a missing access_token', { expires_at: '2030-01-01T01:00:00Z' }],
    [
      'a multi-line access_token',
      { access_token: `${secret}\n${secret}`, expires_at: '2030-01-01T01:00:00Z' },
    ],
    ['an expiry without an offset', { access_token: secret, expires_at: '2030-01-01T01:00:00' }],
    ['an expiry that is not a date', { access_token: secret, expires_at: 'tomorrow' }],
    ['an impossible date', { access_token: secret, expires_at: '2030-13-45T01:00:00Z' }],
    ['an expiry in the past', { access_token: secret, expires_at: '2029-12-31T23:59:59Z' }],
    ['an array', [secret]],
  ])('rejects %s without quoting the response', (_name, body) => {
    const error = problem(body)
    expect(error?.code).toBe('ERR_METADATA_INVALID_RESPONSE')
    expect(error?.message).not.toContain(secret)
  })
})
