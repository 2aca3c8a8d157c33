/**
 * What a channel may receive, judged from what really makes it: the target and the credentials handed to
 * the client constructor (not the ones `nebiusCredentials()` suggested, which a caller may have replaced).
 *
 * TLS channels: the target's `https://` origin. Plaintext channels: an `http://` origin only for a host
 * that is loopback by its name alone — exactly `localhost`, `127.0.0.0/8` or `[::1]` — and only where
 * `localhost` cannot be answered by DNS: not through a `dns://authority/` target, and not under
 * grpc-js's alternative resolver (`GRPC_NODE_USE_ALTERNATIVE_RESOLVER=true`), which skips the
 * hosts file. Anything else has no origin, so its calls go out without a token.
 */
import { isLoopbackHost } from '@nebius-auth/core/adapter'

import { channelOrigin, namesDnsAuthority } from './channel-origin.js'

export interface ChannelTrust {
  /** The origin to check against `origins`; `undefined` means the channel never gets a token. */
  readonly origin: URL | undefined
  /** A plaintext channel that may carry the token: it must reach its loopback host directly, never by a proxy. */
  readonly plaintext: boolean
}

const untrusted: ChannelTrust = { origin: undefined, plaintext: false }

/**
 * grpc-js reads the variable once, when it loads; it may have loaded before or after us, so either reading
 * saying "alternative" counts.
 */
const alternativeResolverAtLoad = process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER === 'true'
function alternativeResolver(): boolean {
  return alternativeResolverAtLoad || process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER === 'true'
}

/** TLS or not, as grpc-js's credentials tell; credentials that cannot say are not trusted at all. */
function isSecure(credentials: unknown): boolean | undefined {
  const candidate = credentials as { _isSecure?: unknown } | null | undefined
  if (typeof candidate?._isSecure !== 'function') return undefined
  const secure: unknown = (candidate as { _isSecure(): unknown })._isSecure()
  return typeof secure === 'boolean' ? secure : undefined
}

/** Loopback by name: a trailing dot (`localhost.`) makes it a DNS name like any other. */
function isLoopbackName(hostname: string): boolean {
  return !hostname.endsWith('.') && isLoopbackHost(hostname)
}

function isAddressLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(hostname)
}

/**
 * How far to trust a channel made for `target` with `credentials`.
 *
 * @example
 * ```ts
 * channelTrust('localhost:50051', credentials.createInsecure()) // { origin: http://localhost:50051, plaintext: true }
 * channelTrust('dns://8.8.8.8/localhost:50051', credentials.createInsecure()) // { origin: undefined, … }
 * ```
 */
export function channelTrust(target: string, credentials: unknown): ChannelTrust {
  const secure = isSecure(credentials)
  if (secure === undefined) return untrusted
  const origin = channelOrigin(target, secure)
  if (origin === undefined) return untrusted
  if (secure) return { origin, plaintext: false }
  const { hostname } = origin
  if (!isLoopbackName(hostname)) return untrusted
  // An address literal is never looked up; `localhost` is, and only the hosts file is sure to say loopback.
  if (!isAddressLiteral(hostname) && (namesDnsAuthority(target) || alternativeResolver())) return untrusted
  return { origin, plaintext: true }
}
