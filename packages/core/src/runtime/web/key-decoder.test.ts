// The WebCrypto decoder that Cloudflare Workers and the edge runtime use, run here on Node's WebCrypto;
// the runtime matrix (tests/runtimes) runs it on workerd and the edge runtime themselves.
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'

import { rsaPrivateJwk } from '../key-rules.js'
import type { CryptoKey } from '../../common/types.js'
import {
  ecPkcs8Pem,
  ed25519Pem,
  rsaEncryptedPkcs8,
  rsaPkcs1,
  rsaPkcs8,
} from '../../keys/keys.test-support.js'
import { decodeJwkKey, decodePemKey } from './key-decoder.js'

const plain = (block: string, label = 'PRIVATE KEY') => ({ block: block.trim(), label, encrypted: false })

async function signs(key: unknown, pem: string): Promise<boolean> {
  const data = new TextEncoder().encode('signing input')
  const signature = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    key as Parameters<typeof crypto.subtle.sign>[1],
    data,
  )
  return verify('sha256', data, createPublicKey(pem), new Uint8Array(signature))
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error as { code?: unknown }).code,
  )
}

describe('the WebCrypto key decoder', () => {
  it('imports a PKCS#8 key as a non-extractable RS256 CryptoKey', async () => {
    const pem = rsaPkcs8()
    const key = (await decodePemKey(plain(pem), undefined)) as CryptoKey
    expect(key.type).toBe('private')
    expect(key.extractable).toBe(false)
    expect(key.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048 })
    expect(await signs(key, pem)).toBe(true)
  })

  it('imports a PKCS#1 key by wrapping it as PKCS#8', async () => {
    const pem = rsaPkcs1()
    expect(pem).toContain('BEGIN RSA PRIVATE KEY')
    expect(await signs(await decodePemKey(plain(pem, 'RSA PRIVATE KEY'), undefined), pem)).toBe(true)
  })

  it('imports a 4096-bit PKCS#1 key (long DER lengths)', async () => {
    const pem = createPrivateKey(rsaPkcs8(4096)).export({ type: 'pkcs1', format: 'pem' }) as string
    const key = (await decodePemKey(plain(pem, 'RSA PRIVATE KEY'), undefined)) as CryptoKey
    expect(key.algorithm).toMatchObject({ modulusLength: 4096 })
    expect(await signs(key, pem)).toBe(true)
  })

  it('imports an RSA private JWK', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = rsaPrivateJwk({ ...privateKey.export({ format: 'jwk' }), use: 'enc', key_ops: ['decrypt'] })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    expect(await signs(await decodeJwkKey(jwk), pem)).toBe(true)
  })

  it('refuses an encrypted key with ERR_UNSUPPORTED_RUNTIME', async () => {
    const block = { block: rsaEncryptedPkcs8('secret'), label: 'ENCRYPTED PRIVATE KEY', encrypted: true }
    expect(await codeOf(decodePemKey(block, 'secret'))).toBe('ERR_UNSUPPORTED_RUNTIME')
  })

  it('refuses EC, Ed25519 and short RSA keys as Node does', async () => {
    await expect(decodePemKey(plain(ecPkcs8Pem()), undefined)).rejects.toThrow(/EC key/)
    await expect(decodePemKey(plain(ed25519Pem()), undefined)).rejects.toThrow(/Ed25519/)
    await expect(decodePemKey(plain(rsaPkcs8(1024)), undefined)).rejects.toThrow(/1024 bits/)
  })

  it('refuses a corrupted body with ERR_KEY_INVALID', async () => {
    const pem = rsaPkcs8().replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!')
    expect(await codeOf(decodePemKey(plain(pem), undefined))).toBe('ERR_KEY_INVALID')
    const truncated = rsaPkcs8().split('\n').slice(0, 5).join('\n') + '\n-----END PRIVATE KEY-----'
    expect(await codeOf(decodePemKey(plain(truncated), undefined))).toBe('ERR_KEY_INVALID')
  })

  it('refuses a malformed JWK with ERR_KEY_INVALID', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>
    expect(await codeOf(decodeJwkKey({ ...jwk, n: '!!!' }))).toBe('ERR_KEY_INVALID')
  })
})
