/**
 * `nebiusCredentials()`: what a grpc-js client constructor needs besides its address, so that one spread
 * sets up TLS, a token on every call to an allowed origin, and the one retry after UNAUTHENTICATED.
 */
import {
  credentials,
  InterceptingCall,
  type CallOptions,
  type ChannelCredentials,
  type ClientOptions,
  type Interceptor,
  type InterceptorOptions,
} from '@grpc/grpc-js'
import { createRequestAuthorizer, isLoopbackHost, type NebiusAuthOptions } from '@nebius-auth/core/adapter'

import { authenticatedCall } from './authenticated-call.js'
import { channelOrigin } from './channel-origin.js'

/**
 * Options of {@link nebiusCredentials}: the adapters' options plus the channel's own.
 *
 * @example
 * ```ts
 * const options: NebiusGrpcOptions = {
 *   provider: serviceAccount({ credentialsFile: 'credentials.json' }),
 *   clientOptions: { 'grpc.keepalive_time_ms': 30_000 },
 * }
 * ```
 */
export interface NebiusGrpcOptions extends NebiusAuthOptions {
  /**
   * The channel's credentials. Default `credentials.createSsl()` (the system's roots). The token never
   * rides an insecure channel, except to a loopback host whose `http://host:port` origin is listed in
   * `origins`.
   */
  channelCredentials?: ChannelCredentials
  /** Your client options; ours are merged in and our interceptor is added after yours. */
  clientOptions?: ClientOptions
}

/** Where the call invocation transformer leaves the channel's origin for the interceptor to read. */
const CHANNEL_ORIGIN = Symbol('nebius-auth channel origin')
type MarkedOptions = InterceptorOptions & { [CHANNEL_ORIGIN]?: URL | undefined }

type Channel = ReturnType<NonNullable<ClientOptions['callInvocationTransformer']>>['channel']

function originalTarget(channel: Channel): string {
  const name = (channel.getChannelzRef() as { name?: unknown } | undefined)?.name
  return typeof name === 'string' ? name : channel.getTarget()
}

function validate(options: NebiusGrpcOptions): void {
  const { channelCredentials, clientOptions } = options
  if (
    channelCredentials !== undefined &&
    typeof (channelCredentials as Partial<ChannelCredentials>)._isSecure !== 'function'
  ) {
    throw new TypeError('channelCredentials: expected grpc-js ChannelCredentials')
  }
  if (
    clientOptions !== undefined &&
    (typeof clientOptions !== 'object' || (clientOptions as unknown) === null)
  ) {
    throw new TypeError('clientOptions: expected an object')
  }
}

/**
 * Channel credentials and client options for any `@grpc/grpc-js` client constructor — one made by
 * `@grpc/proto-loader` + `loadPackageDefinition` or by generated code — so that every call to an allowed
 * origin carries `authorization: Bearer <token>` from the provider, refreshed before it expires.
 *
 * An origin is the channel target's `https://host[:port]` (port 443 when the target has none); by default
 * `https://*.nebius.cloud` and `https://*.nebius.com`. A call to any other target goes out without the token.
 * `UNAUTHENTICATED` to our token refreshes it (compare-and-refresh) and sends a unary or server-streaming call
 * that has received nothing yet once more with a different token; client-streaming and bidi calls are never
 * replayed. While a call waits for its token, its deadline and `call.cancel()` end it with
 * DEADLINE_EXCEEDED or CANCELLED. A provider that fails ends the call with UNAVAILABLE (transient) or
 * UNAUTHENTICATED, with core's error as the ServiceError's `cause`.
 *
 * @param options - see {@link NebiusGrpcOptions}; `provider` defaults to `defaultProvider()`, the process's shared `fromEnvironment()`.
 * @returns `[channelCredentials, clientOptions]`, to spread after the address.
 * @throws TypeError when an option is invalid.
 *
 * @example
 * ```ts
 * import { credentials, loadPackageDefinition } from '@grpc/grpc-js'
 * import { loadSync } from '@grpc/proto-loader'
 * import { serviceAccount } from '@nebius-auth/core'
 * import { nebiusCredentials } from '@nebius-auth/grpc'
 *
 * const provider = serviceAccount({ credentialsFile: 'credentials.json' })
 * const { nebius } = loadPackageDefinition(loadSync('nebius/iam/v1/profile_service.proto', { includeDirs }))
 * const profiles = new nebius.iam.v1.ProfileService('cpl.iam.api.nebius.cloud:443', ...nebiusCredentials({ provider }))
 * profiles.Get({}, (error, profile) => console.log(error ?? profile))
 * ```
 */
export function nebiusCredentials(options: NebiusGrpcOptions = {}): [ChannelCredentials, ClientOptions] {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('options: expected an object')
  }
  validate(options)
  const { channelCredentials = credentials.createSsl(), clientOptions = {}, ...authOptions } = options
  const authorizer = createRequestAuthorizer(authOptions, { client: 'grpc-js' })
  const secure = channelCredentials._isSecure()
  const origins = new WeakMap<Channel, URL | undefined>()

  /** The channel's origin when it may receive the token; plaintext only ever to a loopback name. */
  const allowedOrigin = (channel: Channel): URL | undefined => {
    if (origins.has(channel)) return origins.get(channel)
    // The target as the client was given it: with grpc-js's proxy variables set, getTarget() names the proxy.
    const origin = channelOrigin(originalTarget(channel), secure)
    const allowed =
      origin !== undefined && (secure || isLoopbackHost(origin.hostname)) && authorizer.allows(origin)
        ? origin
        : undefined
    origins.set(channel, allowed)
    return allowed
  }

  const interceptor: Interceptor = (callOptions, nextCall) => {
    const origin = (callOptions as MarkedOptions)[CHANNEL_ORIGIN]
    if (origin === undefined) return new InterceptingCall(nextCall(callOptions))
    return authenticatedCall({ authorizer, origin, options: callOptions, nextCall })
  }

  const theirTransformer = clientOptions.callInvocationTransformer
  const merged: ClientOptions = {
    ...clientOptions,
    callInvocationTransformer(properties) {
      const transformed = theirTransformer === undefined ? properties : theirTransformer(properties)
      const callOptions: CallOptions & { [CHANNEL_ORIGIN]?: URL | undefined } = {
        ...transformed.callOptions,
        [CHANNEL_ORIGIN]: allowedOrigin(transformed.channel),
      }
      // grpc-js lets interceptors given to one call replace the client's: ours joins theirs there too.
      if (callOptions.interceptors !== undefined && callOptions.interceptors.length > 0) {
        callOptions.interceptors = [...callOptions.interceptors, interceptor]
      } else if (
        callOptions.interceptor_providers !== undefined &&
        callOptions.interceptor_providers.length > 0
      ) {
        callOptions.interceptor_providers = [...callOptions.interceptor_providers, () => interceptor]
      }
      return { ...transformed, callOptions }
    },
  }
  // grpc-js refuses `interceptors` and `interceptor_providers` together: join whichever the caller uses.
  if (clientOptions.interceptor_providers !== undefined && clientOptions.interceptor_providers.length > 0) {
    merged.interceptor_providers = [...clientOptions.interceptor_providers, () => interceptor]
  } else {
    merged.interceptors = [...(clientOptions.interceptors ?? []), interceptor]
  }
  return [channelCredentials, merged]
}
