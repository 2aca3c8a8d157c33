// Web runtimes have no file system: reading a key, credentials or token file fails with
// ERR_UNSUPPORTED_RUNTIME.
import type * as Node from '../node/files.js'
import { unsupportedRuntime } from '../../common/unsupported-runtime.js'

/**
 * Rejects with `ERR_UNSUPPORTED_RUNTIME`: `readCredentialsFile()`, `serviceAccount({ privateKeyFile })`
 * and `{ credentialsFile }` need files.
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
