import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, webcrypto } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { rsaPkcs8, rsaPublicPem } from './keys.test-support.js'
import { importPrivateKey } from './private-key.js'
import { signAssertion } from './rs256-signer.js'
import type { ServiceAccountKey } from '../common/types.js'

const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-signer-'))
afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

const now = Date.UTC(2025, 0, 2, 3, 4, 5, 678)

async function testKey(): Promise<ServiceAccountKey> {
  return {
    serviceAccountId: 'serviceaccount-e00test',
    publicKeyId: 'publickey-e00test',
    privateKey: await importPrivateKey(rsaPkcs8()),
  }
}

function decodePart(jwt: string, index: number): unknown {
  return JSON.parse(Buffer.from(jwt.split('.')[index]!, 'base64url').toString('utf8'))
}

/** Verifies with the openssl binary, an implementation independent of node:crypto's signing call. */
function opensslVerifies(jwt: string, publicPem = rsaPublicPem()): boolean {
  const [header, claims, signature] = jwt.split('.')
  writeFileSync(join(directory, 'input.txt'), `${header}.${claims}`)
  writeFileSync(join(directory, 'sig.bin'), Buffer.from(signature!, 'base64url'))
  writeFileSync(join(directory, 'public.pem'), publicPem)
  try {
    execFileSync(
      'openssl',
      ['dgst', '-sha256', '-verify', 'public.pem', '-signature', 'sig.bin', 'input.txt'],
      {
        cwd: directory,
        stdio: 'pipe',
      },
    )
    return true
  } catch {
    return false
  }
}

describe('signAssertion', () => {
  it('produces a signature that openssl verifies with the public key', async () => {
    expect(opensslVerifies(await signAssertion(await testKey(), { now }))).toBe(true)
  })

  it('produces a signature that openssl rejects for another public key', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    expect(opensslVerifies(await signAssertion(await testKey(), { now }), other.toString())).toBe(false)
  })

  it('writes the header exactly as alg, typ, kid', async () => {
    const jwt = await signAssertion(await testKey(), { now })
    expect(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).toBe(
      '{"alg":"RS256","typ":"JWT","kid":"publickey-e00test"}',
    )
  })

  it('sets iss and sub to the service account and aud to the Nebius token service', async () => {
    const claims = decodePart(await signAssertion(await testKey(), { now }), 1)
    expect(claims).toMatchObject({
      iss: 'serviceaccount-e00test',
      sub: 'serviceaccount-e00test',
      aud: 'token-service.iam.new.nebiuscloud.net',
    })
  })

  it('uses whole seconds for iat and a five-minute exp by default', async () => {
    const claims = decodePart(await signAssertion(await testKey(), { now }), 1) as {
      iat: number
      exp: number
    }
    expect(claims.iat).toBe(Math.floor(now / 1000))
    expect(claims.exp).toBe(claims.iat + 300)
  })

  it('honours a custom lifetime in seconds', async () => {
    const claims = decodePart(await signAssertion(await testKey(), { now, lifetime: 60 }), 1) as {
      iat: number
      exp: number
    }
    expect(claims.exp - claims.iat).toBe(60)
  })

  it('uses base64url without padding in every part', async () => {
    expect(await signAssertion(await testKey(), { now })).toMatch(
      /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    )
  })

  it('signs with a WebCrypto CryptoKey too', async () => {
    const pair = await webcrypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      false,
      ['sign', 'verify'],
    )
    const publicKey = Buffer.from(await webcrypto.subtle.exportKey('spki', pair.publicKey)).toString('base64')
    const publicPem = `-----BEGIN PUBLIC KEY-----\n${publicKey.replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`
    const jwt = await signAssertion({ ...(await testKey()), privateKey: pair.privateKey }, { now })
    expect(opensslVerifies(jwt, publicPem)).toBe(true)
  })

  it('rejects a non-integer lifetime with a TypeError naming the option', async () => {
    await expect(signAssertion(await testKey(), { lifetime: 1.5 })).rejects.toThrow(/options\.lifetime/)
  })

  it('rejects a zero lifetime', async () => {
    await expect(signAssertion(await testKey(), { lifetime: 0 })).rejects.toThrow(TypeError)
  })

  it('rejects a now that is not a finite number', async () => {
    await expect(signAssertion(await testKey(), { now: Number.NaN })).rejects.toThrow(/options\.now/)
  })

  it('rejects an empty serviceAccountId', async () => {
    await expect(signAssertion({ ...(await testKey()), serviceAccountId: '' })).rejects.toThrow(
      /key\.serviceAccountId/,
    )
  })

  it('rejects a missing publicKeyId', async () => {
    const key = { ...(await testKey()), publicKeyId: undefined } as unknown as ServiceAccountKey
    await expect(signAssertion(key)).rejects.toThrow(/key\.publicKeyId/)
  })

  it('rejects a public key in place of the private key', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    await expect(signAssertion({ ...(await testKey()), privateKey: publicKey })).rejects.toThrow(
      /key\.privateKey/,
    )
  })

  it('rejects an EC private key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    await expect(signAssertion({ ...(await testKey()), privateKey })).rejects.toThrow(/RSA private key/)
  })
})
