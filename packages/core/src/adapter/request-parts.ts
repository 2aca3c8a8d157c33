/**
 * Two small rules every HTTP adapter needs about a request: how to read its URL without throwing, and
 * whether its body can be sent a second time for the one retry after a 401.
 */

/**
 * Parses an absolute URL, or returns `undefined` where `new URL` would throw. A `URL` is returned as it is,
 * so an adapter that already holds one does not parse it again.
 *
 * @example
 * ```ts
 * parseURL('https://inference.example.com/v1') // URL
 * parseURL('/relative/path') // undefined
 * ```
 */
export function parseURL(url: string | URL): URL | undefined {
  if (url instanceof URL) return url
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

/**
 * Whether a request body is data that can be sent again (a string, bytes, a `Blob`, `FormData`,
 * `URLSearchParams`, a plain object a client serialises, or no body at all). A `ReadableStream`, a Node
 * stream (anything with `pipe`), an iterator or an async iterable is consumed by the first send: a retry
 * would send it empty, so it never qualifies.
 *
 * @example
 * ```ts
 * isReplayableBody('{"a":1}') // true
 * isReplayableBody(new ReadableStream()) // false
 * isReplayableBody(createReadStream('upload.bin')) // false
 * ```
 */
export function isReplayableBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return true
  if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) return false
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return true
  const candidate = body as Record<string | symbol, unknown>
  return !(
    typeof candidate.pipe === 'function' ||
    typeof candidate.getReader === 'function' ||
    typeof candidate.next === 'function' ||
    Symbol.asyncIterator in candidate
  )
}
