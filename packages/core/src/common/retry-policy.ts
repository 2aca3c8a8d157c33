/*
 * Core's one retry policy: how long to wait after a failure, and when to stop. Both retrying parts of core
 * use it. The token exchange retries the attempts of one call with `nextRetry`, which adds a limit of three
 * attempts and honours the server's `Retry-After` up to 10 s. The token cache retries a failed refresh with
 * `backoffDelay` alone and no attempt limit: it keeps serving the token it holds until that expires, and
 * without one, callers inside the backoff window fail fast instead of starting exchanges.
 */

/** The first retry's delay before jitter, in milliseconds. */
const initialDelay = 1000
/** Each further consecutive failure multiplies the delay by this factor. */
const delayMultiplier = 1.5
/** The longest delay before jitter, in milliseconds. */
const maximumDelay = 60_000
/** The delay varies by up to this fraction either way. */
const jitter = 0.2
/** Attempts of one operation, the first included. */
const maximumAttempts = 3
// A longer wait than this is left to the token cache, whose backoff keeps serving a valid token meanwhile.
const longestWait = 10_000

/**
 * The delay before retry number `attempt` (0 for the retry after the first failure), in milliseconds:
 * 1 s × 1.5 per attempt, capped at 60 s, ±20% jitter. The cap applies before the jitter, so retries at the
 * cap still spread between 48 s and 72 s instead of a whole fleet retrying on the same tick.
 *
 * @param attempt - Consecutive failures so far, minus one.
 * @param random - A source of numbers in [0, 1), such as `Math.random`; values outside are clamped.
 * @example
 * ```ts
 * backoffDelay(0, () => 0.5) // 1000
 * backoffDelay(2, () => 0) // 1800 (2250 − 20%)
 * backoffDelay(50, () => 0.5) // 60000
 * ```
 */
export function backoffDelay(attempt: number, random: () => number): number {
  const base = Math.min(initialDelay * delayMultiplier ** attempt, maximumDelay)
  // A misbehaving injected random must not produce a negative, huge or NaN delay.
  const value = random()
  const unit = Number.isNaN(value) ? 0.5 : Math.min(Math.max(value, 0), 1)
  return base * (1 - jitter + 2 * jitter * unit)
}

/**
 * What an operation does after a failed attempt: try again after `delay` ms, or give up. `tooLong` is set
 * when the wait, not the number of attempts, ended the retries.
 */
export type Retry =
  | { readonly retry: true; readonly delay: number }
  | { readonly retry: false; readonly tooLong: number | undefined }

const attemptsUsedUp: Retry = { retry: false, tooLong: undefined }

/**
 * Decides the next step of an operation whose attempt `failures` (1 for the first) failed in a way a later
 * attempt may get past: another attempt after the server's `retryAfter` or {@link backoffDelay}, unless
 * three attempts are used up or the wait would exceed 10 s. No random number is drawn once the attempts
 * are used up.
 *
 * @param failures - Attempts made so far, all failed.
 * @param retryAfter - The wait the server asked for (RFC 9110 `Retry-After`), in milliseconds, if any.
 * @param random - The jitter source of {@link backoffDelay}.
 * @example
 * ```ts
 * nextRetry(1, undefined, () => 0.5) // { retry: true, delay: 1000 }
 * nextRetry(1, 60_000, Math.random) // { retry: false, tooLong: 60000 }
 * nextRetry(3, undefined, Math.random) // { retry: false, tooLong: undefined }
 * ```
 */
export function nextRetry(failures: number, retryAfter: number | undefined, random: () => number): Retry {
  if (failures >= maximumAttempts) return attemptsUsedUp
  const delay = retryAfter ?? backoffDelay(failures - 1, random)
  return delay > longestWait ? { retry: false, tooLong: delay } : { retry: true, delay }
}
