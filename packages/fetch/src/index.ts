/**
 * @nebius-auth/fetch: Nebius AI Cloud authentication for fetch, as a wrapper with fetch's own signature.
 *
 * @example
 * ```ts
 * import { withNebiusAuth } from '@nebius-auth/fetch'
 *
 * const nebiusFetch = withNebiusAuth(fetch)
 * const response = await nebiusFetch('https://compute.api.eu.nebius.cloud/compute/v1/instances')
 * ```
 *
 * @packageDocumentation
 */
export { withNebiusAuth } from './with-nebius-auth.js'
// Re-exported as a type only, so users can type their options without importing core themselves.
export type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
