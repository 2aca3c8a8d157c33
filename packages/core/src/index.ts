// @nebius-auth/core: what applications call. Providers, the combinators they are made of, errors, events
// and the types a user writes. The pieces under the providers (key import, the assertion, the exchange,
// the raw cache) and every option type are on `@nebius-auth/core/advanced`; the adapters' kit is on
// `@nebius-auth/core/adapter`. Node-only providers come through `#platform/*`: on web runtimes they throw
// ERR_UNSUPPORTED_RUNTIME when called.

export type { AccessToken, GetTokenOptions, TokenProvider } from './common/types.js'

// Providers.
export { serviceAccount } from './providers/service-account.js'
export { staticToken } from './providers/static-token.js'
export { vmMetadata } from './providers/vm-metadata.js'
export { federatedCredentials } from './providers/federated-credentials.js'
export { githubActionsToken } from './providers/github-actions-token.js'
export { impersonate } from './providers/impersonate.js'
export { cliProfile, cliToken, defaultProvider, fromEnvironment, tokenFile } from '#platform/providers'

// Combinators: every provider above is one of them, or a few composed.
export { cached } from './providers/cached.js'
export type { CachedOptions } from './providers/cached.js'
export { chain } from './providers/chain.js'
export { named } from './providers/named.js'

// Sharing tokens across processes: `serviceAccount({ ..., store: fileStore(dir) })`.
export { fileStore } from '#platform/providers'
export type { TokenStore } from './cache/token-store.js'

// Errors, events and helpers.
export {
  CredentialsError,
  credentialsUnavailable,
  findNebiusAuthError,
  NebiusAuthError,
  TokenExchangeError,
} from './common/errors.js'
export type { NebiusAuthErrorCode } from './common/errors.js'
export type { NebiusAuthEvent, NebiusAuthEventListener } from './common/events.js'
export { sanitizeToken } from './common/sanitize.js'

// What every adapter takes: its options, and the origins that receive a token unless told otherwise.
export type { NebiusAuthOptions } from './adapter/adapter-support.js'
export { defaultNebiusOrigins } from './adapter/origins.js'
