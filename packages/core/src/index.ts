// Public API of @nebius-auth/core. Named exports only: anything not listed here is internal on purpose.
// Node-only functions (files, the CLI, its YAML config) come through `#platform/*`, which package.json maps
// to src/platform/node on Node, Bun and Deno and to src/platform/web (ERR_UNSUPPORTED_RUNTIME) elsewhere.

export type { AccessToken, GetTokenOptions, ServiceAccountKey, TokenProvider } from './common/types.js'

// Building blocks.
export { importPrivateKey } from './keys/private-key.js'
export type { ImportPrivateKeyOptions } from './keys/private-key.js'
export { parseCredentials } from './keys/parse-credentials.js'
export { readCredentialsFile } from './keys/credentials-file.js'
export type { ReadCredentialsFileOptions } from './keys/credentials-file.js'
export { assertionAudience, signAssertion } from './keys/rs256-signer.js'
export type { SignAssertionOptions } from './keys/rs256-signer.js'
export {
  defaultExchangeEndpoint,
  exchangeToken,
  jwtTokenType,
  subjectIdentifierTokenType,
} from './exchange/token-exchange.js'
export type { ExchangedToken, ExchangeTokenOptions } from './exchange/token-exchange.js'
export { cachedProvider } from './cache/token-cache.js'
export type { CacheOptions } from './cache/token-cache.js'
export { fileStore } from '#platform/providers'
export type { FileStoreOptions } from './node-only/file-store.js'
export type { TokenStore } from './cache/token-store.js'

// Providers.
export { serviceAccount } from './providers/service-account.js'
export type {
  ServiceAccountCommonOptions,
  ServiceAccountFileOptions,
  ServiceAccountKeyOptions,
  ServiceAccountOptions,
} from './providers/service-account.js'
export { staticToken } from './providers/static-token.js'
export { tokenFile } from '#platform/providers'
export type { TokenFileOptions } from './node-only/token-file.js'
export { cliToken } from '#platform/providers'
export type { CliTokenOptions } from './node-only/cli-token.js'
export { cliProfile } from '#platform/providers'
export type { CliProfileOptions } from './node-only/cli-profile.js'
export type { CliProfile } from './node-only/cli-config.js'
export { defaultMetadataEndpoint, vmMetadata } from './providers/vm-metadata.js'
export type { VmMetadataOptions } from './providers/vm-metadata.js'
export { federatedCredentials } from './providers/federated-credentials.js'
export type { FederatedCredentialsOptions } from './providers/federated-credentials.js'
export { githubActionsToken } from './providers/github-actions-token.js'
export type { GitHubActionsTokenOptions } from './providers/github-actions-token.js'
export { impersonate } from './providers/impersonate.js'
export type { ImpersonateOptions } from './providers/impersonate.js'
export { defaultProvider, fromEnvironment } from '#platform/providers'
export type { FromEnvironmentOptions } from './node-only/from-environment.js'

// Combinators: every provider above is one of them, or a few composed.
export { cached } from './providers/cached.js'
export type { CachedOptions, CacheSettings } from './providers/cached.js'
export { chain } from './providers/chain.js'
export type { ChainOptions, ChainSource } from './providers/chain.js'
export { named } from './providers/named.js'

// Errors, events and helpers.
export {
  CredentialsError,
  credentialsUnavailable,
  findNebiusAuthError,
  NebiusAuthError,
  TokenExchangeError,
} from './common/errors.js'
export type {
  NebiusAuthErrorCode,
  NebiusAuthErrorOptions,
  TokenExchangeErrorDetails,
} from './common/errors.js'
export type { NebiusAuthEvent, NebiusAuthEventListener } from './common/events.js'
export { sanitizeToken } from './common/sanitize.js'

// Adapter plumbing (createRequestAuthorizer, bearer, the redaction helpers, the origin matcher) lives on the
// `@nebius-auth/core/adapter` subpath: the adapters need it, applications do not. The options type and the
// default origins stay here because users write them.
export type { NebiusAuthOptions } from './adapter/adapter-support.js'
export { defaultNebiusOrigins } from './adapter/origins.js'
export type { OriginsOption } from './adapter/origins.js'
