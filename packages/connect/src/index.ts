/**
 * @nebius-auth/connect: Nebius AI Cloud authentication for Connect-ES v2 transports.
 *
 * @example
 * ```ts
 * import { createGrpcTransport } from '@connectrpc/connect-node'
 * import { nebiusAuthInterceptor } from '@nebius-auth/connect'
 *
 * const transport = createGrpcTransport({
 *   baseUrl: 'https://cpl.iam.api.nebius.cloud',
 *   interceptors: [nebiusAuthInterceptor()],
 * })
 * ```
 *
 * @packageDocumentation
 */
export { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
export { nebiusBaseUrl } from './nebius-base-url.js'
export type { NebiusBaseUrlOptions } from './nebius-base-url.js'
// Re-exported as a type only, so users can type their options without importing core themselves.
export type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
