import { inspect } from 'node:util'

import { staticToken } from '@nebius-auth/core'
import type { AxiosError, AxiosInstance } from 'axios'
import { afterEach, describe, expect, it } from 'vitest'

import { axios } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import {
  rotatingTokens,
  secretPart,
  startScriptedServer,
  type ScriptedServer,
} from './servers.test-support.js'

const token = `v1.payload.${secretPart}`

let server: ScriptedServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

/** An adapted instance on a server that answers `statuses` in order, then 200. */
async function api(
  statuses: readonly number[],
  options: Parameters<typeof withNebiusAuth>[1] = {},
): Promise<{ instance: AxiosInstance; server: ScriptedServer }> {
  server = await startScriptedServer(statuses)
  const instance = withNebiusAuth(axios.create({ baseURL: server.url }), {
    provider: staticToken(token),
    origins: [server.url],
    ...options,
  })
  return { instance, server }
}

async function failure(request: Promise<unknown>): Promise<AxiosError> {
  const error: unknown = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!axios.isAxiosError(error)) throw new Error('expected an AxiosError')
  return error
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

describe('withNebiusAuth: no token in what axios hands back', () => {
  it('shows no token in an AxiosError for a 500', async () => {
    const { instance } = await api([500])
    const error = await failure(instance.get('/data'))
    expect(logged(error)).not.toContain(secretPart)
    expect(JSON.stringify(error)).toContain('Bearer v1.payload.**')
  })

  it('shows no token in the 401 that reaches the caller after the one retry', async () => {
    const provider = rotatingTokens()
    const { instance, server } = await api([401, 401], { provider })
    const error = await failure(instance.get('/data'))
    expect(error.response?.status).toBe(401)
    expect(server.authorizations).toEqual([
      `Bearer v1.payload1.${secretPart}1`,
      `Bearer v1.payload2.${secretPart}2`,
    ])
    expect(logged(error)).not.toContain(secretPart)
  })

  it('shows no token in a successful response', async () => {
    const { instance } = await api([])
    const response = await instance.get('/data')
    expect(logged(response)).not.toContain(secretPart)
    expect(response.config.headers.get('Authorization')).toBe('Bearer v1.payload.**')
  })

  it('shows no token in a timeout error, which has no response', async () => {
    const { instance } = await api([0])
    const error = await failure(instance.get('/data', { timeout: 100 }))
    expect(error.code).toBe('ECONNABORTED')
    expect(logged(error)).not.toContain(secretPart)
  })

  it('attaches a fresh token when the caller re-sends the redacted config', async () => {
    const provider = rotatingTokens()
    const { instance, server } = await api([500], { provider })
    const error = await failure(instance.get('/data'))
    if (error.config === undefined) throw new Error('expected a config')
    const response = await instance.request(error.config)
    expect(response.status).toBe(200)
    expect(server.authorizations).toEqual([
      `Bearer v1.payload1.${secretPart}1`,
      `Bearer v1.payload2.${secretPart}2`,
    ])
  })

  it('attaches a fresh token when an interceptor added later re-sends the config, as axios-retry does', async () => {
    const provider = rotatingTokens()
    const { instance, server } = await api([500], { provider })
    instance.interceptors.response.use(undefined, (error: unknown) => {
      const { config } = error as AxiosError
      if (config === undefined) throw error
      return instance.request(config)
    })
    expect((await instance.get('/data')).status).toBe(200)
    expect(server.authorizations[1]).toBe(`Bearer v1.payload2.${secretPart}2`)
  })

  it("leaves the caller's own Authorization in the error as it was", async () => {
    const { instance, server } = await api([500])
    const own = 'Bearer callers-own-credential'
    const error = await failure(instance.get('/data', { headers: { Authorization: own } }))
    expect(server.authorizations).toEqual([own])
    expect(error.config?.headers.get('Authorization')).toBe(own)
    expect(inspect(error, { depth: 10 })).toContain(own)
  })
})
