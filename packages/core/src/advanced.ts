// @nebius-auth/core/advanced: the building blocks under the providers (key import, the signed assertion,
// the token exchange, the raw cache) and the option types of everything on the root, for code that builds
// its own provider or names an option type. Applications that only pick a provider need the root alone.

export type { ServiceAccountKey } from './common/types.js'

// An authorized key, from text to a signed assertion.
export { importPrivateKey } from './keys/private-key.js'
export type { ImportPrivateKeyOptions } from './keys/private-key.js'
export { parseCredentials } from './keys/parse-credentials.js'
export { readCredentialsFile } from './keys/credentials-file.js'
export type { ReadCredentialsFileOptions } from './keys/credentials-file.js'
export { assertionAudience, signAssertion } from './keys/rs256-signer.js'
export type { SignAssertionOptions } from './keys/rs256-signer.js'

// The RFC 8693 exchange of an assertion (or an external OIDC token) for an IAM token.
export {
  defaultExchangeEndpoint,
  exchangeToken,
  jwtTokenType,
  subjectIdentifierTokenType,
} from './exchange/token-exchange.js'
export type { ExchangedToken, ExchangeTokenOptions } from './exchange/token-exchange.js'

// The expiry-aware cache itself, with its flat options (`cached` on the root nests the tuning in `cache`).
export { cachedProvider } from './cache/token-cache.js'
export type { CacheOptions } from './cache/token-cache.js'
export type { CacheSettings } from './providers/cached.js'
export type { ChainOptions, ChainSource } from './providers/chain.js'
export type { FileStoreOptions } from './node-only/file-store.js'

// The providers' options.
export type {
  ServiceAccountCommonOptions,
  ServiceAccountFileOptions,
  ServiceAccountKeyOptions,
  ServiceAccountOptions,
} from './providers/service-account.js'
export type { TokenFileOptions } from './node-only/token-file.js'
export type { CliTokenOptions } from './node-only/cli-token.js'
export type { CliProfileOptions } from './node-only/cli-profile.js'
export type { CliProfile } from './node-only/cli-config.js'
export { defaultMetadataEndpoint } from './providers/vm-metadata.js'
export type { VmMetadataOptions } from './providers/vm-metadata.js'
export type { FederatedCredentialsOptions } from './providers/federated-credentials.js'
export type { GitHubActionsTokenOptions } from './providers/github-actions-token.js'
export type { ImpersonateOptions } from './providers/impersonate.js'
export type { FromEnvironmentOptions } from './node-only/from-environment.js'

// The errors' detail types and the adapters' origins option.
export type { NebiusAuthErrorOptions, TokenExchangeErrorDetails } from './common/errors.js'
export type { OriginsOption } from './adapter/origins.js'
