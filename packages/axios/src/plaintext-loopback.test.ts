import {
  rotatingTokens,
  startRecordingProxy,
  startRecordingServer,
  type RecordingProxy,
  type RecordingServer,
} from '@nebius-auth/adapter-fixtures'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { axios } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import { loopbackLookup } from './servers.test-support.js'

const proxyVariables = ['http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY', 'npm_config_http_proxy']
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

describe('axios and plain http to loopback', () => {
  it('sends no token to localhost. with a trailing dot, which DNS resolves, when http://localhost is listed', async () => {
    const port = portOf(server.url)
    const api = withNebiusAuth(axios.create({ lookup: loopbackLookup }), {
      provider: rotatingTokens(),
      origins: [`http://localhost:${port}`],
    })
    await api.get(`http://localhost:${port}/named`)
    await api.get(`http://localhost.:${port}/dotted`)
    expect(server.hits.map((hit) => [hit.path, hit.authorization?.startsWith('Bearer ')])).toEqual([
      ['/named', true],
      ['/dotted', undefined],
    ])
  })

  it.each(['127.0.0.1', 'localhost'])(
    'reaches a listed http://%s origin directly, never through HTTP_PROXY',
    async (host) => {
      process.env.http_proxy = proxy.url
      process.env.HTTP_PROXY = proxy.url
      const origin = `http://${host}:${portOf(server.url)}`
      const api = withNebiusAuth(axios.create({ baseURL: origin }), { provider: rotatingTokens() })
      await api.get('/direct')
      expect(proxy.visits).toEqual([])
      expect(server.hits.map((hit) => hit.authorization?.startsWith('Bearer '))).toEqual([true])
    },
  )

  it('leaves a request that carries no token of ours to the proxy', async () => {
    process.env.http_proxy = proxy.url
    process.env.HTTP_PROXY = proxy.url
    const api = withNebiusAuth(axios.create(), { provider: rotatingTokens(), origins: [] })
    await api.get(`${server.url}/proxied`)
    expect(proxy.visits.map((visit) => [visit.target, visit.authorization])).toEqual([
      [`${server.url}/proxied`, undefined],
    ])
  })
})
