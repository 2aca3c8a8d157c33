/**
 * How long a token cache waits before it retries a failed refresh (docs/ARCHITECTURE.md, "Cache rules"): 1 s ×
 * 1.5 per attempt, capped at 60 s, ±20% jitter. The cap applies before the jitter, so retries at the cap
 * still spread between 48 s and 72 s instead of a whole fleet retrying on the same tick.
 */

/** The first retry's delay before jitter, in milliseconds. */
export const initialBackoff = 1000
/** Each further consecutive failure multiplies the delay by this factor. */
export const backoffMultiplier = 1.5
/** The longest delay before jitter, in milliseconds. */
export const maximumBackoff = 60_000
/** The delay varies by up to this fraction either way. */
export const backoffJitter = 0.2

/**
 * The delay before retry number `attempt` (0 for the retry after the first failure), in milliseconds.
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
  const base = Math.min(initialBackoff * backoffMultiplier ** attempt, maximumBackoff)
  // A misbehaving injected random must not produce a negative, huge or NaN delay.
  const value = random()
  const unit = Number.isNaN(value) ? 0.5 : Math.min(Math.max(value, 0), 1)
  return base * (1 - backoffJitter + 2 * backoffJitter * unit)
}
