import { readSecretFile } from '#runtime/files'

import { CredentialsError } from '../common/errors.js'
import type { NebiusAuthEventListener } from '../common/events.js'
import { parseCredentials } from './parse-credentials.js'
import type { ServiceAccountKey } from '../common/types.js'

/**
 * Options for {@link readCredentialsFile}.
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
