/**
 * The four adapters, each on its real client library, behind one small interface so every scenario runs
 * the same way through all of them. Network goes to 127.0.0.1 only; client-side retries are off so every
 * request the emulator counts is one the adapter sent.
 */
import { Agent } from 'node:http'

import { withNebiusAuth as withAxiosAuth } from '@nebius-auth/axios'
import { NebiusAuthError, type TokenProvider } from '@nebius-auth/core'
import { withNebiusAuth as withFetchAuth } from '@nebius-auth/fetch'
import { withNebiusAuth as withGotAuth } from '@nebius-auth/got'
import { withNebiusAuth as withKyAuth } from '@nebius-auth/ky'
import axios from 'axios'
import got from 'got'
import ky from 'ky'

export const adapterNames = ['axios', 'got', 'ky', 'fetch'] as const
export type AdapterName = (typeof adapterNames)[number]

/** A request's status, or what the client rejected with. */
export type Outcome = { readonly status: number } | { readonly error: unknown }

export interface AdapterClient {
  readonly name: AdapterName
  /** Sends `GET <baseURL><path>` and reads the whole body. */
  get(path: string): Promise<Outcome>
  close(): void
}

async function settle(request: () => Promise<number>): Promise<Outcome> {
  try {
    return { status: await request() }
  } catch (error) {
    return { error }
  }
}

/**
 * fetch with at most `limit` requests waiting for headers. undici has no per-origin connection limit, so
 * a thousand concurrent calls open a thousand connections at once and overflow the server's listen
 * backlog; axios and got get the same bound from their http.Agent.
 */
function boundedFetch(limit: number): typeof globalThis.fetch {
  let active = 0
  const waiting: (() => void)[] = []
  return async (input, init) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await fetch(input, init)
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

export function createClient(name: AdapterName, baseURL: string, provider: TokenProvider): AdapterClient {
  const options = { provider, origins: [baseURL] }
  // A bounded keep-alive pool: thousands of concurrent callers must not open thousands of sockets.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const close = (): void => {
    agent.destroy()
  }
  switch (name) {
    case 'axios': {
      const client = withAxiosAuth(
        axios.create({ baseURL, httpAgent: agent, validateStatus: () => true }),
        options,
      )
      return { name, get: (path) => settle(async () => (await client.get(path)).status), close }
    }
    case 'got': {
      const client = withGotAuth(
        got.extend({
          prefixUrl: baseURL,
          agent: { http: agent },
          retry: { limit: 0 },
          throwHttpErrors: false,
        }),
        options,
      )
      // got's prefixUrl wants the path without its leading slash.
      return { name, get: (path) => settle(async () => (await client.get(path.slice(1))).statusCode), close }
    }
    case 'ky': {
      // No ky timeout: ky starts its 10 s per-attempt clock when it calls `fetch`, and the harness's
      // 64-slot queue sits inside that fetch, so with 1,000 concurrent requests ky timed the queue, not the
      // request (docs/RELIABILITY.md, "What the full counts showed"). Each test's own timeout bounds it.
      const client = withKyAuth(
        ky.create({
          prefixUrl: baseURL,
          retry: 0,
          throwHttpErrors: false,
          fetch: boundedFetch(64),
          timeout: false,
        }),
        options,
      )
      const get = (path: string): Promise<Outcome> =>
        settle(async () => {
          const response = await client.get(path.slice(1))
          await response.arrayBuffer()
          return response.status
        })
      return { name, get, close }
    }
    case 'fetch': {
      const client = withFetchAuth(boundedFetch(64), options)
      const get = (path: string): Promise<Outcome> =>
        settle(async () => {
          const response = await client(`${baseURL}${path}`)
          await response.arrayBuffer()
          return response.status
        })
      return { name, get, close }
    }
  }
}

/** The NebiusAuthError in an error's `cause` chain (got wraps hook errors in its own RequestError). */
export function nebiusErrorIn(error: unknown): { code: string; depth: number } | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (NebiusAuthError.isInstance(current)) return { code: current.code, depth }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
