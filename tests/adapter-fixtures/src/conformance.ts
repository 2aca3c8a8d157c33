/**
 * One conformance suite for every adapter: the rules each must keep (origins, the caller's own header, one
 * retry after a refusal, bodies, the fast path), run against the real client through a small driver. An
 * HTTP adapter's driver makes a client and sends one request; the servers are shared. A gRPC adapter plugs
 * in the same way with its own server (refusing with UNAUTHENTICATED) and its own client.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { staticToken, type AccessToken, type GetTokenOptions, type TokenProvider } from '@nebius-auth/core'
import type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
import { describe, expect, it } from 'vitest'

/** How the server answers one request: as usual, or refusing its credentials (401, UNAUTHENTICATED). */
export type ScriptStep = 'ok' | 'refuse'

/** What the caller got from one request. */
export type Outcome = 'ok' | 'refused'

/** What a conformance server saw of one request. */
export interface ReceivedRequest {
  readonly authorization: string | undefined
  /** The request body as text ('' when none). */
  readonly body: string
}

/** A server that answers its n-th request with `script[n]` (then 'ok') and records what it received. */
export interface ConformanceServer {
  /** The origin a client sends to and `origins` lists: `http://127.0.0.1:<port>` for HTTP. */
  readonly origin: string
  readonly received: readonly ReceivedRequest[]
  close(): Promise<void>
}

/** One request of the suite: without a body unless asked, with no headers of the caller's unless asked. */
export interface ConformanceRequest {
  /** An `Authorization` header of the caller's own. */
  readonly authorization?: string
  /** `'data'`: a body that can be sent again (a string); `'stream'`: one that sending consumes. */
  readonly body?: 'data' | 'stream'
}

/** A client with the adapter installed, as a driver builds it. */
export interface ConformanceClient {
  /** Sends one request to the server and reports what the caller got. Anything else is a failure. */
  send(request?: ConformanceRequest): Promise<Outcome>
}

/**
 * How the suite drives one adapter.
 *
 * @example
 * ```ts
 * describeConformance({
 *   name: 'fetch',
 *   startServer: startHttpConformanceServer,
 *   streamBodies: 'copied',
 *   client: (server, options) => ({ send: async (request) => … }),
 * })
 * ```
 */
export interface AdapterDriver {
  readonly name: string
  startServer(script: readonly ScriptStep[]): Promise<ConformanceServer>
  /** A client for `server` with the adapter installed with `options` (`origins` always given). */
  client(server: ConformanceServer, options: NebiusAuthOptions): ConformanceClient
  /**
   * What the adapter does with a refused stream body: `'copied'` sends a copy taken beforehand (fetch),
   * `'not-retried'` hands the refusal to the caller (axios, got; for gRPC a client-streaming call),
   * `'unsupported'` skips the case.
   */
  readonly streamBodies: 'copied' | 'not-retried' | 'unsupported'
}

/** The text every body of the suite carries. */
export const conformanceBody = 'conformance body, sent whole or not at all'

