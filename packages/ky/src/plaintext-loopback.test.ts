import {
  rotatingTokens,
  startRecordingProxy,
  startRecordingServer,
  type RecordingProxy,
  type RecordingServer,
} from '@nebius-auth/adapter-fixtures'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { loadKy } from './client.test-support.js'
import { withNebiusAuth } from './index.js'

const proxyVariables = ['http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY']
let saved: Record<string, string | undefined> = {}
let server: RecordingServer
let proxy: RecordingProxy

beforeEach(async () => {
  saved = Object.fromEntries(proxyVariables.map((name) => [name, process.env[name]]))
  for (const name of proxyVariables) Reflect.deleteProperty(process.env, name)
  server = await startRecordingServer()
  proxy = await startRecordingProxy()
})

afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name)
    else process.env[name] = value
  }
  await Promise.all([server.close(), proxy.close()])
})

const portOf = (url: string): string => new URL(url).port

describe('ky and plain http to loopback', () => {
  it('asks for no token for localhost. with a trailing dot, which DNS resolves, when http://localhost is listed', async () => {
    const port = portOf(server.url)
    const provider = rotatingTokens()
    const { ky } = await loadKy()
    const api = withNebiusAuth(ky.create({ retry: 0 }), { provider, origins: [`http://localhost:${port}`] })
    // Where DNS sends `localhost.` is not ours to know: it may fail, or reach this server without a token.
    await api.get(`http://localhost.:${port}/dotted`).catch(() => undefined)
    expect(provider.calls()).toBe(0)
    expect(server.hits.filter((hit) => hit.authorization !== undefined)).toEqual([])
  })

  it.each(['127.0.0.1', 'localhost'])(
    'reaches a listed http://%s origin directly with HTTP_PROXY set',
    async (host) => {
      process.env.http_proxy = proxy.url
      process.env.HTTP_PROXY = proxy.url
      const origin = `http://${host}:${portOf(server.url)}`
      const { ky } = await loadKy()
      const api = withNebiusAuth(ky.create({ retry: 0 }), { provider: rotatingTokens(), origins: [origin] })
      await api.get(`${origin}/direct`)
      expect(proxy.visits).toEqual([])
      expect(server.hits.map((hit) => hit.authorization?.startsWith('Bearer '))).toEqual([true])
    },
  )
})
