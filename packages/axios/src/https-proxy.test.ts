import { startRecordingProxy, type RecordingProxy } from '@nebius-auth/adapter-fixtures'
import { staticToken } from '@nebius-auth/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { axios } from './client.test-support.js'
import { withNebiusAuth } from './index.js'

const proxyVariables = ['https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'npm_config_https_proxy']
let saved: Record<string, string | undefined> = {}
let proxy: RecordingProxy

beforeEach(async () => {
  saved = Object.fromEntries(proxyVariables.map((name) => [name, process.env[name]]))
  for (const name of proxyVariables) Reflect.deleteProperty(process.env, name)
  proxy = await startRecordingProxy()
})

afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name)
    else process.env[name] = value
  }
  await proxy.close()
})

describe('axios behind an HTTPS_PROXY', () => {
  // axios 1.7.0 to 1.16.0 sent an https: request to the proxy as plain http, headers readable; the peer range
  // starts at 1.16.1, which tunnels.
  it('never lets the proxy read the token of an https request', async () => {
    process.env.https_proxy = proxy.url
    process.env.HTTPS_PROXY = proxy.url
    const origin = 'https://127.0.0.1:9'
    const api = withNebiusAuth(axios.create({ baseURL: origin }), {
      provider: staticToken('v1.abc.proxyread'),
    })
    await api.get('/v1/whoami').catch(() => undefined)
    expect(proxy.visits.length).toBeGreaterThan(0)
    expect(proxy.visits.map((visit) => visit.authorization)).toEqual(proxy.visits.map(() => undefined))
  })
})
