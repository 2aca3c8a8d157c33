/**
 * A call to an origin outside `origins` goes out without our token; when its server then refuses it, the
 * caller would see a bare Unauthenticated and no reason. The first such refusal per origin gets one line
 * saying why, so the fix (list the origin) is found without NODE_DEBUG.
 */
import { Code, ConnectError } from '@connectrpc/connect'

import { rebuilt } from './token-redaction.js'

/** Origins remembered at most; past this many, no more hints (origins are endless, memory is not). */
const mostOrigins = 1000

/**
 * The hint of one interceptor: each origin is named once.
 *
 * @example
 * ```ts
 * const hint = outsideOriginHint()
 * if (!authorizer.allows(request.url)) return hint.watch(next(request), request.url)
 * ```
 */
export function outsideOriginHint() {
  const hinted = new Set<string>()
  const withHint = (error: unknown, url: string): unknown => {
    if (!(error instanceof ConnectError) || error.code !== Code.Unauthenticated) return error
    let origin: string
    try {
      origin = new URL(url).origin
    } catch {
      return error
    }
    if (hinted.has(origin) || hinted.size >= mostOrigins) return error
    hinted.add(origin)
    const line = `(nebius-auth: no token was sent: ${origin} is not in origins)`
    return rebuilt(error, error.rawMessage === '' ? line : `${error.rawMessage} ${line}`, error.metadata)
  }
  return {
    /** The call's own promise, its first Unauthenticated for an origin with the hint added. */
    watch<T>(response: Promise<T>, url: string): Promise<T> {
      return response.catch((error: unknown) => {
        throw withHint(error, url)
      })
    },
  }
}
