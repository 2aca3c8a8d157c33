import { createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { CredentialsError } from '../common/errors.js'
import {
  certificatePem,
  ecPkcs8Pem,
  ecSec1Pem,
  ed25519Pem,
  rsaEncryptedPkcs1,
  rsaEncryptedPkcs8,
  rsaPkcs1,
  rsaPkcs8,
  rsaPublicPem,
} from './keys.test-support.js'
import { importPrivateKey } from './private-key.js'

const passphrase = 'correct horse battery staple'

async function expectKeyInvalid(promise: Promise<unknown>, pattern: RegExp): Promise<CredentialsError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(CredentialsError)
  expect((error as CredentialsError).code).toBe('ERR_KEY_INVALID')
  expect((error as CredentialsError).message).toMatch(pattern)
  return error as CredentialsError
}

/** Proves the imported key is the original: a signature made with it verifies with the public half. */
function signsForPublicKey(key: unknown): boolean {
  expect(key).toBeInstanceOf(KeyObject)
  const data = Buffer.from('signing input')
  const signature = sign('sha256', data, key as KeyObject)
  return verify('sha256', data, createPublicKey(rsaPublicPem()), signature)
}

describe('importPrivateKey', () => {
  it('imports a PKCS#8 key made by openssl genrsa', async () => {
    expect(signsForPublicKey(await importPrivateKey(rsaPkcs8()))).toBe(true)
  })

  it('imports a PKCS#1 key made with -traditional', async () => {
    expect(rsaPkcs1()).toContain('BEGIN RSA PRIVATE KEY')
    expect(signsForPublicKey(await importPrivateKey(rsaPkcs1()))).toBe(true)
  })

  it('imports a 4096-bit key', async () => {
    const key = (await importPrivateKey(rsaPkcs8(4096))) as KeyObject
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(4096)
  })

  it('imports an encrypted PKCS#8 key with its passphrase', async () => {
    expect(rsaEncryptedPkcs8(passphrase)).toContain('BEGIN ENCRYPTED PRIVATE KEY')
    expect(signsForPublicKey(await importPrivateKey(rsaEncryptedPkcs8(passphrase), { passphrase }))).toBe(
      true,
    )
  })

  it('imports a legacy encrypted PKCS#1 key with its passphrase', async () => {
    expect(rsaEncryptedPkcs1(passphrase)).toContain('Proc-Type: 4,ENCRYPTED')
    expect(signsForPublicKey(await importPrivateKey(rsaEncryptedPkcs1(passphrase), { passphrase }))).toBe(
      true,
    )
  })

  it('accepts CRLF line ends and surrounding whitespace', async () => {
    const pem = `\n\t  ${rsaPkcs8().replace(/\n/g, '\r\n')}  \r\n\n`
    expect(signsForPublicKey(await importPrivateKey(pem))).toBe(true)
  })

  it('accepts a PEM whose newlines arrived as \\n escapes', async () => {
    expect(signsForPublicKey(await importPrivateKey(rsaPkcs1().replace(/\n/g, '\\n')))).toBe(true)
  })

  it('picks the private key out of a PEM bundle that starts with a certificate', async () => {
    expect(signsForPublicKey(await importPrivateKey(`${certificatePem()}${rsaPkcs8()}`))).toBe(true)
  })

  it('ignores a passphrase given for an unencrypted key', async () => {
    expect(signsForPublicKey(await importPrivateKey(rsaPkcs8(), { passphrase }))).toBe(true)
  })

  it('rejects an encrypted key without a passphrase', async () => {
    await expectKeyInvalid(importPrivateKey(rsaEncryptedPkcs8(passphrase)), /encrypted.*no passphrase/)
    await expectKeyInvalid(importPrivateKey(rsaEncryptedPkcs1(passphrase)), /encrypted.*no passphrase/)
  })

  it('rejects a wrong passphrase for encrypted PKCS#8', async () => {
    await expectKeyInvalid(
      importPrivateKey(rsaEncryptedPkcs8(passphrase), { passphrase: 'wrong' }),
      /passphrase/,
    )
  })

  it('rejects a wrong passphrase for encrypted PKCS#1', async () => {
    await expectKeyInvalid(
      importPrivateKey(rsaEncryptedPkcs1(passphrase), { passphrase: 'wrong' }),
      /passphrase/,
    )
  })

  it('rejects a 1024-bit RSA key', async () => {
    await expectKeyInvalid(importPrivateKey(rsaPkcs8(1024)), /1024 bits; at least 2048/)
  })

  it('rejects an EC key in SEC1 form', async () => {
    await expectKeyInvalid(importPrivateKey(ecSec1Pem()), /EC key/)
  })

  it('rejects an EC key in PKCS#8 form', async () => {
    await expectKeyInvalid(importPrivateKey(ecPkcs8Pem()), /EC key/)
  })

  it('rejects an Ed25519 key', async () => {
    await expectKeyInvalid(importPrivateKey(ed25519Pem()), /Ed25519/)
  })

  it('rejects a public key', async () => {
    await expectKeyInvalid(importPrivateKey(rsaPublicPem()), /public key/)
  })

  it('rejects a certificate', async () => {
    await expectKeyInvalid(importPrivateKey(certificatePem()), /certificate/)
  })

  it('rejects an OpenSSH key with a conversion hint', async () => {
    const pem =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'
    await expectKeyInvalid(importPrivateKey(pem), /OpenSSH/)
  })

  it('rejects text that is not a PEM', async () => {
    await expectKeyInvalid(importPrivateKey('not a key at all'), /not a PEM/)
  })

  it('rejects an empty string', async () => {
    await expectKeyInvalid(importPrivateKey(''), /not a PEM/)
  })

  it('rejects a PEM with a corrupted body', async () => {
    const pem = rsaPkcs8().replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n')
    await expectKeyInvalid(importPrivateKey(pem), /malformed/)
  })

  it('rejects a PEM whose END line is missing', async () => {
    await expectKeyInvalid(importPrivateKey(rsaPkcs8().replace(/-----END[^\n]*/, '')), /not a PEM/)
  })

  it('rejects a value that is not a string', async () => {
    await expectKeyInvalid(importPrivateKey(Buffer.from(rsaPkcs8()) as unknown as string), /PEM string/)
  })

  it('rejects a passphrase that is not a string with a TypeError naming the option', async () => {
    await expect(importPrivateKey(rsaPkcs8(), { passphrase: 42 as unknown as string })).rejects.toThrow(
      new TypeError('options.passphrase must be a string'),
    )
  })

  it('never puts key material into the error', async () => {
    const pem = rsaPkcs8()
    const body = pem.split('\n').slice(1, -2).join('')
    const error = await expectKeyInvalid(
      importPrivateKey(pem.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n')),
      /./,
    )
    const text = `${error.message} ${String(error)} ${JSON.stringify(error)}`
    for (const line of pem.split('\n').slice(1, -2)) expect(text).not.toContain(line)
    expect(text).not.toContain(body.slice(0, 40))
  })

  it('rejects an RSA-PSS key, which cannot sign RS256', async () => {
    const { privateKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    await expectKeyInvalid(importPrivateKey(pem), /RSA-PSS/)
  })

  it('rejects a PKCS#8 key of another type, naming the type', async () => {
    const { privateKey } = generateKeyPairSync('x25519')
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    await expectKeyInvalid(importPrivateKey(pem), /x25519/)
  })

  it('imports an RSA private JWK given as JSON text', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const key = await importPrivateKey(JSON.stringify(privateKey.export({ format: 'jwk' })))
    expect(key).toBeInstanceOf(KeyObject)
    const data = Buffer.from('signing input')
    expect(verify('sha256', data, publicKey, sign('sha256', data, key as KeyObject))).toBe(true)
  })

  it('rejects an EC JWK, a public JWK and JSON that is not a JWK', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
    await expectKeyInvalid(importPrivateKey(JSON.stringify(ec)), /EC key/)
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' })
    await expectKeyInvalid(importPrivateKey(JSON.stringify(rsa)), /public key/)
    await expectKeyInvalid(importPrivateKey('{"kty": "RSA", "d": 1'), /neither a PEM nor valid JWK/)
  })
})
