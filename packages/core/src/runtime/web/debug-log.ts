// Web runtimes (workerd, the edge runtime, browsers) have no NODE_DEBUG: events reach `onEvent` only.
import type * as Node from '../node/debug-log.js'

/**
 * Does nothing: a web runtime has no `NODE_DEBUG`, and core never writes to the console on its own.
 *
 * @example
 * ```ts
 * writeDebugLine(() => `refresh-started reason=initial`) // no output
 * ```
 */
export const writeDebugLine: typeof Node.writeDebugLine = () => undefined
