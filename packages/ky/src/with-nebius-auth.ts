import type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
import type { Hooks, KyInstance, Options } from 'ky'

import { createHooks, withTransportCapture } from './nebius-auth-hooks.js'

/** The instance's base URL: `prefixUrl` on ky 1, `prefix` or `baseUrl` on ky 2; only an absolute one counts. */
function baseURLOf(defaults: Options): string | undefined {
  const { prefixUrl, prefix, baseUrl } = defaults as Record<string, unknown>
  return [prefixUrl, prefix, baseUrl]
    .map((value) => (typeof value === 'string' || value instanceof URL ? value.toString() : undefined))
    .find((value) => value !== undefined && URL.canParse(value))
}

/**
 * Returns a new ky instance, `instance.extend({ hooks })`, whose requests to allowed origins carry
 * `Authorization: Bearer <token>` and whose 401s are retried once with a fresh token. The original instance
 * is left as it was.
 *
 * - Allowed origins by default: the instance's `prefixUrl` (ky 1) or `prefix`/`baseUrl` (ky 2) origin,
 *   plus `https://*.nebius.cloud` and `https://*.nebius.com`. A base URL given per request is not seen here:
 *   list it in `origins`.
 * - The 401 handling runs before the instance's own `afterResponse` hooks, so they see the final response;
 *   `beforeRequest` and `beforeRetry` run after the instance's, so they see the final URL and headers.
 * - Once a response is final, the `Request` that hooks and `HTTPError` hand back shows our header sanitized
 *   (`Bearer v1.abc.**`); the instance's own `afterResponse` and `beforeError` hooks already see it so.
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
  let parentHooks: Hooks = {}
  let baseURL: string | undefined
  // The function form of extend hands over the parent's defaults. Setting a hook list to undefined empties
  // it (ky 1 and 2), so the parent's afterResponse and beforeError hooks can be put back after ours below.
  const emptied = instance.extend((defaults) => {
    parentHooks = defaults.hooks ?? {}
    baseURL = baseURLOf(defaults)
    return { hooks: { afterResponse: undefined, beforeError: undefined } }
  })
  const hooks = createHooks(options, baseURL)
  return emptied.extend({
    hooks: withTransportCapture({
      ...hooks,
      afterResponse: [...hooks.afterResponse, ...(parentHooks.afterResponse ?? [])],
      beforeError: [...hooks.beforeError, ...(parentHooks.beforeError ?? [])],
    }),
  })
}
