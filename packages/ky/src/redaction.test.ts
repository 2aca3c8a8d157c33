import { inspect } from 'node:util'

import { staticToken } from '@nebius-auth/core'
import type { HTTPError, KyInstance, Options } from 'ky'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'

import { loadKy, type LoadedKy } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import {
  rotatingTokens,
  secretPart,
  startRecordingServer,
  startScriptedServer,
  type ScriptedServer,
} from '@nebius-auth/adapter-fixtures'

const token = `v1.payload.${secretPart}`
// ky waits 300 ms and more between its own retries by default.
const quickRetry = { limit: 1, backoffLimit: 10 }

let client: LoadedKy
let server: ScriptedServer | undefined

beforeAll(async () => {
  client = await loadKy()
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

/** An adapted instance on a server that answers `statuses` in order, then 200. No retries unless asked. */
async function api(
  statuses: readonly number[],
  create: Options = {},
  options: Parameters<typeof withNebiusAuth>[1] = {},
): Promise<{ instance: KyInstance; server: ScriptedServer }> {
  server = await startScriptedServer(statuses)
  const base = client.ky.create({ retry: 0, ...client.prefixOption(server.url), ...create })
  const instance = withNebiusAuth(base, { provider: staticToken(token), origins: [server.url], ...options })
  return { instance, server }
}

async function failure(request: Promise<unknown>): Promise<HTTPError> {
  const error: unknown = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!client.isHTTPError(error)) throw new Error('expected an HTTPError')
  return error as HTTPError
}

/** What a caller's logger would print: `util.inspect` deep, and `JSON.stringify` where it does not throw. */
function logged(value: unknown): string {
  let json = ''
  try {
    json = JSON.stringify(value)
  } catch {
    // Circular: loggers fall back to inspect, which is checked too.
  }
  return `${inspect(value, { depth: 10 })}\n${json}`
}

describe('withNebiusAuth: no token in what ky hands back', () => {
  it('shows no token in an HTTPError for a 500', async () => {
    const { instance } = await api([500])
    const error = await failure(instance.get('data'))
    expect(error.response.status).toBe(500)
    expect(logged(error)).not.toContain(secretPart)
    // The token goes on in the fetch ky calls: the Request ky holds never carried it.
    expect(error.request.headers.get('authorization')).toBeNull()
  })

  it('shows no token in the 401 that reaches the caller after the one retry', async () => {
    const provider = rotatingTokens()
    const { instance, server } = await api([401, 401], {}, { provider })
    const error = await failure(instance.get('data'))
    expect(error.response.status).toBe(401)
    expect(server.authorizations).toEqual([
      `Bearer v1.payload1.${secretPart}1`,
      `Bearer v1.payload2.${secretPart}2`,
    ])
    expect(logged(error)).not.toContain(secretPart)
  })

  it("shows no token in a successful response, nor in the request the instance's own hooks see", async () => {
    const seen: string[] = []
    const { instance } = await api([], {
      hooks: {
        afterResponse: [
          (...parameters: unknown[]) => {
            const [first] = parameters
            // ky 1 passes (request, options, response); ky 2 one state object.
            const request = first instanceof Request ? first : (first as { request: Request }).request
            seen.push(request.headers.get('authorization') ?? '')
          },
        ],
      },
    })
    const response = await instance.get('data')
    expect(logged(response)).not.toContain(secretPart)
    expect(seen).toEqual([''])
  })

  it("attaches a fresh token when ky's own retry re-sends the request after a 500", async () => {
    const provider = rotatingTokens()
    const { instance, server } = await api([500], { retry: quickRetry }, { provider })
    const response = await instance.get('data')
    expect(response.status).toBe(200)
    // A live token, not the sanitized one left behind (ky 1 asks for it in beforeRetry and again in beforeRequest).
    const [first, second] = server.authorizations
    expect(first).toBe(`Bearer v1.payload1.${secretPart}1`)
    expect(second).toMatch(new RegExp(`^Bearer v1\\.payload\\d+\\.${secretPart}\\d+$`))
    expect(second).not.toBe(first)
  })

  it('shows no token in the 500 that reaches the caller after ky gave up retrying', async () => {
    const { instance, server } = await api([500, 500], { retry: quickRetry })
    const error = await failure(instance.get('data'))
    expect(server.authorizations).toEqual([`Bearer ${token}`, `Bearer ${token}`])
    expect(logged(error)).not.toContain(secretPart)
  })

  it("leaves the caller's own Authorization as it was, also across ky's retry", async () => {
    const own = 'Bearer callers-own-credential'
    const { instance, server } = await api([500, 500], { retry: quickRetry })
    const error = await failure(instance.get('data', { headers: { authorization: own } }))
    expect(server.authorizations).toEqual([own, own])
    expect(error.request.headers.get('authorization')).toBe(own)
  })
})

describe('withNebiusAuth: no token in a TimeoutError', () => {
  it("shows no token in ky's TimeoutError for a server that does not answer in time", async () => {
    // Never answers; close() ends the open connection.
    const silent = await startRecordingServer(() => undefined)
    try {
      const base = client.ky.create({ retry: 0, timeout: 100, ...client.prefixOption(silent.url) })
      const instance = withNebiusAuth(base, { provider: staticToken(token), origins: [silent.url] })
      const error: unknown = await instance.get('slow').then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect((error as Error).name).toBe('TimeoutError')
      expect(silent.hits.map((hit) => hit.authorization)).toEqual([`Bearer ${token}`])
      expect(logged(error)).not.toContain(secretPart)
      expect((error as { request: Request }).request.headers.get('authorization')).toBeNull()
    } finally {
      await silent.close()
    }
  })

  it('shows no token in the request after the caller aborted it', async () => {
    const silent = await startRecordingServer(() => undefined)
    try {
      const base = client.ky.create({ retry: 0, timeout: false, ...client.prefixOption(silent.url) })
      const instance = withNebiusAuth(base, { provider: staticToken(token), origins: [silent.url] })
      const controller = new AbortController()
      const pending = instance.get('slow', { signal: controller.signal }).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      await expect.poll(() => silent.hits.length).toBe(1)
      controller.abort()
      const error = await pending
      expect(logged(error)).not.toContain(secretPart)
    } finally {
      await silent.close()
    }
  })
})
