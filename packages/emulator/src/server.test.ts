import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { exchange, exchangeForm, postExchange, validJwt } from './jwt.test-support.js'
import { startEmulator } from './server.js'
import type { EmulatedServiceAccount, Emulator } from './types.js'

let emulator: Emulator
let account: EmulatedServiceAccount

beforeAll(async () => {
  emulator = await startEmulator()
  account = emulator.createServiceAccount({ keyBits: 2048 })
})
afterAll(() => emulator.close())

describe('startEmulator()', () => {
  it('listens on 127.0.0.1 and a free port by default', () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(emulator.exchangeEndpoint).toBe(`${emulator.url}/oauth2/token/exchange`)
  })

  it.each([
    [{ port: -1 }, 'options.port'],
    [{ port: 1.5 }, 'options.port'],
    [{ host: '' }, 'options.host'],
    [{ tokenTtl: 0 }, 'options.tokenTtl'],
    [{ tokenTtl: 1.5 }, 'options.tokenTtl'],
  ])('refuses %j with a TypeError naming the option', async (options, name) => {
    await expect(startEmulator(options)).rejects.toThrow(new RegExp(name.replace('.', '\\.')))
  })

  it('uses the injected clock for JWT times', async () => {
    const local = await startEmulator({ now: () => Date.now() + 3_600_000 })
    try {
      const key = local.registerKey(account.publicKeyPem, account.serviceAccountId)
      const response = await postExchange(
        local.exchangeEndpoint,
        exchangeForm(validJwt({ ...account, ...key })),
      )
      expect(response.status).toBe(400)
      expect(((await response.json()) as { error_description: string }).error_description).toMatch(/expired/)
    } finally {
      await local.close()
    }
  })
})

describe('createServiceAccount()', () => {
  it('makes a 4096-bit PKCS#8 key by default with Nebius-shaped IDs and the official credentials format', async () => {
    const created = emulator.createServiceAccount()
    expect(created.serviceAccountId).toMatch(/^serviceaccount-e00[a-z0-9]{15}$/)
    expect(created.publicKeyId).toMatch(/^publickey-e00[a-z0-9]{15}$/)
    expect(created.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    expect(created.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
    expect(createPrivateKey(created.privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(4096)
    expect(JSON.parse(JSON.stringify(created.credentials))).toEqual({
      'subject-credentials': {
        type: 'JWT',
        alg: 'RS256',
        'private-key': created.privateKeyPem,
        kid: created.publicKeyId,
        iss: created.serviceAccountId,
        sub: created.serviceAccountId,
      },
    })
    expect(typeof (await exchange(emulator.exchangeEndpoint, created))).toBe('string')
    // 4096-bit generation takes one to several seconds, more on a loaded CI machine.
  }, 30_000)

  it('refuses keyBits under 2048 with a TypeError', () => {
    expect(() => emulator.createServiceAccount({ keyBits: 1024 })).toThrow(/keyBits/)
  })
})

describe('registerKey()', () => {
  it('registers a PKCS#1 public key for a new service account', async () => {
    const publicKeyPem = createPublicKey(account.privateKeyPem)
      .export({ type: 'pkcs1', format: 'pem' })
      .toString()
    const key = emulator.registerKey(publicKeyPem)
    expect(key.serviceAccountId).toMatch(/^serviceaccount-e00/)
    expect(key.serviceAccountId).not.toBe(account.serviceAccountId)
    const response = await postExchange(
      emulator.exchangeEndpoint,
      exchangeForm(validJwt({ ...account, ...key })),
    )
    expect(response.status).toBe(200)
  })

  it('adds a second key to an existing service account', async () => {
    const key = emulator.registerKey(account.publicKeyPem, account.serviceAccountId)
    expect(key.serviceAccountId).toBe(account.serviceAccountId)
    expect(key.publicKeyId).not.toBe(account.publicKeyId)
    const token = await exchange(emulator.exchangeEndpoint, { ...account, ...key })
    const whoami = await fetch(`${emulator.url}/v1/whoami`, { headers: { Authorization: `Bearer ${token}` } })
    expect(await whoami.json()).toEqual({ serviceAccountId: account.serviceAccountId })
  })

  it('refuses a private key, an EC key, a 1024-bit key and garbage with a TypeError', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    expect(() => emulator.registerKey(account.privateKeyPem)).toThrow(TypeError)
    expect(() => emulator.registerKey(ec.toString())).toThrow(/RSA/)
    expect(() => emulator.registerKey(small.toString())).toThrow(/2048/)
    expect(() => emulator.registerKey('not a key')).toThrow(TypeError)
  })
})

describe('revoke() and setTokenTtl()', () => {
  it('revokes every current token without an argument', async () => {
    const first = await exchange(emulator.exchangeEndpoint, account)
    const second = await exchange(emulator.exchangeEndpoint, account)
    expect(emulator.revoke()).toBeGreaterThanOrEqual(2)
    for (const token of [first, second]) {
      const response = await fetch(`${emulator.url}/v1/whoami`, {
        headers: { Authorization: `Bearer ${token}` },
      })
      expect(response.status).toBe(401)
    }
    expect(emulator.revoke(first)).toBe(0)
    expect(typeof (await exchange(emulator.exchangeEndpoint, account))).toBe('string')
  })

  it('issues tokens with the new lifetime after setTokenTtl', async () => {
    emulator.setTokenTtl(5)
    try {
      const response = await postExchange(emulator.exchangeEndpoint, exchangeForm(validJwt(account)))
      expect(((await response.json()) as { expires_in: number }).expires_in).toBe(5)
    } finally {
      emulator.setTokenTtl(43200)
    }
    expect(() => {
      emulator.setTokenTtl(-1)
    }).toThrow(/seconds/)
  })
})

describe('close()', () => {
  it('closes idle keep-alive connections at once and can be called twice', async () => {
    const local = await startEmulator()
    const agent = new Agent({ keepAlive: true })
    try {
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const request = httpRequest(`${local.url}/v1/whoami`, { agent }, (response) => {
          response.resume()
          response.on('end', () => {
            resolve(response.statusCode)
          })
        })
        request.on('error', reject)
        request.end()
      })
      expect(status).toBe(401)
      const started = performance.now()
      await Promise.all([local.close(), local.close()])
      expect(performance.now() - started).toBeLessThan(500)
      await expect(fetch(`${local.url}/v1/whoami`)).rejects.toThrow(TypeError)
    } finally {
      agent.destroy()
    }
  })
})
