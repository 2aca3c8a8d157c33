import { open } from 'node:fs/promises'

import { CredentialsError, NebiusAuthError } from '../common/errors.js'
import { emitEvent, type NebiusAuthEventListener } from '../common/events.js'
import { parseCredentials } from './parse-credentials.js'
import type { ServiceAccountKey } from '../common/types.js'

// Node, Bun and Deno only (files): web runtimes get rejecting stand-ins from src/platform/web/files.ts.

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
