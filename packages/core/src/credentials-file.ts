import { open } from 'node:fs/promises'

import { CredentialsError, NebiusAuthError } from './errors.js'
import { emitEvent, type NebiusAuthEventListener } from './events.js'
import { importPrivateKey } from './private-key.js'
import type { ServiceAccountKey } from './types.js'

/**
 * Options for {@link readCredentialsFile} and the internal `readSecretFile`.
 *
 * @example
 * ```ts
 * const options: ReadCredentialsFileOptions = {
 *   onEvent: (event) => {
 *     if (event.type === 'insecure-file-permissions') console.warn(`chmod 600 ${event.path}`)
 *   },
 * }
 * const key = await readCredentialsFile('credentials.json', options)
 * ```
 */
export interface ReadCredentialsFileOptions {
  /** Receives an `insecure-file-permissions` event when group or others may read the file. */
  onEvent?: NebiusAuthEventListener
}

// Credentials files are a few kilobytes; refusing huge files keeps a wrong path from eating memory.
const maximumFileSize = 1024 * 1024

// Group-read (0o040) or other-read (0o004): the same test ssh applies to private keys.
const groupOrOtherReadable = 0o044

function invalid(message: string): CredentialsError {
  return new CredentialsError('ERR_CREDENTIALS_INVALID', message)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function requireString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name]
  if (value === undefined) throw invalid(`credentials field "subject-credentials.${name}" is missing`)
  if (typeof value !== 'string')
    throw invalid(`credentials field "subject-credentials.${name}" must be a string`)
  if (value.trim() === '') throw invalid(`credentials field "subject-credentials.${name}" is empty`)
  return value.trim()
}

/**
 * Emits `insecure-file-permissions` when a secret file's mode lets group or others read it. POSIX only:
 * Windows reports synthetic modes that say nothing about ACLs.
 *
 * @param path - The file, named in the event.
 * @param mode - `stats.mode` of that file.
 * @param onEvent - The listener; `NODE_DEBUG=nebius-auth` also prints the event.
 * @returns Whether the permissions were found insecure.
 *
 * @example
 * ```ts
 * const stats = await stat('private.pem')
 * checkFilePermissions('private.pem', stats.mode, (event) => console.warn(event))
 * ```
 */
export function checkFilePermissions(path: string, mode: number, onEvent?: NebiusAuthEventListener): boolean {
  if (process.platform === 'win32' || (mode & groupOrOtherReadable) === 0) return false
  emitEvent(onEvent, { type: 'insecure-file-permissions', path, mode: mode & 0o777 })
  return true
}

/**
 * Reads a small secret file (a key or credentials file) as UTF-8, checking its permissions on the same
 * open handle so the mode and the content belong to the same file. A missing or unreadable file becomes
 * `ERR_CREDENTIALS_NOT_FOUND` naming the path.
 *
 * @example
 * ```ts
 * const pem = await readSecretFile('private.pem', { onEvent: console.warn })
 * ```
 */
export async function readSecretFile(
  path: string,
  options: ReadCredentialsFileOptions = {},
): Promise<string> {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string')
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', `cannot open ${path} (${code})`, { cause: error })
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile())
      throw new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', `${path} is not a regular file`)
    if (stats.size > maximumFileSize) throw invalid(`${path} is larger than ${maximumFileSize} bytes`)
    checkFilePermissions(path, stats.mode, options.onEvent)
    // A BOM from Windows editors would break JSON.parse and PEM matching alike.
    return (await handle.readFile('utf8')).replace(/^\uFEFF/, '')
  } catch (error) {
    if (NebiusAuthError.isInstance(error)) throw error
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', `cannot read ${path} (${code})`, { cause: error })
  } finally {
    await handle.close()
  }
}

/**
 * Parses the credentials JSON that the Nebius CLI writes (`nebius iam auth-public-key generate`) and every
 * Nebius SDK reads: `{"subject-credentials": {"type": "JWT", "alg": "RS256", "private-key": "<PEM>",
 * "kid": "<public key ID>", "iss": "<SA ID>", "sub": "<SA ID>"}}`.
 *
 * Every problem is a {@link CredentialsError} naming the field: `ERR_CREDENTIALS_INVALID` for the JSON
 * and its fields, `ERR_KEY_INVALID` for the key itself. Messages never quote the input.
 *
 * @example
 * ```ts
 * const key = await parseCredentials(process.env.NEBIUS_CREDENTIALS_JSON ?? '')
 * const assertion = await signAssertion(key)
 * ```
 */
export async function parseCredentials(json: string): Promise<ServiceAccountKey> {
  if (typeof json !== 'string') throw new TypeError('json must be a string')
  let document: unknown
  try {
    document = JSON.parse(json.replace(/^\uFEFF/, ''))
  } catch {
    // SyntaxError messages quote the input around the error, which may be the private key: drop them.
    throw invalid('the credentials are not valid JSON')
  }
  if (!isRecord(document)) throw invalid('the credentials must be a JSON object')
  const fields = document['subject-credentials']
  if (fields === undefined) throw invalid('credentials field "subject-credentials" is missing')
  if (!isRecord(fields)) throw invalid('credentials field "subject-credentials" must be an object')

  const type = fields.type
  if (type !== undefined && type !== '' && type !== 'JWT') {
    throw invalid('credentials field "subject-credentials.type" must be "JWT", "" or absent')
  }
  if (fields.alg !== 'RS256') {
    throw invalid(
      fields.alg === undefined
        ? 'credentials field "subject-credentials.alg" is missing'
        : 'credentials field "subject-credentials.alg" must be "RS256"',
    )
  }
  const issuer = requireString(fields, 'iss')
  const subject = requireString(fields, 'sub')
  // Nebius assertions are self-issued (RFC 7523 §3): the service account is both issuer and subject.
  if (issuer !== subject)
    throw invalid('credentials fields "subject-credentials.iss" and ".sub" must be equal')
  const publicKeyId = requireString(fields, 'kid')
  const pem = requireString(fields, 'private-key')

  try {
    return { serviceAccountId: subject, publicKeyId, privateKey: await importPrivateKey(pem) }
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unusable'
    throw new CredentialsError(
      'ERR_KEY_INVALID',
      `credentials field "subject-credentials.private-key": ${reason}`,
      {
        cause: error,
      },
    )
  }
}

/**
 * Reads and parses a credentials file (see {@link parseCredentials}). A missing or unreadable file is
 * `ERR_CREDENTIALS_NOT_FOUND`; problems in the file name the path and the field. A file that group or
 * others can read emits `insecure-file-permissions` through `onEvent` (POSIX only).
 *
 * @example
 * ```ts
 * const key = await readCredentialsFile(`${homedir()}/.nebius/credentials.json`, {
 *   onEvent: (event) => console.warn(event),
 * })
 * ```
 */
export async function readCredentialsFile(
  path: string,
  options: ReadCredentialsFileOptions = {},
): Promise<ServiceAccountKey> {
  const json = await readSecretFile(path, options)
  try {
    return await parseCredentials(json)
  } catch (error) {
    if (!(error instanceof CredentialsError)) throw error
    throw new CredentialsError(error.code, `${path}: ${error.message}`, { cause: error.cause })
  }
}
