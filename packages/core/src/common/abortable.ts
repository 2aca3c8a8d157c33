import { unrefTimer } from './timers.js'

/**
 * Waits for `promise`, or rejects with `signal.reason` as soon as the signal aborts, whichever comes first.
 * The promise itself carries on (it is shared with other callers); only this wait ends. The abort
 * listener is removed once the promise settles, so a long-lived signal does not collect listeners.
 *
 * @example
 * ```ts
 * const token = await abortable(sharedExchange, request.signal)
 * ```
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) {
    // Nobody else may be listening to `promise` (a caller's own getToken call): without this handler its
    // later rejection would be unhandled, which ends a Node process by default.
    promise.catch(() => undefined)
    return Promise.reject(signal.reason as Error)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error)
    }
    const stopListening = (): void => {
      signal.removeEventListener('abort', onAbort)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(stopListening, stopListening)
    promise.then(resolve, reject)
  })
}

/**
 * Marks a provider whose `getToken({ signal })` already settles at once when `signal` aborts, so an adapter
 * need not wrap each warm call in {@link abortable} (a promise and two listener calls per request).
 * `Symbol.for`, so two copies of core still recognise each other's providers. Internal: only core's own
 * providers carry it, as only they are known to keep that promise.
 */
export const honoursSignal = Symbol.for('@nebius-auth/core/honoursSignal')

/**
 * Sets the {@link honoursSignal} marker, non-enumerable so printing or spreading the provider is unchanged.
 *
 * @example
 * ```ts
 * return markHonoursSignal({ getToken, close })
 * ```
 */
export function markHonoursSignal<T extends object>(provider: T): T {
  return Object.defineProperty(provider, honoursSignal, { value: true })
}

/**
 * Whether `provider` carries the {@link honoursSignal} marker.
 *
 * @example
 * ```ts
 * const pending = provider.getToken({ signal })
 * return honours(provider) ? pending : abortable(pending, signal)
 * ```
 */
export function honours(provider: object): boolean {
  return (provider as Record<symbol, unknown>)[honoursSignal] === true
}

/**
 * Resolves after `milliseconds`, or rejects with `signal.reason` as soon as the signal aborts (clearing the
 * timer). The timer is unref'd: a retry sleep of a background refresh must not keep the process alive. A
 * caller who waits for a token is kept alive by the cache itself (see `waitFor` in cache/single-flight.ts).
 *
 * @example
 * ```ts
 * await abortableSleep(backoff, signal)
 * ```
 */
export function abortableSleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason as Error)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, milliseconds)
    unrefTimer(timer)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * A signal that aborts when `signal` does or, with a `TimeoutError`, once `milliseconds` have passed; call
 * `done()` when the operation ends. Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: Node 20 holds
 * the timeout signal only weakly there, so a garbage collection while a request hangs can drop it and the
 * request then waits forever. Here the timer holds the controller, and the timer is unref'd.
 *
 * @example
 * ```ts
 * const bounded = signalWithTimeout(signal, 5000)
 * try {
 *   return await fetch(url, { signal: bounded.signal })
 * } finally {
 *   bounded.done()
 * }
 * ```
 */
export function signalWithTimeout(
  signal: AbortSignal | undefined,
  milliseconds: number,
): { readonly signal: AbortSignal; done(): void } {
  const controller = new AbortController()
  const onAbort = (): void => {
    controller.abort(signal?.reason)
  }
  const timer = setTimeout(() => {
    controller.abort(new DOMException(`no answer within ${String(milliseconds)} ms`, 'TimeoutError'))
  }, milliseconds)
  unrefTimer(timer)
  if (signal?.aborted === true) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    },
  }
}
