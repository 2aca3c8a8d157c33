/**
 * A call to an origin outside `origins` goes out without our token; when its server then refuses it, the
 * caller would see a bare UNAUTHENTICATED and no reason. The first such refusal per origin gets one line
 * saying why, so the fix (list the origin) is found without NODE_DEBUG. Only calls to an origin not yet
 * named are watched at all (see nebiusCredentials' call invocation transformer).
 */
import { InterceptingCall, status as GrpcStatus, type NextCall } from '@grpc/grpc-js'

/** Origins remembered at most; past this many, no more hints (origins are endless, memory is not). */
const mostOrigins = 1000

/**
 * The hint of one `nebiusCredentials()`: each origin is named once.
 *
 * @example
 * ```ts
 * const hint = outsideOriginHint()
 * if (hint.pending(origin)) return hint.watch(nextCall(options), origin)
 * ```
 */
export function outsideOriginHint() {
  const hinted = new Set<string>()
  const pending = (origin: string): boolean => !hinted.has(origin) && hinted.size < mostOrigins
  return {
    /** Whether a refusal from `origin` would still get the hint. */
    pending,
    /** `call`, its status given the hint if it is the first UNAUTHENTICATED from `origin`. */
    watch(call: ReturnType<NextCall>, origin: string): InterceptingCall {
      return new InterceptingCall(call, {
        start(metadata, listener, next) {
          // A caller's own authorization was sent: the server refused that, not a missing token.
          if (metadata.get('authorization').length > 0) {
            next(metadata, listener)
            return
          }
          next(metadata, {
            onReceiveStatus(status, nextStatus) {
              if (status.code !== GrpcStatus.UNAUTHENTICATED || !pending(origin)) {
                nextStatus(status)
                return
              }
              hinted.add(origin)
              const line = `(nebius-auth: no token was sent: ${origin} is not in origins)`
              nextStatus({ ...status, details: status.details === '' ? line : `${status.details} ${line}` })
            },
          })
        },
      })
    },
  }
}
