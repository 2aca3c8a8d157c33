import { decodeJwkKey, decodePemKey } from '#runtime/key-decoder'

import { invalidKey as invalid, rsaPrivateJwk } from '../runtime/key-rules.js'
import type { CryptoKey, KeyObject } from '../common/types.js'

/**
 * Options for {@link importPrivateKey}.
 *
 * @example
 * ```ts
 * const options: ImportPrivateKeyOptions = { passphrase: process.env.KEY_PASSPHRASE }
 * const privateKey = await importPrivateKey(pem, options)
 * ```
 */
export interface ImportPrivateKeyOptions {
  /**
   * The passphrase of an encrypted PEM (`BEGIN ENCRYPTED PRIVATE KEY` or legacy `Proc-Type: 4,ENCRYPTED`).
   * Node.js, Bun and Deno only: decrypting needs node:crypto.
   */
  passphrase?: string
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g

/** Explains a PEM label that is not an RSA private key, or returns undefined for an acceptable one. */
function describeUnsupportedLabel(label: string): string | undefined {
  if (label === 'PRIVATE KEY' || label === 'RSA PRIVATE KEY' || label === 'ENCRYPTED PRIVATE KEY')
    return undefined
  if (label.includes('PUBLIC KEY')) return 'the PEM holds a public key; a private key is required'
  if (label.includes('CERTIFICATE')) return 'the PEM holds a certificate; a private key is required'
  if (label === 'EC PRIVATE KEY') return 'the PEM holds an EC key; Nebius authorized keys are RSA'
  if (label === 'OPENSSH PRIVATE KEY') {
    return 'the PEM holds an OpenSSH-format key; convert it with `ssh-keygen -p -m PEM` or use openssl genrsa'
  }
  return `the PEM holds a "${label}" block; an RSA private key is required`
}

/**
 * Normalises what users paste: CRLF line ends, surrounding whitespace, and `\n` escapes left over from
 * JSON or environment variables.
 */
function normalise(pem: string): string {
  let text = pem.trim().replace(/\r\n?/g, '\n')
  if (!text.includes('\n') && text.includes('\\n')) text = text.replace(/\\n/g, '\n')
  return text
}

/** Picks the private-key block out of a PEM that may also hold parameters or certificates. */
function selectBlock(text: string): { block: string; label: string } {
  const blocks = [...text.matchAll(pemBlock)].map((match) => ({ block: match[0], label: match[1] ?? '' }))
  const first = blocks[0]
  if (first === undefined) {
    throw invalid('the private key is not a PEM: expected "-----BEGIN PRIVATE KEY-----" or similar')
  }
  return blocks.find((candidate) => candidate.label.includes('PRIVATE KEY')) ?? first
}

function isEncrypted(block: string, label: string): boolean {
  // RFC 5958 EncryptedPrivateKeyInfo, or RFC 1421 headers on an OpenSSL 1.x "traditional" PKCS#1 key.
  return label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:\s*4,\s*ENCRYPTED\s*$/m.test(block)
}

/** A JWK in JSON text (RFC 7517), as a secret store or `crypto.subtle.exportKey('jwk')` gives it. */
function parseJwk(text: string): Record<string, string> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // SyntaxError messages quote the input around the error, which is the private key: drop them.
    throw invalid('the private key is neither a PEM nor valid JWK JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('the JWK must be a JSON object')
  }
  return rsaPrivateJwk(value as Record<string, unknown>)
}

/**
 * Parses an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`, OpenSSL 3's default), PKCS#1
 * (`BEGIN RSA PRIVATE KEY`, OpenSSL 1.1's default), either one passphrase-encrypted; or from the JSON text
 * of an RSA private JWK (RFC 7517). CRLF line ends, surrounding whitespace and `\n` escapes are tolerated.
 *
 * Every runtime reads unencrypted PEM and JWK. Encrypted PEM needs node:crypto (Node.js, Bun, Deno); on a
 * web runtime (Cloudflare Workers, Vercel's edge runtime) it fails with `ERR_UNSUPPORTED_RUNTIME`.
 *
 * Rejects EC and Ed25519 keys, public keys, certificates, RSA keys under 2048 bits, a missing or wrong
 * passphrase, and anything else that is not such a key, with a `CredentialsError` whose code is
 * `ERR_KEY_INVALID`. Messages say what is wrong and never include the key.
 *
 * @param pem - The PEM text, or a JWK's JSON text.
 * @param options - `passphrase` for an encrypted key (ignored for an unencrypted one).
 * @returns A node:crypto `KeyObject` on Node.js, Bun and Deno; a non-extractable WebCrypto `CryptoKey`
 *   elsewhere. Either is ready for {@link signAssertion}.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises'
 *
 * const privateKey = await importPrivateKey(await readFile('private.pem', 'utf8'), {
 *   passphrase: process.env.KEY_PASSPHRASE,
 * })
 * ```
 */
export async function importPrivateKey(
  pem: string,
  options: ImportPrivateKeyOptions = {},
): Promise<CryptoKey | KeyObject> {
  await Promise.resolve() // Always settle asynchronously, so a sync throw never escapes the promise.
  if (typeof pem !== 'string') throw invalid('the private key must be a PEM string')
  const { passphrase } = options
  if (passphrase !== undefined && typeof passphrase !== 'string') {
    throw new TypeError('options.passphrase must be a string')
  }

  const text = normalise(pem)
  if (text.startsWith('{')) return decodeJwkKey(parseJwk(text))

  const { block, label } = selectBlock(text)
  const unsupported = describeUnsupportedLabel(label)
  if (unsupported !== undefined) throw invalid(unsupported)

  const encrypted = isEncrypted(block, label)
  if (encrypted && passphrase === undefined) {
    throw invalid('the private key is encrypted and no passphrase was given')
  }
  return decodePemKey({ block, label, encrypted }, passphrase)
}
