import { authorizeFetch, createRequestAuthorizer, type NebiusAuthOptions } from '@nebius-auth/core/adapter'
import type { KyInstance, Options } from 'ky'

type Fetch = typeof globalThis.fetch

/** ky's own default, looked up per call as ky does, so a fetch installed later (a test's, a polyfill) is used. */
const globalFetch: Fetch = (input, init) => globalThis.fetch(input, init)

/** The instance's base URL: `prefixUrl` on ky 1, `prefix` or `baseUrl` on ky 2; only an absolute one counts. */
function baseURLOf(defaults: Options): string | undefined {
  const { prefixUrl, prefix, baseUrl } = defaults as Record<string, unknown>
  return [prefixUrl, prefix, baseUrl]
    .map((value) => (typeof value === 'string' || value instanceof URL ? value.toString() : undefined))
    .find((value) => value !== undefined && URL.canParse(value))
}

/**
 * Returns a new ky instance, `instance.extend({ fetch })`, whose requests to allowed origins carry
 * `Authorization: Bearer <token>` and whose 401s are retried once with a fresh token. The original instance
 * is left as it was.
 *
 * - The token is added in the `fetch` ky calls for every attempt (the instance's own `fetch`, wrapped), so
 *   no hook of ours runs and ky clones no response for us. The `Request` objects ky and its hooks and errors
 *   hold (`HTTPError`, `TimeoutError`) never carry the token.
 * - Allowed origins by default: the instance's `prefixUrl` (ky 1) or `prefix`/`baseUrl` (ky 2) origin,
 *   plus `https://*.nebius.cloud` and `https://*.nebius.com`. A base URL given per request is not seen here:
 *   list it in `origins`.
 * - The 401 retry happens inside that one attempt: ky's hooks see only the final response, and ky's
 *   per-attempt `timeout` covers both sends. A `fetch` given per request replaces the instance's, and the
 *   adapter with it: wrap it with `@nebius-auth/fetch` or set it on the instance before calling this.
 *
 * @param instance - A ky instance: `ky` itself, or one from `ky.create()` / `ky.extend()`.
 * @param options - See `NebiusAuthOptions`. Invalid options throw a `TypeError` naming the option.
 * @returns The extended instance.
 *
 * @example
 * ```ts
 * import ky from 'ky'
 * import { serviceAccount } from '@nebius-auth/core'
 * import { withNebiusAuth } from '@nebius-auth/ky'
 *
 * const api = withNebiusAuth(ky.create({ prefixUrl: 'https://inference.example.com' }), {
 *   provider: serviceAccount({ credentialsFile: 'credentials.json' }),
 * })
 * const models = await api.get('v1/models').json()
 * ```
 */
export function withNebiusAuth(instance: KyInstance, options?: NebiusAuthOptions): KyInstance {
  if (typeof (instance as Partial<KyInstance> | undefined)?.extend !== 'function') {
    throw new TypeError('instance: expected a ky instance (ky, ky.create() or ky.extend())')
  }
  // Validated here, before ky is involved, so a bad option throws from this call.
  let authorizer = createRequestAuthorizer(options, { client: 'ky' })
  // The function form of extend hands over the parent's defaults: its base URL and its own fetch.
  return instance.extend((defaults) => {
    const baseURL = baseURLOf(defaults)
    if (baseURL !== undefined) authorizer = createRequestAuthorizer(options, { client: 'ky', baseURL })
    return { fetch: authorizeFetch(defaults.fetch ?? globalFetch, authorizer) }
  })
}
