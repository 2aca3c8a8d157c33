/**
 * Request counts of the throughput-bound scenarios. The issue asks for 100,000 soak requests and 200,000
 * leak-check requests per adapter; on the shared 2-core machine that takes far longer than the suite's
 * five-minute budget, so the default run uses smaller counts and `RELIABILITY_FULL=1` runs the full ones.
 * Each count can also be set on its own. docs/RELIABILITY.md states which counts produced its figures.
 */
const full = process.env.RELIABILITY_FULL === '1'

function count(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`)
  return value
}

export const soakRequestsPerAdapter = count('RELIABILITY_SOAK_REQUESTS', full ? 100_000 : 20_000)
export const leakRequestsPerAdapter = count('RELIABILITY_LEAK_REQUESTS', full ? 200_000 : 20_000)
/**
 * Requests before the first heap measurement: allocation caches, JIT and socket pools settle first. undici
 * (fetch, ky) keeps growing for the first few thousand requests, so the warm-up is half of a short run.
 */
export const leakWarmUpRequests = Math.min(
  count('RELIABILITY_LEAK_WARM_UP', 20_000),
  Math.floor(leakRequestsPerAdapter / 2),
)

/**
 * The time a step that sends `requests` requests may take: `base`, or 5 ms a request when that is longer,
 * i.e. it holds at 200 requests per second, a fifth of what this suite sees on a quiet 2-core machine. A
 * fixed timeout would fail the full counts on a busy machine for being slow, not for being wrong.
 *
 * @example
 * ```ts
 * it('completes every request', run, timeoutFor(leakRequestsPerAdapter, 120_000))
 * ```
 */
export function timeoutFor(requests: number, base: number): number {
  return Math.max(base, requests * 5)
}
