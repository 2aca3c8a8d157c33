import { createPrivateKey, type KeyObject } from 'node:crypto'

import { CredentialsError } from './errors.js'
import type { CryptoKey } from './types.js'

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
  /** The passphrase of an encrypted PEM (`BEGIN ENCRYPTED PRIVATE KEY` or legacy `Proc-Type: 4,ENCRYPTED`). */
  passphrase?: string
}

// RS256 with a shorter modulus is below NIST SP 800-131A's floor, and Nebius refuses such keys anyway.
const minimumModulusLength = 2048

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g

function invalid(message: string, cause?: unknown): CredentialsError {
  return new CredentialsError('ERR_KEY_INVALID', message, { cause })
}

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

function checkRsa(key: KeyObject): KeyObject {
  const type = key.asymmetricKeyType
  if (type === 'ec') throw invalid('the private key is an EC key; Nebius authorized keys are RSA')
  if (type === 'ed25519' || type === 'ed448') {
    throw invalid(
      `the private key is an ${type === 'ed25519' ? 'Ed25519' : 'Ed448'} key; Nebius authorized keys are RSA`,
    )
  }
  if (type === 'rsa-pss') {
    throw invalid('the private key is restricted to RSA-PSS; RS256 needs a plain RSA key (PKCS#1 v1.5)')
  }
  if (type !== 'rsa')
    throw invalid(`the private key is of type ${type ?? 'unknown'}; Nebius authorized keys are RSA`)
  const modulusLength = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (modulusLength < minimumModulusLength) {
    throw invalid(`the RSA key has ${modulusLength} bits; at least ${minimumModulusLength} are required`)
  }
  return key
}

/**
 * Parses an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`, OpenSSL 3's default), PKCS#1
 * (`BEGIN RSA PRIVATE KEY`, OpenSSL 1.1's default), either one passphrase-encrypted. CRLF line ends,
 * surrounding whitespace and `\n` escapes are tolerated.
 *
 * Rejects EC and Ed25519 keys, public keys, certificates, RSA keys under 2048 bits, a missing or wrong
 * passphrase, and anything else that is not such a key, with a {@link CredentialsError} whose code is
 * `ERR_KEY_INVALID`. Messages say what is wrong and never include the key.
 *
 * @param pem - The PEM text.
 * @param options - `passphrase` for an encrypted key (ignored for an unencrypted one).
 * @returns A node:crypto `KeyObject`, ready for {@link signAssertion}.
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

  const { block, label } = selectBlock(normalise(pem))
  const unsupported = describeUnsupportedLabel(label)
  if (unsupported !== undefined) throw invalid(unsupported)

  const encrypted = isEncrypted(block, label)
  if (encrypted && passphrase === undefined) {
    throw invalid('the private key is encrypted and no passphrase was given')
  }

  let key: KeyObject
  try {
    key = createPrivateKey(
      encrypted ? { key: block, format: 'pem', passphrase } : { key: block, format: 'pem' },
    )
  } catch (error) {
    // OpenSSL's errors name the failing routine only, never key bytes, so they are safe to chain.
    if (encrypted)
      throw invalid(
        'could not decrypt the private key: the passphrase is wrong or the key is corrupted',
        error,
      )
    throw invalid('the private key PEM is malformed or corrupted', error)
  }
  return checkRsa(key)
}
