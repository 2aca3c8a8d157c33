import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, afterEach, describe, expect, it } from 'vitest'

import {
  json,
  startServer,
  tokenResponse,
  type TestServer,
} from '../exchange/exchange-server.test-support.js'
import { rsaPkcs8 } from '../keys/keys.test-support.js'
import { serviceAccount } from '../providers/service-account.js'
import { readStoredToken, serviceAccountStoreKey, storeKeyPrefix } from './token-store.js'
import { memoryStore } from './token-store.test-support.js'

const serviceAccountId = 'serviceaccount-e00store'
const publicKeyId = 'publickey-e00store'
const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-token-store-'))
let server: TestServer | undefined
const providers: { close(): void }[] = []

afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  await server?.close()
  server = undefined
})

afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

async function startIam(): Promise<TestServer> {
  server = await startServer((_, response) => json(response, 200, tokenResponse()))
  return server
}

describe('serviceAccountStoreKey', () => {
  it('is the prefix followed by a SHA-256 hex digest', async () => {
    const key = await serviceAccountStoreKey('https://auth.example/token', serviceAccountId, publicKeyId)
    expect(key).toMatch(new RegExp(`^${storeKeyPrefix}[0-9a-f]{64}$`))
  })

  it('keeps the keys that earlier versions wrote (SHA-256 of the JSON triple)', async () => {
    const triple = JSON.stringify(['https://auth.example/token', serviceAccountId, publicKeyId])
    expect(await serviceAccountStoreKey('https://auth.example/token', serviceAccountId, publicKeyId)).toBe(
      `${storeKeyPrefix}${createHash('sha256').update(triple).digest('hex')}`,
    )
  })

  it('differs for another public key of the same account', async () => {
    const endpoint = 'https://auth.example/token'
    expect(await serviceAccountStoreKey(endpoint, serviceAccountId, 'publickey-other')).not.toBe(
      await serviceAccountStoreKey(endpoint, serviceAccountId, publicKeyId),
    )
  })

  it('differs for another exchange endpoint', async () => {
    expect(await serviceAccountStoreKey('https://a.example/token', serviceAccountId, publicKeyId)).not.toBe(
      await serviceAccountStoreKey('https://b.example/token', serviceAccountId, publicKeyId),
    )
  })
})

describe('readStoredToken', () => {
  it('drops an obtainedAt that is not before expiresAt', () => {
    const expiresAt = Date.now() + 1000
    expect(readStoredToken({ token: 'v1.a', expiresAt, obtainedAt: expiresAt }, Date.now())).toEqual({
      token: 'v1.a',
      expiresAt,
    })
  })

  it('rejects an expired token', () => {
    expect(readStoredToken({ token: 'v1.a', expiresAt: Date.now() - 1 }, Date.now())).toBeUndefined()
  })
})

describe('serviceAccount with a store', () => {
  it('shares the token under a key derived from the IDs given directly', async () => {
    const { url } = await startIam()
    const store = memoryStore()
    const provider = serviceAccount({
      serviceAccountId,
      publicKeyId,
      privateKey: rsaPkcs8(),
      endpoint: url,
      store,
    })
    providers.push(provider)
    await provider.getToken()
    expect([...store.tokens.keys()]).toEqual([
      await serviceAccountStoreKey(url, serviceAccountId, publicKeyId),
    ])
  })

  it('derives the key from a credentials file once it has been read', async () => {
    const { url } = await startIam()
    const credentialsFile = join(directory, 'credentials.json')
    const credentials = {
      kid: publicKeyId,
      iss: serviceAccountId,
      sub: serviceAccountId,
      'private-key': rsaPkcs8(),
    }
    writeFileSync(
      credentialsFile,
      JSON.stringify({ 'subject-credentials': { alg: 'RS256', ...credentials } }),
      {
        mode: 0o600,
      },
    )
    const store = memoryStore()
    const provider = serviceAccount({ credentialsFile, endpoint: url, store })
    providers.push(provider)
    await provider.getToken()
    expect([...store.tokens.keys()]).toEqual([
      await serviceAccountStoreKey(url, serviceAccountId, publicKeyId),
    ])
  })

  it('never puts key material in the store key or the stored value', async () => {
    const { url } = await startIam()
    const store = memoryStore()
    const provider = serviceAccount({
      serviceAccountId,
      publicKeyId,
      privateKey: rsaPkcs8(),
      endpoint: url,
      store,
    })
    providers.push(provider)
    await provider.getToken()
    const stored = JSON.stringify([...store.tokens])
    expect(stored).not.toContain('PRIVATE KEY')
    expect(stored).not.toContain(serviceAccountId)
  })

  it('uses a token from the store without contacting the exchange endpoint', async () => {
    const iam = await startIam()
    const store = memoryStore()
    const key = await serviceAccountStoreKey(iam.url, serviceAccountId, publicKeyId)
    store.tokens.set(key, { token: 'v1.shared', expiresAt: Date.now() + 3_600_000, obtainedAt: Date.now() })
    const provider = serviceAccount({
      serviceAccountId,
      publicKeyId,
      privateKey: rsaPkcs8(),
      endpoint: iam.url,
      store,
    })
    providers.push(provider)
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.shared' })
    expect(iam.requests).toHaveLength(0)
  })

  it('uses the storeKey given instead of deriving one', async () => {
    const { url } = await startIam()
    const store = memoryStore()
    const options = { serviceAccountId, publicKeyId, privateKey: rsaPkcs8(), endpoint: url }
    const provider = serviceAccount({ ...options, store, storeKey: 'mine' })
    providers.push(provider)
    await provider.getToken()
    expect([...store.tokens.keys()]).toEqual(['mine'])
  })
})
