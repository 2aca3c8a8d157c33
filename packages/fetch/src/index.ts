/**
 * @nebius-auth/fetch: Nebius AI Cloud authentication for fetch, as a wrapper with fetch's own signature.
 *
 * @example
 * ```ts
 * import { withNebiusAuth } from '@nebius-auth/fetch'
 *
 * // An HTTP service of yours that accepts Nebius IAM tokens (the Nebius cloud API itself is gRPC only).
 * const nebiusFetch = withNebiusAuth(fetch, { origins: ['https://inference.example.com'] })
 * const response = await nebiusFetch('https://inference.example.com/v1/models')
 * ```
 *
 * @packageDocumentation
 */
export { withNebiusAuth } from './with-nebius-auth.js'
// Re-exported as a type only, so users can type their options without importing core themselves.
export type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
