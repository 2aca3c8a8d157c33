// Node, Bun and Deno: NODE_DEBUG=nebius-auth prints the lifecycle through util.debuglog, Node's own convention.
import { debuglog } from 'node:util'

const log = debuglog('nebius-auth')

/**
 * Writes one line to `NODE_DEBUG=nebius-auth`; `describe` runs only when that is enabled.
 *
 * @example
 * ```ts
 * writeDebugLine(() => `refresh-started reason=initial`)
 * ```
 */
export function writeDebugLine(describe: () => string): void {
  if (log.enabled) log(describe())
}
