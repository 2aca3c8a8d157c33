// What a Node-only function does on a web runtime: fail with one stable code, never with a missing module.
import { CredentialsError } from './errors.js'

/**
 * The error for a Node-only feature called on a web runtime (Cloudflare Workers, Vercel's edge runtime, a
 * browser): `CredentialsError` with code `ERR_UNSUPPORTED_RUNTIME`.
 *
 * @example
 * ```ts
 * throw unsupportedRuntime('tokenFile() reads a file')
 * ```
 */
export function unsupportedRuntime(what: string): CredentialsError {
  return new CredentialsError(
    'ERR_UNSUPPORTED_RUNTIME',
    `${what}, which needs Node.js, Bun or Deno; on this runtime use serviceAccount() with the key in memory ` +
      '(privateKey) or staticToken()',
  )
}
