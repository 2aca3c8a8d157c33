// Web runtimes: files, the Nebius CLI and its YAML config do not exist here, so each of these fails with
// ERR_UNSUPPORTED_RUNTIME when called (never at import, never as a missing module).
import { CredentialsError } from '../../common/errors.js'
import type * as Node from '../node/providers.js'
import { unsupportedRuntime } from '../../common/unsupported-runtime.js'

/**
 * Throws `ERR_UNSUPPORTED_RUNTIME`: a file store needs a file system.
 *
 * @example
 * ```ts
 * fileStore('/tmp/tokens') // throws on Cloudflare Workers
 * ```
 */
export const fileStore: typeof Node.fileStore = () => {
  throw unsupportedRuntime('fileStore() keeps tokens in files')
}

/**
 * Throws `ERR_UNSUPPORTED_RUNTIME`: a token file needs a file system.
 *
 * @example
 * ```ts
 * tokenFile('/var/run/token') // throws on Cloudflare Workers
 * ```
 */
export const tokenFile: typeof Node.tokenFile = () => {
  throw unsupportedRuntime('tokenFile() reads a file')
}

/**
 * Throws `ERR_UNSUPPORTED_RUNTIME`: there is no `nebius` CLI to run.
 *
 * @example
 * ```ts
 * cliToken() // throws on Cloudflare Workers
 * ```
 */
export const cliToken: typeof Node.cliToken = () => {
  throw unsupportedRuntime('cliToken() runs the nebius CLI')
}

/**
 * Throws `ERR_UNSUPPORTED_RUNTIME`: the CLI config is a file.
 *
 * @example
 * ```ts
 * cliProfile() // throws on Cloudflare Workers
 * ```
 */
export const cliProfile: typeof Node.cliProfile = () => {
  throw unsupportedRuntime('cliProfile() reads ~/.nebius/config.yaml')
}

/**
 * Throws `ERR_UNSUPPORTED_RUNTIME`: the environment chain reads files and runs the CLI.
 *
 * @example
 * ```ts
 * fromEnvironment() // throws on Cloudflare Workers
 * ```
 */
export const fromEnvironment: typeof Node.fromEnvironment = () => {
  throw unsupportedRuntime('fromEnvironment() reads ~/.nebius and runs the nebius CLI')
}

/**
 * Throws `ERR_UNSUPPORTED_RUNTIME`: an adapter needs `provider` here, as its default reads files.
 *
 * @example
 * ```ts
 * withNebiusAuth(fetch) // throws on Cloudflare Workers: pass { provider }
 * ```
 */
export const defaultProvider: typeof Node.defaultProvider = () => {
  throw new CredentialsError(
    'ERR_UNSUPPORTED_RUNTIME',
    'options.provider is required on this runtime: the default, fromEnvironment(), reads files and runs ' +
      'the nebius CLI, which need Node.js, Bun or Deno. Pass e.g. ' +
      '{ provider: serviceAccount({ serviceAccountId, publicKeyId, privateKey }) }',
  )
}
