/**
 * `nebiusCredentials()`: what a grpc-js client constructor needs besides its address, so that one spread
 * sets up TLS, a token on every call to an allowed origin, and the one retry after UNAUTHENTICATED.
 */
import {
  Channel,
  credentials,
  InterceptingCall,
  type CallOptions,
  type ChannelCredentials,
  type ClientOptions,
  type Interceptor,
  type InterceptorOptions,
} from '@grpc/grpc-js'
import {
  createRequestAuthorizer,
  followingProfile,
  recentTokens,
  type NebiusAuthOptions,
} from '@nebius-auth/core/adapter'

import { authenticatedCall } from './authenticated-call.js'
import { channelTrust, type ChannelTrust } from './channel-trust.js'
import { outsideOriginHint } from './outside-origin-hint.js'
import { bearerMemo } from './ready-call.js'

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
   * `origins`; that holds for whatever credentials the client constructor is really given.
   */
  channelCredentials?: ChannelCredentials
  /**
   * Your client options; ours are merged in and our interceptor is added after yours. `channelOverride`
   * and `channelFactoryOverride` are refused (TypeError): a channel made elsewhere hides whether it is
   * encrypted, so the adapter makes the channel itself.
   */
  clientOptions?: ClientOptions
}

/** Where the call invocation transformer leaves the channel's origin for the interceptor to read. */
const CHANNEL_ORIGIN = Symbol('nebius-auth channel origin')
/** Where it leaves the origin of a channel outside `origins`, while a refusal from there would get the hint. */
const OUTSIDE_ORIGIN = Symbol('nebius-auth origin outside origins')
interface Marks {
  [CHANNEL_ORIGIN]?: URL | undefined
  [OUTSIDE_ORIGIN]?: string
}
type MarkedOptions = InterceptorOptions & Marks

/** What a channel's origin allows: the token (`allowed`), or nothing, its origin then `outside`. */
interface Verdict {
  readonly allowed: URL | undefined
  readonly outside: string | undefined
}

type ClientChannel = ReturnType<NonNullable<ClientOptions['callInvocationTransformer']>>['channel']

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
  for (const name of ['channelOverride', 'channelFactoryOverride'] as const) {
    if (clientOptions?.[name] !== undefined) {
      throw new TypeError(
        `clientOptions: ${name} is not supported; the adapter must make the channel to know it is encrypted`,
      )
    }
  }
}

