import { writeDebugLine } from '#runtime/debug-log'

import {
  deliverEvent,
  describeEvent,
  type NebiusAuthEvent,
  type NebiusAuthEventListener,
} from '../common/events.js'

/**
 * Delivers an event to the listener (if any) and, on Node, Bun and Deno, to `NODE_DEBUG=nebius-auth`.
 * Lives above `common/` because the debug channel differs per runtime (`#runtime/debug-log`).
 *
 * @example
 * ```ts
 * emitEvent(options.onEvent, { type: 'stale-token-served', expiresAt })
 * ```
 */
export function emitEvent(listener: NebiusAuthEventListener | undefined, event: NebiusAuthEvent): void {
  writeDebugLine(() => describeEvent(event))
  deliverEvent(listener, event)
}
