import { createPublicKey, randomBytes, verify } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { afterAll, afterEach, describe, expect, it } from 'vitest'

import type { NebiusAuthEvent } from '../common/events.js'
import { json, startServer, type TestServer } from '../exchange/exchange-server.test-support.js'
import { rsaEncryptedPkcs8, rsaPkcs1, rsaPkcs8, rsaPublicPem } from '../keys/keys.test-support.js'
import { serviceAccount, type ServiceAccountOptions } from './service-account.js'

const serviceAccountId = 'serviceaccount-e00sa'
const publicKeyId = 'publickey-e00kid'
const passphrase = 'provider passphrase'
const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-provider-'))
afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

interface Exchange {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  assertion: string
}

let server: TestServer | undefined
const providers: { close(): void }[] = []
afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  await server?.close()
  server = undefined
})

/** A token endpoint that verifies each assertion with node:crypto, as Nebius IAM would. */
async function startIam(): Promise<{ url: string; exchanges: Exchange[] }> {
  const exchanges: Exchange[] = []
  const publicKey = createPublicKey(rsaPublicPem())
  server = await startServer((request, response) => {
    const assertion = new URLSearchParams(request.body).get('subject_token') ?? ''
    const [header = '', claims = '', signature = ''] = assertion.split('.')
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      publicKey,
      Buffer.from(signature, 'base64url'),
    )
    if (!valid) return json(response, 400, { error: 'invalid_grant', error_description: 'bad signature' })
    const decode = (part: string): Record<string, unknown> =>
      JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>
    exchanges.push({ header: decode(header), claims: decode(claims), assertion })
    const token = `v1.token${exchanges.length}.${randomBytes(24).toString('base64url')}`
    return json(response, 200, {
      access_token: token,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 3600,
    })
  })
  return { url: server.url, exchanges }
}

function file(name: string, content: string, mode = 0o600): string {
  const path = join(directory, name)
  writeFileSync(path, content)
  chmodSync(path, mode)
  return path
}

function credentialsJson(): string {
  return JSON.stringify({
    'subject-credentials': {
      type: 'JWT',
      alg: 'RS256',
      'private-key': rsaPkcs8(),
      kid: publicKeyId,
      iss: serviceAccountId,
      sub: serviceAccountId,
    },
  })
}

function provide(options: ServiceAccountOptions): ReturnType<typeof serviceAccount> {
  const provider = serviceAccount(options)
  providers.push(provider)
  return provider
}

