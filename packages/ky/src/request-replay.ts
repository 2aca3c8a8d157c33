/**
 * The fetch-level pieces of the ky adapter's one 401 retry: which bodies can be sent twice, how to re-send
 * with the same fetch, timeout and fetch-only options ky would use, and how an abort ends a wait.
 */

import { signalWithTimeout } from '@nebius-auth/core/adapter'

type Fetch = typeof globalThis.fetch

/**
 * Where ky 2's init hook leaves `fetch` and `timeout`, which ky 2 leaves out of the options hooks see. A
 * symbol, so ky never forwards it to fetch (it forwards string keys only) and it cannot clash with options.
 *
 * @example
 * ```ts
 * initOptions[transportKey] = { fetch: initOptions.fetch, timeout: initOptions.timeout }
 * ```
 */
export const transportKey = Symbol('nebius-auth.ky.transport')

/**
 * The pieces of a ky call that decide how a request is sent, as the init hook saw them.
 *
 * @example
 * ```ts
 * const transport: Transport = { fetch: globalThis.fetch, timeout: 10_000 }
 * ```
 */
export interface Transport {
  readonly fetch?: Fetch | undefined
  readonly timeout?: number | false | undefined
}

/** ky's own default per-attempt timeout, in milliseconds (ky 1 and 2 alike). */
const kyDefaultTimeout = 10_000

/** Options ky applies to the `Request` itself or keeps for itself (ky 1 and 2); the rest go to fetch. */
const notForwarded = new Set([
  ...['method', 'headers', 'body', 'mode', 'credentials', 'cache', 'redirect', 'referrer', 'referrerPolicy'],
  ...['integrity', 'keepalive', 'signal', 'window', 'duplex', 'json', 'parseJson', 'stringifyJson'],
  ...['searchParams', 'prefixUrl', 'prefix', 'baseUrl', 'retry', 'timeout', 'totalTimeout', 'hooks'],
  ...['throwHttpErrors', 'onDownloadProgress', 'onUploadProgress', 'fetch', 'context'],
])

/**
 * Sends `request` the way ky sends an attempt: through the caller's `fetch`, with ky's per-attempt timeout
 * and the fetch-only options ky forwards as fetch's second argument (undici's `dispatcher`, Next.js's `next`).
 *
 * @example
 * ```ts
 * return resend(retryRequest, options) // from an afterResponse hook
 * ```
 */
export async function resend(
  request: Request,
  options: Readonly<Record<PropertyKey, unknown>>,
): Promise<Response> {
  const transport = (options[transportKey] ?? {}) as Transport
  // ky 1 shows `fetch` and `timeout` in the hooks' options; ky 2 hides them, so its init hook saved them.
  const fetch = (options.fetch ?? transport.fetch ?? globalThis.fetch) as Fetch
  const timeout = (options.timeout ?? transport.timeout ?? kyDefaultTimeout) as number | false
  const forwarded = Object.fromEntries(Object.entries(options).filter(([key]) => !notForwarded.has(key)))
  if (timeout === false) return fetch(new Request(request, { signal: request.signal }), forwarded)
  // Not AbortSignal.any with AbortSignal.timeout: Node 20 may garbage-collect that timeout while the resend hangs.
  const bounded = signalWithTimeout(request.signal, timeout)
  try {
    return await fetch(new Request(request, { signal: bounded.signal }), forwarded)
  } finally {
    bounded.done()
  }
}
