// One loopback rule, one token-format rule and one `closed` error, each used by every part that needs it.
import { describe, expect, it } from 'vitest'

import { providerClosedError } from './errors.js'
import { fromEnvironment } from '../node-only/from-environment.js'
import { isLoopbackHost } from './loopback.js'
import { cachedProvider } from '../cache/token-cache.js'
import { parseEndpoint } from '../exchange/token-exchange.js'
import { tokenProblem } from '../providers/static-token.js'
import { isBearerToken } from './token-format.js'
import { readStoredToken } from '../cache/token-store.js'

describe('the loopback rule', () => {
  const hosts = ['localhost', 'localhost.', '127.0.0.1', '127.255.0.9', '[::1]', '10.0.0.1', 'example.com']

  it('decides the exchange endpoint exactly as it decides the adapters origins', () => {
    for (const host of hosts) {
      const accepted = (() => {
        try {
          parseEndpoint(`http://${host}:8080/oauth2/token/exchange`)
          return true
        } catch {
          return false
        }
      })()
      expect(accepted, host).toBe(isLoopbackHost(new URL(`http://${host}/`).hostname))
    }
  })
})

describe('the token-format rule', () => {
  const samples = ['v1.a.b', 'eyJ.x.y', '', 'v1 a', 'v1.a\nb', 'tökén', 'v1.a.b\u0000']

  it('is the one that tokenProblem and the store apply', () => {
    const far = Date.now() + 60_000
    for (const sample of samples) {
      const valid = isBearerToken(sample)
      expect(tokenProblem(sample) === undefined, JSON.stringify(sample)).toBe(valid)
      expect(readStoredToken({ token: sample, expiresAt: far }, Date.now()) !== undefined).toBe(valid)
    }
  })
})

describe('the closed error', () => {
  it('is what a closed cache and a closed fromEnvironment both reject with', async () => {
    const cache = cachedProvider(async () => ({ token: 'v1.a.b', expiresAt: Date.now() + 60_000 }))
    cache.close()
    const environment = fromEnvironment({ env: { NEBIUS_IAM_TOKEN: 'v1.a.b' } })
    environment.close()
    const expected = providerClosedError()
    for (const provider of [cache, environment]) {
      await expect(provider.getToken()).rejects.toMatchObject({
        code: expected.code,
        message: expected.message,
      })
    }
  })
})
