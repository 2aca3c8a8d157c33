// @nebius-auth/core/adapter: the kit the HTTP and gRPC adapters share, so they cannot drift apart (which
// URLs get the token, when a 401 earns one retry, how a finished request is redacted). Not the user's API:
// applications import `@nebius-auth/core`.

export { bearer, createRequestAuthorizer } from './adapter-support.js'
export type { NebiusAuthOptions, Refusal, RequestAuthorizer } from './adapter-support.js'
export { authorizeFetch } from './authorized-fetch.js'
export { isOurAuthorization, redactClientRequest, redactedBearer, redactHeaders } from './redaction.js'
// What a failed gRPC call shows, with the tokens it sent gone: one rule for @nebius-auth/grpc and @nebius-auth/connect.
export { recentTokens, redactTokenBytes, redactTokens } from './token-redaction.js'
export type { RecentTokens } from './token-redaction.js'
export { createOriginMatcher, defaultNebiusOrigins, isLoopbackHost } from './origins.js'
export type { OriginsOption } from './origins.js'
// The default origins of @nebius-auth/grpc and @nebius-auth/connect, which follow the CLI profile's domain.
export { followingProfile } from './profile-origins.js'
export { isReplayableBody, parseURL } from './request-parts.js'
// A Nebius service's address, for @nebius-auth/grpc's nebiusAddress and @nebius-auth/connect's nebiusBaseUrl.
export { nebiusServiceAddress } from './nebius-service-address.js'
export type { NebiusServiceAddressOptions } from './nebius-service-address.js'
// The error base class, so an adapter can recognise core's errors (isInstance) without the root entry.
export { NebiusAuthError } from '../common/errors.js'
// A request timeout that garbage collection cannot cancel (ky's resend of a 401'd request uses it).
export { signalWithTimeout } from '../common/abortable.js'
