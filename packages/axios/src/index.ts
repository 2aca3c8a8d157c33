/**
 * @nebius-auth/axios: Nebius AI Cloud authentication for axios, as request and response interceptors.
 *
 * @example
 * ```ts
 * import axios from 'axios'
 * import { withNebiusAuth } from '@nebius-auth/axios'
 *
 * const api = withNebiusAuth(axios.create({ baseURL: 'https://inference.example.com' }))
 * ```
 *
 * @packageDocumentation
 */
export { withNebiusAuth } from './with-nebius-auth.js'
export type { AxiosInstanceLike } from './with-nebius-auth.js'
// Re-exported so users need not import core for the options' type; the type itself lives in core.
export type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
