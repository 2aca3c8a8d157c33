import type { NebiusAuthErrorCode } from './errors.js'

/**
 * What a refreshing provider or an adapter reports through `onEvent` and `NODE_DEBUG=nebius-auth`.
 * Events never carry a token, an assertion or key material: only times, durations, codes, origins and
 * the provider's name. Times (`expiresAt`, `retryAt`) are epoch milliseconds, durations milliseconds.
 *
 * @example
 * ```ts
 * const provider = serviceAccount({
 *   credentialsFile: 'credentials.json',
 *   onEvent: (event: NebiusAuthEvent) => {
 *     if (event.type === 'refresh-failed') console.warn(`token refresh failed: ${event.code}`)
 *   },
 * })
 * ```
 */
export type NebiusAuthEvent = (
  | { type: 'refresh-started'; reason: 'initial' | 'background' | 'rejected' | 'expired' }
  | { type: 'refresh-succeeded'; expiresAt: number; duration: number }
  | { type: 'refresh-failed'; code: NebiusAuthErrorCode; duration: number; retryAt?: number }
  | { type: 'stale-token-served'; expiresAt: number }
  | { type: 'unauthorized-retry'; origin: string; client: string }
  | { type: 'insecure-file-permissions'; path: string; mode: number }
  /** One failed store call; `systemCode` is Node's code for a system error (`ECONNREFUSED`), when there is one. */
  | { type: 'store-error'; operation: string; code: NebiusAuthErrorCode; systemCode?: string }
  /**
   * The first failure after the store worked (or of its first call): from now on this process exchanges
   * on its own, so the fleet shares nothing until a store call succeeds again. Sent once per outage.
   */
  | { type: 'store-unavailable'; operation: string; code: NebiusAuthErrorCode }
  /** A request went out without a token because its origin is not allowed. Sent once per origin per adapter. */
  | { type: 'origin-not-allowed'; origin: string; client: string }
) & {
  /**
   * The provider that sent it: its `name` option, else its factory's name (`service-account`,
   * `vm-metadata`, `cli-token`, `federated-credentials`, `impersonate`, `from-environment`). Absent on
   * adapter events (they name their `client`) and for a `cachedProvider` built without a `name`.
   */
  provider?: string
}

/**
 * A callback for {@link NebiusAuthEvent}s. It must not throw; if it does, the error is swallowed.
 *
 * @example
 * ```ts
 * const onEvent: NebiusAuthEventListener = (event) => metrics.increment(`nebius_auth.${event.type}`)
 * const provider = vmMetadata({ onEvent })
 * ```
 */
export type NebiusAuthEventListener = (event: NebiusAuthEvent) => void

// What a debug line adds for the events whose consequence is not obvious from their fields.
const consequences: Partial<Record<NebiusAuthEvent['type'], string>> = {
  'store-unavailable':
    '(fleet sharing is off: this process exchanges on its own until the store answers again)',
  'origin-not-allowed': '(no token sent; list the origin in `origins` if it should get one)',
}

/** One field as a person reads it; the event object itself keeps plain numbers for programs. */
function formatField(key: string, value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value)
  // A file mode reads as octal (0644), the way chmod and ls show it; in decimal (420) it says nothing.
  if (key === 'mode') return `0${value.toString(8)}`
  // An epoch (`retryAt=1796514963503.0178`) says nothing at a glance; ISO 8601 says when, in UTC.
  if (key.endsWith('At')) return new Date(value).toISOString()
  if (key === 'duration') return `${String(Math.round(value))}ms`
  return String(value)
}

/** The event as one `NODE_DEBUG` line: its type, the provider, then the other fields as `key=value`. */
export function describeEvent(event: NebiusAuthEvent): string {
  // The provider comes right after the type: which source a line is about matters more than its details.
  const { type, provider, ...rest } = event
  const fields = Object.entries({ provider, ...rest })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatField(key, value)}`)
  const consequence = consequences[type]
  return [type, ...fields, ...(consequence === undefined ? [] : [consequence])].join(' ')
}

/**
 * Hands an event to its listener, if any. A throwing listener cannot break token refresh, so its error is
 * dropped here on purpose. `emitEvent` (runtime/emit-event.ts) also prints it for `NODE_DEBUG`.
 */
export function deliverEvent(listener: NebiusAuthEventListener | undefined, event: NebiusAuthEvent): void {
  if (listener === undefined) return
  try {
    listener(event)
  } catch {
    // A listener's failure must never become a token failure.
  }
}
