/**
 * The allowed origins of the gRPC adapters follow the domain their service addresses resolve to
 * (`nebiusAddress`, `nebiusBaseUrl`): with no `origins` option, the defaults plus `https://*.<domain>` for
 * the Nebius CLI profile's `endpoint`, so a profile with its own endpoint works without listing origins by
 * hand. The config is read at the first origin decision, never when `origins` is given; a missing or broken
 * config (or a runtime without files) means just the defaults.
 */
import type { NebiusAuthOptions } from './adapter-support.js'
import { nebiusServiceAddress } from './nebius-service-address.js'
import { createOriginMatcher, defaultNebiusOrigins } from './origins.js'

/**
 * The origins to allow: the defaults, and `https://*.<domain>` for the profile's endpoint when it has one.
 *
 * @example
 * ```ts
 * profileOrigins({ HOME: '/home/me' }) // [...defaultNebiusOrigins, 'https://*.api.own.example:443']
 * ```
 */
export function profileOrigins(env?: Record<string, string | undefined>): readonly string[] {
  try {
    // Any service name will do: only the domain after its first label is wanted.
    const domain = nebiusServiceAddress('x', env === undefined ? {} : { env }, 'origins').slice('x.'.length)
    if (domain === 'api.nebius.cloud:443') return defaultNebiusOrigins
    const origins = [...defaultNebiusOrigins, `https://*.${domain}`]
    createOriginMatcher(origins)
    return origins
  } catch {
    return defaultNebiusOrigins
  }
}

/**
 * `options` with `origins` set to a check that reads the profile at its first use, when `origins` is not
 * given; `options` as it is otherwise (an invalid one is left for the authorizer to refuse).
 *
 * @example
 * ```ts
 * const authorizer = createRequestAuthorizer(followingProfile(options), { client: 'connect' })
 * ```
 */
export function followingProfile(
  options: NebiusAuthOptions | undefined,
  env?: Record<string, string | undefined>,
): NebiusAuthOptions | undefined {
  if (options !== undefined && (typeof options !== 'object' || (options as unknown) === null)) return options
  if (options?.origins !== undefined) return options
  let allowed: ((url: URL) => boolean) | undefined
  return { ...options, origins: (url) => (allowed ??= createOriginMatcher(profileOrigins(env)))(url) }
}