/**
 * Channel credentials and client options for any `@grpc/grpc-js` client constructor — one made by
 * `@grpc/proto-loader` + `loadPackageDefinition` or by generated code — so that every call to an allowed
 * origin carries `authorization: Bearer <token>` from the provider, refreshed before it expires.
 *
 * An origin is the channel target's `https://host[:port]` (port 443 when the target has none); by default
 * `https://*.nebius.cloud`, `https://*.nebius.com` and, without `origins`, `https://*.<domain>` of the Nebius CLI
 * profile's `endpoint` (the domain `nebiusAddress` resolves; read at the first call, a missing or broken config
 * meaning just the defaults). A call to any other target goes out without the token; the first UNAUTHENTICATED
 * from such an origin gets `(nebius-auth: no token was sent: <origin> is not in origins)` in its details.
 * Whether a channel is TLS is read from the credentials the client constructor really receives: insecure
 * ones get the token only for a listed `http://` origin whose host is exactly `localhost`, in 127.0.0.0/8
 * or `[::1]` (never through a `dns://authority/` target, never `localhost` under grpc-js's alternative
 * resolver), and such a channel never uses `grpc_proxy`/`http_proxy`. A target whose host is not a plain
 * ASCII name, IPv4 address or bracketed IPv6 address gets no token.
 * `UNAUTHENTICATED` to our token refreshes it (compare-and-refresh) and sends a unary or server-streaming call
 * that has received nothing yet once more with a different token; client-streaming and bidi calls are never
 * replayed. While a call waits for its token, its deadline and `call.cancel()` end it with
 * DEADLINE_EXCEEDED or CANCELLED. A provider that fails ends the call with UNAVAILABLE (transient) or
 * UNAUTHENTICATED, with core's error as the ServiceError's `cause`; any other failure inside the interceptor
 * (the client closed while a call waited) ends that call with a status too, never the process. Tokens the
 * call sent are redacted from its error status, details and trailers alike. While the provider holds a fresh
 * token, a call is set up synchronously, as a hand-written interceptor would set it up; only a call that
 * must wait for its token goes through a promise and a deadline timer of its own.
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
  const authorizer = createRequestAuthorizer(followingProfile(authOptions), { client: 'grpc-js' })
  const recent = recentTokens()
  const hint = outsideOriginHint()
  const bearer = bearerMemo()
  /** Channels made by our factory, with what their target and real credentials allow. */
  const trusted = new WeakMap<ClientChannel, ChannelTrust>()
  const verdicts = new WeakMap<ClientChannel, Verdict>()

  // The client constructor hands its address and the credentials it was really given (ours, or any the
  // caller put there instead) to this factory: the one public place to see both before the channel exists.
  const channelFactoryOverride: NonNullable<ClientOptions['channelFactoryOverride']> = (
    address,
    channelCredentialsGiven,
    channelOptions,
  ) => {
    const trust = channelTrust(address, channelCredentialsGiven)
    // A plaintext channel that may carry the token goes straight to its loopback host: through a proxy
    // (grpc_proxy, http_proxy) the token would leave the machine in clear text.
    const options = trust.plaintext ? { ...channelOptions, 'grpc.enable_http_proxy': 0 } : channelOptions
    const channel = new Channel(address, channelCredentialsGiven, options)
    trusted.set(channel, trust)
    return channel
  }

  /**
   * What the channel's origin allows, decided once per channel. A channel our factory did not make (a
   * caller's `channelOverride`, a transformer that swapped it) is unknown: no token, and no hint either.
   */
  const verdictOf = (channel: ClientChannel): Verdict => {
    let verdict = verdicts.get(channel)
    if (verdict === undefined) {
      const origin = trusted.get(channel)?.origin
      const allowed = origin !== undefined && authorizer.allows(origin)
      verdict = allowed
        ? { allowed: origin, outside: undefined }
        : { allowed: undefined, outside: origin?.origin }
      verdicts.set(channel, verdict)
    }
    return verdict
  }

  const interceptor: Interceptor = (callOptions, nextCall) => {
    const marks = callOptions as MarkedOptions
    const origin = marks[CHANNEL_ORIGIN]
    if (origin !== undefined)
      return authenticatedCall({ authorizer, origin, options: callOptions, nextCall, recent, bearer })
    const outside = marks[OUTSIDE_ORIGIN]
    return outside === undefined
      ? new InterceptingCall(nextCall(callOptions))
      : hint.watch(nextCall(callOptions), outside)
  }

  const theirTransformer = clientOptions.callInvocationTransformer
  const merged: ClientOptions = {
    ...clientOptions,
    channelFactoryOverride,
    callInvocationTransformer(properties) {
      const transformed = theirTransformer === undefined ? properties : theirTransformer(properties)
      const verdict = verdictOf(transformed.channel)
      const callOptions: CallOptions & Marks = {
        ...transformed.callOptions,
        [CHANNEL_ORIGIN]: verdict.allowed,
      }
      if (verdict.outside !== undefined && hint.pending(verdict.outside))
        callOptions[OUTSIDE_ORIGIN] = verdict.outside
      // grpc-js lets interceptors given to one call replace the client's: ours joins theirs there too.
      if (callOptions.interceptors !== undefined && callOptions.interceptors.length > 0) {
        callOptions.interceptors = [...callOptions.interceptors, interceptor]
      } else if (
        callOptions.interceptor_providers !== undefined &&
        callOptions.interceptor_providers.length > 0
      ) {
        callOptions.interceptor_providers = [...callOptions.interceptor_providers, () => interceptor]
      }
      // grpc-js makes the call's properties afresh for every call: ours to fill in, no copy needed. What
      // another transformer returned may be an object it keeps, so that one is copied.
      if (transformed === properties) {
        properties.callOptions = callOptions
        return properties
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
