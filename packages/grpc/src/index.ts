/**
 * @nebius-auth/grpc: Nebius AI Cloud authentication for `@grpc/grpc-js`, the client of the Nebius gRPC API.
 *
 * @example
 * ```ts
 * import { nebiusCredentials } from '@nebius-auth/grpc'
 *
 * const profiles = new ProfileServiceClient('cpl.iam.api.nebius.cloud:443', ...nebiusCredentials())
 * ```
 *
 * @packageDocumentation
 */
export { nebiusCredentials } from './nebius-credentials.js'
export type { NebiusGrpcOptions } from './nebius-credentials.js'
export { nebiusAddress } from './nebius-address.js'
export type { NebiusAddressOptions } from './nebius-address.js'
// Re-exported as a type only, so users can type their options without importing core themselves.
export type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
