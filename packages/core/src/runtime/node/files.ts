// Node, Bun and Deno: key, credentials and external token files are read from disk (node:fs). Web runtimes
// get rejecting stand-ins from ../web/files.ts; package.json's `#runtime/files` picks one.
import { open, readFile, stat } from 'node:fs/promises'

import { CredentialsError, NebiusAuthError } from '../../common/errors.js'
import type { NebiusAuthEventListener } from '../../common/events.js'
import { emitEvent } from '../emit-event.js'

/**
 * Options for {@link readSecretFile} (and `readCredentialsFile`, which reads through it).
 *
 * @example
 * ```ts
 * const pem = await readSecretFile('private.pem', { onEvent: (event) => console.warn(event.type) })
 * ```
 */
export interface ReadSecretFileOptions {
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
export async function readSecretFile(path: string, options: ReadSecretFileOptions = {}): Promise<string> {
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

// A projected service-account token or a CI's OIDC token is a few kilobytes; anything larger is the wrong file.
const maximumExternalTokenSize = 64 * 1024

/**
 * Reads an external OIDC token file (a Kubernetes projected service-account token, a CI job's token)
 * afresh. Called for every exchange, because the kubelet rewrites the file as the token rotates.
 * Messages name the path and the errno code, never the content.
 *
 * @example
 * ```ts
 * const jwt = await readExternalTokenFile('/var/run/secrets/tokens/nebius-token')
 * ```
 */
export async function readExternalTokenFile(path: string): Promise<string> {
  try {
    const stats = await stat(path)
    if (!stats.isFile()) {
      throw new CredentialsError(
        'ERR_EXTERNAL_TOKEN_INVALID',
        `External token file ${path} is not a regular file`,
      )
    }
    if (stats.size > maximumExternalTokenSize) {
      throw new CredentialsError(
        'ERR_EXTERNAL_TOKEN_INVALID',
        `External token file ${path} is larger than ${maximumExternalTokenSize} bytes`,
      )
    }
    return await readFile(path, 'utf8')
  } catch (error) {
    if (CredentialsError.isInstance(error)) throw error
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    const missing = code === 'ENOENT' || code === 'ENOTDIR'
    throw new CredentialsError(
      missing ? 'ERR_CREDENTIALS_NOT_FOUND' : 'ERR_EXTERNAL_TOKEN_UNAVAILABLE',
      missing
        ? `External token file ${path} does not exist`
        : `External token file ${path} cannot be read (${code ?? 'unknown error'})`,
      { cause: error },
    )
  }
}
