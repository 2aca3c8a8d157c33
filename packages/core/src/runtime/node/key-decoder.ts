// Node, Bun and Deno: node:crypto reads every PEM form, encrypted ones included, into a KeyObject.
import { createPrivateKey, type KeyObject as NodeKeyObject } from 'node:crypto'

import { invalidKey, requireRsa } from '../key-rules.js'
import type { CryptoKey, KeyObject } from '../../common/types.js'

/** A private-key PEM block as private-key.ts found it. */
export interface PemKeyBlock {
  readonly block: string
  readonly label: string
  readonly encrypted: boolean
}

function checked(key: NodeKeyObject): KeyObject {
  requireRsa(key.asymmetricKeyType, key.asymmetricKeyDetails?.modulusLength)
  return key
}

/**
 * Turns a PEM block into an RSA private `KeyObject`: PKCS#8, PKCS#1, either one encrypted.
 *
 * @example
 * ```ts
 * const key = await decodePemKey({ block, label: 'PRIVATE KEY', encrypted: false }, undefined)
 * ```
 */
export async function decodePemKey(
  pem: PemKeyBlock,
  passphrase: string | undefined,
): Promise<CryptoKey | KeyObject> {
  await Promise.resolve()
  let key: NodeKeyObject
  try {
    key = createPrivateKey(
      pem.encrypted
        ? { key: pem.block, format: 'pem', passphrase: passphrase ?? '' }
        : { key: pem.block, format: 'pem' },
    )
  } catch (error) {
    // OpenSSL's errors name the failing routine only, never key bytes, so they are safe to chain.
    if (pem.encrypted)
      throw invalidKey(
        'could not decrypt the private key: the passphrase is wrong or the key is corrupted',
        error,
      )
    throw invalidKey('the private key PEM is malformed or corrupted', error)
  }
  return checked(key)
}

/**
 * Turns the RSA fields of a private JWK into a `KeyObject`.
 *
 * @example
 * ```ts
 * const key = await decodeJwkKey({ kty: 'RSA', n, e, d, p, q, dp, dq, qi })
 * ```
 */
export async function decodeJwkKey(jwk: Record<string, string>): Promise<CryptoKey | KeyObject> {
  await Promise.resolve()
  let key: NodeKeyObject
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' })
  } catch (error) {
    throw invalidKey('the JWK is malformed or not a complete RSA private key', error)
  }
  return checked(key)
}
