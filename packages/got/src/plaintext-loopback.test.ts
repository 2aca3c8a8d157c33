import type { LookupAddress } from 'node:dns'
import { createRequire } from 'node:module'

import {
  proxyingAgent,
  rotatingTokens,
  startRecordingProxy,
  startRecordingServer,
  type RecordingProxy,
  type RecordingServer,
} from '@nebius-auth/adapter-fixtures'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { got } from './client.test-support.js'
import { withNebiusAuth } from './index.js'

// The CommonJS face of node:http: `globalAgent` is assignable there, as global-agent assigns it.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http')
let server: RecordingServer
let proxy: RecordingProxy
const processAgent = http.globalAgent

beforeEach(async () => {
  server = await startRecordingServer()
  proxy = await startRecordingProxy()
})

afterEach(async () => {
  http.globalAgent = processAgent
  await Promise.all([server.close(), proxy.close()])
})

/** got's `dnsLookup`, sending every name to 127.0.0.1 so `localhost.` reaches the test server. */
function toLoopback(
  _hostname: string,
  options: { all?: boolean },
  callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
): void {
  if (options.all === true) callback(null, [{ address: '127.0.0.1', family: 4 }])
  else callback(null, '127.0.0.1', 4)
}

const portOf = (url: string): string => new URL(url).port

describe('got and plain http to loopback', () => {
  it('sends no token to localhost. with a trailing dot, which DNS resolves, when http://localhost is listed', async () => {
    const port = portOf(server.url)
    const api = withNebiusAuth(got.extend({ dnsLookup: toLoopback as never, retry: { limit: 0 } }), {
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
    'reaches a listed http://%s origin directly when the process-wide agent proxies',
    async (host) => {
      http.globalAgent = proxyingAgent(proxy.url)
      const origin = `http://${host}:${portOf(server.url)}`
      const api = withNebiusAuth(got.extend({ prefixUrl: origin, retry: { limit: 0 } }), {
        provider: rotatingTokens(),
      })
      await api.get('direct')
      expect(proxy.visits).toEqual([])
      expect(server.hits.map((hit) => hit.authorization?.startsWith('Bearer '))).toEqual([true])
    },
  )

  it('leaves a request that carries no token of ours to the process-wide agent', async () => {
    http.globalAgent = proxyingAgent(proxy.url)
    const api = withNebiusAuth(got.extend({ retry: { limit: 0 } }), {
      provider: rotatingTokens(),
      origins: [],
    })
    await api.get(`${server.url}/proxied`)
    expect(proxy.visits.map((visit) => [visit.target, visit.authorization])).toEqual([
      [`${server.url}/proxied`, undefined],
    ])
  })
})
