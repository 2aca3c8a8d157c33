// Web runtimes have no file system: reading a key or credentials file fails with ERR_UNSUPPORTED_RUNTIME.
import type * as Node from '../node/files.js'
import { unsupportedRuntime } from '../unsupported-runtime.js'

/**
 * Rejects with `ERR_UNSUPPORTED_RUNTIME`: there are no files to read here.
 *
 * @example
 * ```ts
 * await readCredentialsFile('credentials.json') // rejects on Cloudflare Workers
 * ```
 */
export const readCredentialsFile: typeof Node.readCredentialsFile = async () => {
  await Promise.resolve()
  throw unsupportedRuntime('readCredentialsFile() reads a file')
}

/**
 * Rejects with `ERR_UNSUPPORTED_RUNTIME`: `serviceAccount({ privateKeyFile })` and `{ credentialsFile }`
 * need files.
 *
 * @example
 * ```ts
 * await readSecretFile('private.pem') // rejects on Cloudflare Workers
 * ```
 */
export const readSecretFile: typeof Node.readSecretFile = async () => {
  await Promise.resolve()
  throw unsupportedRuntime('reading a key or credentials file')
}

/**
 * Rejects with `ERR_UNSUPPORTED_RUNTIME`: `federatedCredentials({ tokenFile })` needs a file system (pass
 * `token` instead).
 *
 * @example
 * ```ts
 * await readExternalTokenFile('/var/run/secrets/tokens/nebius-token') // rejects on Cloudflare Workers
 * ```
 */
export const readExternalTokenFile: typeof Node.readExternalTokenFile = async () => {
  await Promise.resolve()
  throw unsupportedRuntime('federatedCredentials({ tokenFile }) reads a file')
}
