// Public API of @nebius-auth/core. Named exports only: anything not listed here is internal on purpose.
// Node-only functions (files, the CLI, its YAML config) come through `#platform/*`, which package.json maps
// to src/platform/node on Node, Bun and Deno and to src/platform/web (ERR_UNSUPPORTED_RUNTIME) elsewhere.

export type { AccessToken, GetTokenOptions, ServiceAccountKey, TokenProvider } from './types.js'

// Building blocks.
export { importPrivateKey } from './private-key.js'
export type { ImportPrivateKeyOptions } from './private-key.js'
export { parseCredentials } from './keys/parse-credentials.js'
export { readCredentialsFile } from '#platform/files'
export type { ReadCredentialsFileOptions } from './credentials-file.js'
export { assertionAudience, signAssertion } from './rs256-signer.js'
export type { SignAssertionOptions } from './rs256-signer.js'
export {
  defaultExchangeEndpoint,
  exchangeToken,
  jwtTokenType,
  subjectIdentifierTokenType,
} from './token-exchange.js'
export type { ExchangedToken, ExchangeTokenOptions } from './token-exchange.js'
export { cachedProvider } from './token-cache.js'
export type { CacheOptions } from './token-cache.js'
export { fileStore } from '#platform/providers'
export type { FileStoreOptions } from './file-store.js'
export type { TokenStore } from './token-store.js'

// Providers.
export { serviceAccount } from './service-account.js'
export type {
  ServiceAccountCommonOptions,
  ServiceAccountFileOptions,
  ServiceAccountKeyOptions,
  ServiceAccountOptions,
} from './service-account.js'
export { staticToken } from './static-token.js'
export { tokenFile } from '#platform/providers'
export type { TokenFileOptions } from './token-file.js'
export { cliToken } from '#platform/providers'
export type { CliTokenOptions } from './cli-token.js'
export { defaultMetadataEndpoint, vmMetadata } from './vm-metadata.js'
export type { VmMetadataOptions } from './vm-metadata.js'
export { federatedCredentials } from './federated-credentials.js'
export type { FederatedCredentialsOptions } from './federated-credentials.js'
export { githubActionsToken } from './github-actions-token.js'
export type { GitHubActionsTokenOptions } from './github-actions-token.js'
export { impersonate } from './impersonate.js'
export type { ImpersonateOptions } from './impersonate.js'
export { defaultProvider, fromEnvironment } from '#platform/providers'
export type { FromEnvironmentOptions } from './from-environment.js'

// Errors, events and helpers.
export { CredentialsError, findNebiusAuthError, NebiusAuthError, TokenExchangeError } from './errors.js'
export type { NebiusAuthErrorCode, NebiusAuthErrorOptions, TokenExchangeErrorDetails } from './errors.js'
export type { NebiusAuthEvent, NebiusAuthEventListener } from './events.js'
export { sanitizeToken } from './sanitize.js'

// Adapter plumbing (createRequestAuthorizer, bearer, the redaction helpers, the origin matcher) lives on the
// `@nebius-auth/core/adapter` subpath: the adapters need it, applications do not. The options type and the
// default origins stay here because users write them.
export type { NebiusAuthOptions } from './adapter-support.js'
export { defaultNebiusOrigins } from './origins.js'
export type { OriginsOption } from './origins.js'
