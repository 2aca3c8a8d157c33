import { writeDebugLine } from '#platform/debug-log'

/**
 * What a refreshing provider or an adapter reports through `onEvent` and `NODE_DEBUG=nebius-auth`.
 * Events never carry a token, an assertion or key material: only times, durations, codes and origins.
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
export type NebiusAuthEvent =
  | { type: 'refresh-started'; reason: 'initial' | 'background' | 'rejected' | 'expired' }
  | { type: 'refresh-succeeded'; expiresAt: number; duration: number }
  | { type: 'refresh-failed'; code: string; duration: number; retryAt?: number }
  | { type: 'stale-token-served'; expiresAt: number }
  | { type: 'unauthorized-retry'; origin: string; client: string }
  | { type: 'insecure-file-permissions'; path: string; mode: number }
  | { type: 'store-error'; operation: string; code: string }

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

function describe(event: NebiusAuthEvent): string {
  const { type, ...rest } = event
  const fields = Object.entries(rest).map(([key, value]) => `${key}=${String(value)}`)
  return [type, ...fields].join(' ')
}

/**
 * Delivers an event to the listener (if any) and, on Node, to `NODE_DEBUG=nebius-auth`. A throwing listener
 * cannot break token refresh, so its error is dropped here on purpose.
 */
export function emitEvent(listener: NebiusAuthEventListener | undefined, event: NebiusAuthEvent): void {
  writeDebugLine(() => describe(event))
  if (listener === undefined) return
  try {
    listener(event)
  } catch {
    // A listener's failure must never become a token failure.
  }
}
