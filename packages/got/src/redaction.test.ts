import { inspect } from 'node:util'

import { staticToken } from '@nebius-auth/core'
import type { ExtendOptions, Got, RequestError } from 'got'
import { afterEach, describe, expect, it } from 'vitest'

import { got } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import {
  rotatingTokens,
  secretPart,
  startScriptedServer,
  type ScriptedServer,
} from './servers.test-support.js'

const token = `v1.payload.${secretPart}`
// got waits a second or more between its own retries by default.
const quickRetry = { limit: 1, backoffLimit: 10 }

let server: ScriptedServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

/** An adapted instance on a server that answers `statuses` in order, then 200. No retries unless asked. */
async function api(
  statuses: readonly number[],
  extend: ExtendOptions = {},
  options: Parameters<typeof withNebiusAuth>[1] = {},
): Promise<{ instance: Got; server: ScriptedServer }> {
  server = await startScriptedServer(statuses)
  const base = got.extend({ prefixUrl: server.url, retry: { limit: 0 }, ...extend })
  const instance = withNebiusAuth(base, { provider: staticToken(token), origins: [server.url], ...options })
  return { instance, server }
}

async function failure(request: Promise<unknown>): Promise<RequestError> {
  const error: unknown = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!(error instanceof Error) || !('options' in error)) throw new Error('expected a got RequestError')
  return error as RequestError
}

/** What a caller's logger would print: `util.inspect` deep, and `JSON.stringify` where it does not throw. */
function logged(value: unknown): string {
  let json = ''
  try {
    json = JSON.stringify(value)
  } catch {
    // Circular (a response holds its socket): loggers fall back to inspect, which is checked too.
  }
  return `${inspect(value, { depth: 10 })}\n${json}`
}

describe('no token in what got hands back', () => {
  it('shows no token in an HTTPError for a 500', async () => {
    const { instance } = await api([500])
    const error = await failure(instance.get('data'))
    expect(error.response?.statusCode).toBe(500)
    expect(logged(error)).not.toContain(secretPart)
    expect(error.options.headers.authorization).toBe('Bearer v1.payload.**')
  })

  it('shows no token in the 401 that reaches the caller after the one retry', async () => {
    const provider = rotatingTokens()
    const { instance, server } = await api([401, 401], {}, { provider })
    const error = await failure(instance.get('data'))
    expect(error.response?.statusCode).toBe(401)
    expect(server.authorizations).toEqual([
      `Bearer v1.payload1.${secretPart}1`,
      `Bearer v1.payload2.${secretPart}2`,
    ])
    expect(logged(error)).not.toContain(secretPart)
  })

  it('shows no token in a successful response or its options', async () => {
    const { instance } = await api([])
    const response = await instance.get('data')
    expect(logged(response)).not.toContain(secretPart)
    expect(logged(response.request.options)).not.toContain(secretPart)
  })

  it('shows no token in a timeout error, which has no response', async () => {
    const { instance } = await api([0], { timeout: { request: 100 } })
    const error = await failure(instance.get('data'))
    expect(error.code).toBe('ETIMEDOUT')
    expect(logged(error)).not.toContain(secretPart)
  })

  it("attaches a fresh token when got's own retry re-sends the options after a 500", async () => {
    const provider = rotatingTokens()
    const { instance, server } = await api([500], { retry: quickRetry }, { provider })
    const response = await instance.get('data')
    expect(response.statusCode).toBe(200)
    expect(server.authorizations).toEqual([
      `Bearer v1.payload1.${secretPart}1`,
      `Bearer v1.payload2.${secretPart}2`,
    ])
    expect(logged(response)).not.toContain(secretPart)
  })

  it('shows no token in the 500 that reaches the caller after got gave up retrying', async () => {
    const { instance, server } = await api([500, 500], { retry: quickRetry })
    const error = await failure(instance.get('data'))
    expect(server.authorizations).toEqual([`Bearer ${token}`, `Bearer ${token}`])
    expect(logged(error)).not.toContain(secretPart)
  })

  it("leaves the caller's own Authorization as it was, also across got's retry", async () => {
    const own = 'Bearer callers-own-credential'
    const { instance, server } = await api([500, 500], { retry: quickRetry })
    const error = await failure(instance.get('data', { headers: { authorization: own } }))
    expect(server.authorizations).toEqual([own, own])
    expect(error.options.headers.authorization).toBe(own)
  })
})
