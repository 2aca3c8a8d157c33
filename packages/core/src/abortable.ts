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