/** An HTTP server for {@link AdapterDriver.startServer}: 401 for 'refuse', 200 `ok` otherwise. */
export async function startHttpConformanceServer(script: readonly ScriptStep[]): Promise<ConformanceServer> {
  const received: ReceivedRequest[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const step = script[received.length] ?? 'ok'
      received.push({ authorization: request.headers.authorization, body: Buffer.concat(chunks).toString() })
      if (step === 'refuse') response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' })
      response.end(step === 'refuse' ? 'refused' : 'ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}

/** A provider that counts getToken calls, hands out `v1.conformance.<n>` and a new one per rejected token. */
interface CountingProvider extends TokenProvider {
  readonly calls: GetTokenOptions[]
}

/**
 * `peeks: true`: a warm provider whose `peek` offers its current token, as core's providers do once they
 * hold a fresh one. `peeks: false`: one that always makes the caller wait for `getToken`.
 */
function countingProvider(peeks: boolean): CountingProvider {
  let issued = 1
  const calls: GetTokenOptions[] = []
  const current = (): AccessToken => ({
    token: `v1.conformance.${issued}`,
    expiresAt: Date.now() + 3_600_000,
  })
  return {
    calls,
    peek: () => (peeks ? current() : undefined),
    getToken(options) {
      calls.push(options ?? {})
      if (options?.rejected === current().token) issued += 1
      return Promise.resolve(current())
    },
  }
}

const first = 'Bearer v1.conformance.1'
const second = 'Bearer v1.conformance.2'

/**
 * Registers the conformance cases for `driver` (call it at the top level of a test file).
 *
 * @example
 * ```ts
 * describeConformance(fetchDriver)
 * ```
 */
export function describeConformance(driver: AdapterDriver): void {
  const run = async (
    script: readonly ScriptStep[],
    options: NebiusAuthOptions,
    act: (client: ConformanceClient, server: ConformanceServer) => Promise<void>,
  ): Promise<void> => {
    const server = await driver.startServer(script)
    try {
      await act(driver.client(server, { origins: [server.origin], ...options }), server)
    } finally {
      await server.close()
    }
  }
  const authorizations = (server: ConformanceServer): (string | undefined)[] =>
    server.received.map((request) => request.authorization)

  describe(`${driver.name} conformance`, () => {
    it('attaches the token for an allowed origin', async () => {
      await run([], { provider: countingProvider(true) }, async (client, server) => {
        expect(await client.send()).toBe('ok')
        expect(authorizations(server)).toEqual([first])
      })
    })

    it('sends no token, and asks for none, for an origin that is not allowed', async () => {
      const provider = countingProvider(false)
      await run([], { provider, origins: ['https://api.example.com'] }, async (client, server) => {
        expect(await client.send()).toBe('ok')
        expect(authorizations(server)).toEqual([undefined])
        expect(provider.calls).toEqual([])
      })
    })

    it("leaves the caller's own Authorization untouched and never retries its refusal", async () => {
      const provider = countingProvider(true)
      await run(['refuse'], { provider }, async (client, server) => {
        expect(await client.send({ authorization: 'Bearer callers-own' })).toBe('refused')
        expect(authorizations(server)).toEqual(['Bearer callers-own'])
        expect(provider.calls).toEqual([])
      })
    })

    it('retries a refusal exactly once, with a different token', async () => {
      const provider = countingProvider(true)
      await run(['refuse'], { provider }, async (client, server) => {
        expect(await client.send()).toBe('ok')
        expect(authorizations(server)).toEqual([first, second])
        expect(provider.calls).toEqual([expect.objectContaining({ rejected: 'v1.conformance.1' })])
      })
    })

    it('hands the second refusal to the caller: two requests, no loop', async () => {
      await run(['refuse', 'refuse'], { provider: countingProvider(true) }, async (client, server) => {
        expect(await client.send()).toBe('refused')
        expect(authorizations(server)).toEqual([first, second])
      })
    })

    it('never retries a static token, which no refresh can change', async () => {
      await run(['refuse'], { provider: staticToken('v1.static.token') }, async (client, server) => {
        expect(await client.send()).toBe('refused')
        expect(authorizations(server)).toEqual(['Bearer v1.static.token'])
      })
    })

    it('with retryOnUnauthorized: false, hands over the refusal but gets a fresh token for the next request', async () => {
      const provider = countingProvider(true)
      await run(['refuse'], { provider, retryOnUnauthorized: false }, async (client, server) => {
        expect(await client.send()).toBe('refused')
        expect(await client.send()).toBe('ok')
        expect(authorizations(server)).toEqual([first, second])
      })
    })

    it('sends a data body again, whole, on the retry', async () => {
      await run(['refuse'], { provider: countingProvider(true) }, async (client, server) => {
        expect(await client.send({ body: 'data' })).toBe('ok')
        expect(server.received.map((request) => request.body)).toEqual([conformanceBody, conformanceBody])
      })
    })

    it.skipIf(driver.streamBodies === 'unsupported')('never sends a stream body empty', async () => {
      const provider = countingProvider(true)
      await run(['refuse'], { provider }, async (client, server) => {
        const bodies = (): string[] => server.received.map((request) => request.body)
        if (driver.streamBodies === 'copied') {
          expect(await client.send({ body: 'stream' })).toBe('ok')
          expect(bodies()).toEqual([conformanceBody, conformanceBody])
          expect(authorizations(server)).toEqual([first, second])
          return
        }
        expect(await client.send({ body: 'stream' })).toBe('refused')
        expect(bodies()).toEqual([conformanceBody])
        // Not retried, but the provider heard: the next request carries a fresh token.
        expect(await client.send()).toBe('ok')
        expect(authorizations(server)).toEqual([first, second])
      })
    })

    it('takes the fast path with a fresh token: no getToken call at all', async () => {
      const provider = countingProvider(true)
      await run([], { provider }, async (client, server) => {
        for (let round = 0; round < 3; round += 1) expect(await client.send()).toBe('ok')
        expect(authorizations(server)).toEqual([first, first, first])
        expect(provider.calls).toEqual([])
      })
    })

    it('waits for getToken when the provider has no fresh token to offer', async () => {
      const provider = countingProvider(false)
      await run([], { provider }, async (client, server) => {
        expect(await client.send()).toBe('ok')
        expect(await client.send()).toBe('ok')
        expect(authorizations(server)).toEqual([first, first])
        expect(provider.calls).toHaveLength(2)
      })
    })
  })
}
