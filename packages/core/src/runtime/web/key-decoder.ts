// Web runtimes: WebCrypto imports unencrypted PKCS#8 (and PKCS#1, re-wrapped as PKCS#8 here) and JWK keys.
// Decrypting a PEM needs node:crypto, so an encrypted key is refused with ERR_UNSUPPORTED_RUNTIME.
import { CredentialsError } from '../../common/errors.js'
import { invalidKey, requireRsa } from '../key-rules.js'
import type { CryptoKey } from '../../common/types.js'
import type * as Node from '../node/key-decoder.js'

// RS256 (RFC 7518 §3.3) is RSASSA-PKCS1-v1_5 with SHA-256; the key stays non-extractable.
const rs256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }

// PKCS#8 AlgorithmIdentifier OIDs (DER content bytes, hex) and the key types they name.
const algorithmNames: Record<string, string> = {
  '2a864886f70d010101': 'rsa', // rsaEncryption, RFC 8017
  '2a864886f70d01010a': 'rsa-pss', // id-RSASSA-PSS, RFC 4055
  '2a8648ce3d0201': 'ec', // id-ecPublicKey, RFC 5480
  '2b6570': 'ed25519', // RFC 8410
  '2b6571': 'ed448',
}
const rsaEncryption = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]

interface Element {
  readonly tag: number
  readonly start: number
  readonly end: number
}

/** Reads one DER element (X.690 §8.1) at `offset`: its tag and where its contents start and end. */
function readElement(bytes: Uint8Array, offset: number): Element {
  const tag = bytes[offset]
  let length = bytes[offset + 1]
  let start = offset + 2
  if (tag === undefined || length === undefined) throw new RangeError('truncated DER')
  if (length > 0x7f) {
    const count = length & 0x7f
    if (count === 0 || count > 4) throw new RangeError('unsupported DER length')
    length = 0
    for (let index = 0; index < count; index += 1) length = length * 256 + (bytes[start + index] ?? 0)
    start += count
  }
  if (start + length > bytes.length) throw new RangeError('truncated DER')
  return { tag, start, end: start + length }
}

/** The key type a PKCS#8 PrivateKeyInfo (RFC 5208 §5) names in its AlgorithmIdentifier. */
function pkcs8KeyType(der: Uint8Array): string {
  const info = readElement(der, 0)
  const version = readElement(der, info.start)
  const algorithm = readElement(der, version.end)
  const oid = readElement(der, algorithm.start)
  if (info.tag !== 0x30 || version.tag !== 0x02 || algorithm.tag !== 0x30 || oid.tag !== 0x06) {
    throw new RangeError('not a PrivateKeyInfo')
  }
  const hex = [...der.subarray(oid.start, oid.end)].map((byte) => byte.toString(16).padStart(2, '0')).join('')
  return algorithmNames[hex] ?? 'unknown'
}

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length]
  const bytes: number[] = []
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  return [0x80 | bytes.length, ...bytes]
}

/** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, the only private form WebCrypto imports. */
function wrapPkcs1(rsaPrivateKey: Uint8Array): Uint8Array {
  const algorithm = [0x30, 0x0d, ...rsaEncryption, 0x05, 0x00]
  const octets = [0x04, ...encodeLength(rsaPrivateKey.length)]
  const body = [0x02, 0x01, 0x00, ...algorithm, ...octets]
  const header = [0x30, ...encodeLength(body.length + rsaPrivateKey.length)]
  const result = new Uint8Array(header.length + body.length + rsaPrivateKey.length)
  result.set(header, 0)
  result.set(body, header.length)
  result.set(rsaPrivateKey, header.length + body.length)
  return result
}

/** The base64 body of a PEM block (RFC 7468), without its BEGIN/END lines and RFC 1421 headers. */
function pemBody(block: string): Uint8Array {
  const base64 = block
    .split('\n')
    .filter((line) => !line.startsWith('-----') && !line.includes(':'))
    .join('')
    .replace(/\s+/g, '')
  const binary = atob(base64)
  return Uint8Array.from(binary, (character) => character.charCodeAt(0))
}

function checked(key: CryptoKey): CryptoKey {
  const { modulusLength } = key.algorithm as { modulusLength?: number }
  requireRsa('rsa', modulusLength)
  return key
}

/**
 * Imports an unencrypted PKCS#8 or PKCS#1 PEM block as a non-extractable RS256 `CryptoKey`.
 *
 * @example
 * ```ts
 * const key = await decodePemKey({ block, label: 'RSA PRIVATE KEY', encrypted: false }, undefined)
 * ```
 */
export const decodePemKey: typeof Node.decodePemKey = async (pem) => {
  if (pem.encrypted) {
    throw new CredentialsError(
      'ERR_UNSUPPORTED_RUNTIME',
      'an encrypted private key needs Node.js to decrypt; on this runtime pass the unencrypted PEM ' +
        '(openssl pkey -in encrypted.pem -out private.pem) from a secret binding',
    )
  }
  let pkcs8: Uint8Array
  try {
    const der = pemBody(pem.block)
    pkcs8 = pem.label === 'RSA PRIVATE KEY' ? wrapPkcs1(der) : der
    const type = pkcs8KeyType(pkcs8)
    if (type !== 'rsa') requireRsa(type, undefined)
  } catch (error) {
    if (error instanceof CredentialsError) throw error
    throw invalidKey('the private key PEM is malformed or corrupted', error)
  }
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey('pkcs8', pkcs8, rs256, false, ['sign'])
  } catch (error) {
    throw invalidKey('the private key PEM is malformed or corrupted', error)
  }
  return checked(key)
}

/**
 * Imports the RSA fields of a private JWK as a non-extractable RS256 `CryptoKey`.
 *
 * @example
 * ```ts
 * const key = await decodeJwkKey({ kty: 'RSA', n, e, d, p, q, dp, dq, qi })
 * ```
 */
export const decodeJwkKey: typeof Node.decodeJwkKey = async (jwk) => {
  let key: CryptoKey
  try {
    key = await crypto.subtle.importKey('jwk', jwk, rs256, false, ['sign'])
  } catch (error) {
    throw invalidKey('the JWK is malformed or not a complete RSA private key', error)
  }
  return checked(key)
}