describe('serviceAccount', () => {
  it('exchanges an assertion signed with the key from a credentials file', async () => {
    const { url, exchanges } = await startIam()
    const provider = provide({ credentialsFile: file('credentials.json', credentialsJson()), endpoint: url })
    const { token } = await provider.getToken()
    expect(token).toMatch(/^v1\.token1\./)
    expect(exchanges[0]!.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: publicKeyId })
    expect(exchanges[0]!.claims).toMatchObject({ iss: serviceAccountId, sub: serviceAccountId })
  })

  it('uses a PEM given inline', async () => {
    const { url } = await startIam()
    const provider = provide({ serviceAccountId, publicKeyId, privateKey: rsaPkcs1(), endpoint: url })
    expect((await provider.getToken()).token).toMatch(/^v1\./)
  })

  it('uses an encrypted key file with its passphrase', async () => {
    const { url } = await startIam()
    const privateKeyFile = file('encrypted.pem', rsaEncryptedPkcs8(passphrase))
    const provider = provide({ serviceAccountId, publicKeyId, privateKeyFile, passphrase, endpoint: url })
    expect((await provider.getToken()).token).toMatch(/^v1\./)
  })

  it('caches the token between calls', async () => {
    const { url, exchanges } = await startIam()
    const provider = provide({ serviceAccountId, publicKeyId, privateKey: rsaPkcs8(), endpoint: url })
    const first = await provider.getToken()
    expect((await provider.getToken()).token).toBe(first.token)
    expect(exchanges).toHaveLength(1)
  })

  it('reads no file at construction', async () => {
    const missing = join(directory, 'not-there.json')
    const provider = provide({ credentialsFile: missing, endpoint: 'http://127.0.0.1:1/' })
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_CREDENTIALS_NOT_FOUND' })
  })

  it('reads and parses the key file once, signing a fresh assertion per refresh', async () => {
    const { url, exchanges } = await startIam()
    const privateKeyFile = file('once.pem', rsaPkcs8())
    let clock = Date.now()
    const provider = provide({
      serviceAccountId,
      publicKeyId,
      privateKeyFile,
      endpoint: url,
      now: () => clock,
    })
    const first = await provider.getToken()
    unlinkSync(privateKeyFile)
    clock += 5000
    const second = await provider.getToken({ rejected: first.token })
    expect(second.token).not.toBe(first.token)
    expect(exchanges).toHaveLength(2)
    expect(exchanges[1]!.assertion).not.toBe(exchanges[0]!.assertion)
    expect(Number(exchanges[1]!.claims.iat) - Number(exchanges[0]!.claims.iat)).toBe(5)
  })

  it('loads the key again after a failed load', async () => {
    const { url } = await startIam()
    const privateKeyFile = join(directory, 'later.pem')
    let clock = Date.now()
    const provider = provide({
      serviceAccountId,
      publicKeyId,
      privateKeyFile,
      endpoint: url,
      now: () => clock,
    })
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_CREDENTIALS_NOT_FOUND' })
    file('later.pem', rsaPkcs8())
    clock += 120_000 // past the cache's backoff window
    expect((await provider.getToken()).token).toMatch(/^v1\./)
  })

  it('rejects a bad key with ERR_KEY_INVALID before any request', async () => {
    const { url, exchanges } = await startIam()
    const provider = provide({ serviceAccountId, publicKeyId, privateKey: rsaPublicPem(), endpoint: url })
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
    expect(server?.requests).toHaveLength(0)
    expect(exchanges).toHaveLength(0)
  })

  it('names the key file in a key error', async () => {
    const privateKeyFile = file('public.pem', rsaPublicPem())
    const provider = provide({
      serviceAccountId,
      publicKeyId,
      privateKeyFile,
      endpoint: 'http://127.0.0.1:1/',
    })
    await expect(provider.getToken()).rejects.toThrow(privateKeyFile)
  })

  it('rejects a wrong passphrase with ERR_KEY_INVALID', async () => {
    const privateKey = rsaEncryptedPkcs8(passphrase)
    const provider = provide({
      serviceAccountId,
      publicKeyId,
      privateKey,
      passphrase: 'nope',
      endpoint: 'http://127.0.0.1:1/',
    })
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
  })

  it.skipIf(process.platform === 'win32')('reports a world-readable key file through onEvent', async () => {
    const { url } = await startIam()
    const events: NebiusAuthEvent[] = []
    const privateKeyFile = file('open.pem', rsaPkcs8(), 0o644)
    const provider = provide({
      serviceAccountId,
      publicKeyId,
      privateKeyFile,
      endpoint: url,
      onEvent: (event) => events.push(event),
    })
    await provider.getToken()
    expect(events).toContainEqual({ type: 'insecure-file-permissions', path: privateKeyFile, mode: 0o644 })
  })

  it('uses the injected fetch', async () => {
    const { url } = await startIam()
    let calls = 0
    const counting: typeof fetch = (input, init) => {
      calls++
      return fetch(input, init)
    }
    await provide({
      serviceAccountId,
      publicKeyId,
      privateKey: rsaPkcs8(),
      endpoint: url,
      fetch: counting,
    }).getToken()
    expect(calls).toBe(1)
  })

  it('rejects getToken after close', async () => {
    const provider = provide({ serviceAccountId, publicKeyId, privateKey: rsaPkcs8() })
    provider.close()
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })

  it('shows neither key nor token through inspect, String or JSON.stringify', async () => {
    const { url } = await startIam()
    const provider = provide({ serviceAccountId, publicKeyId, privateKey: rsaPkcs8(), endpoint: url })
    const { token } = await provider.getToken()
    const shown = [
      inspect(provider, { showHidden: true, depth: 10 }),
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- String() of the provider is what is tested
      String(provider),
      JSON.stringify(provider),
    ]
    const secret = rsaPkcs8().split('\n')[1]!
    for (const text of shown) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(token)
    }
  })
})

describe('serviceAccount options', () => {
  const key = { serviceAccountId, publicKeyId, privateKey: 'PEM-VALUE-MARKER' }
  it.each([
    ['no options', undefined, /options must be an object/],
    ['neither form', {}, /options\.credentialsFile or options\.serviceAccountId/],
    ['an empty credentialsFile', { credentialsFile: '' }, /options\.credentialsFile/],
    ['credentialsFile with serviceAccountId', { credentialsFile: 'x.json', serviceAccountId }, /combined/],
    ['a missing publicKeyId', { serviceAccountId, privateKey: 'PEM-VALUE-MARKER' }, /options\.publicKeyId/],
    ['no key', { serviceAccountId, publicKeyId }, /exactly one of options\.privateKey/],
    ['both keys', { ...key, privateKeyFile: 'k.pem' }, /exactly one of options\.privateKey/],
    ['a key that is not a string', { ...key, privateKey: 1234567 }, /options\.privateKey/],
    ['a passphrase that is not a string', { ...key, passphrase: 9876543 }, /options\.passphrase/],
    ['a plain-http remote endpoint', { ...key, endpoint: 'http://example.com/x' }, /options\.endpoint/],
    ['a fetch that is not a function', { ...key, fetch: 'fetch' }, /options\.fetch/],
    ['a bad cache option', { ...key, cache: { refreshRatio: 5 } }, /options\.cache\.refreshRatio/],
  ])('rejects %s with a TypeError naming the option', (_name, options, pattern) => {
    expect(() => serviceAccount(options as ServiceAccountOptions)).toThrow(TypeError)
    expect(() => serviceAccount(options as ServiceAccountOptions)).toThrow(pattern)
  })

  it('never puts an option value into the error message', () => {
    for (const options of [
      { ...key, privateKey: 1234567 },
      { ...key, passphrase: 9876543 },
      { ...key, endpoint: 'http://PEM-VALUE-MARKER/' },
    ]) {
      const error = (() => {
        try {
          serviceAccount(options as unknown as ServiceAccountOptions)
        } catch (caught) {
          return caught as Error
        }
        return undefined
      })()
      expect(error?.message).toBeDefined()
      expect(error?.message).not.toMatch(/1234567|9876543|PEM-VALUE-MARKER/)
    }
  })
})
