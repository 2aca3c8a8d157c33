// Timers on every runtime: Node, Bun and Deno hand back an object with unref(); workerd, the edge runtime
// and browsers hand back a number, which has nothing to unref (nor any process to keep alive).

/**
 * Lets the process exit while `timer` is pending, where the runtime has such a notion; a no-op where
 * `setTimeout` returns a number.
 *
 * @example
 * ```ts
 * unrefTimer(setTimeout(refresh, delay))
 * ```
 */
export function unrefTimer(timer: unknown): void {
  if (typeof timer !== 'object' || timer === null) return
  const { unref } = timer as { unref?: unknown }
  if (typeof unref === 'function') unref.call(timer)
}
