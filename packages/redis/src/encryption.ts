import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

// AES-256-GCM as NIST SP 800-38D recommends it: a 96-bit random IV per message and the full 128-bit tag.
const algorithm = 'aes-256-gcm'
const ivLength = 12
const tagLength = 16
/** Marks an encrypted value, so a reader configured with a key never takes plain text for a token. */
const marker = 'nebius-auth-aes256gcm:'

/**
 * Encrypts `plaintext` with `key` (32 bytes). The Redis key is bound in as additional authenticated
 * data, so a value copied to another key does not decrypt there.
 *
 * @example
 * ```ts
 * const value = encrypt('{"token":"v1.…"}', key, 'nebius-auth:v1:…')
 * ```
 */
export function encrypt(plaintext: string, key: Uint8Array, associatedData: string): string {
  const iv = randomBytes(ivLength)
  const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagLength })
  cipher.setAAD(Buffer.from(associatedData, 'utf8'))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return marker + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')
}

/**
 * The plaintext of a value {@link encrypt} made, or undefined when it is not one, was written with
 * another key or for another Redis key, or was altered: the tag check fails and the value counts as absent.
 *
 * @example
 * ```ts
 * decrypt(value, key, 'nebius-auth:v1:…') // '{"token":"v1.…"}' | undefined
 * ```
 */
export function decrypt(value: string, key: Uint8Array, associatedData: string): string | undefined {
  if (!value.startsWith(marker)) return undefined
  const bytes = Buffer.from(value.slice(marker.length), 'base64')
  if (bytes.length < ivLength + tagLength) return undefined
  try {
    const decipher = createDecipheriv(algorithm, key, bytes.subarray(0, ivLength), {
      authTagLength: tagLength,
    })
    decipher.setAAD(Buffer.from(associatedData, 'utf8'))
    decipher.setAuthTag(bytes.subarray(bytes.length - tagLength))
    const body = bytes.subarray(ivLength, bytes.length - tagLength)
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
  } catch {
    return undefined
  }
}
