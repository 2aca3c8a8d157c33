import { nebiusServiceAddress } from '@nebius-auth/core/adapter'

/**
 * Options of {@link nebiusBaseUrl}.
 *
 * @example
 * ```ts
 * const options: NebiusBaseUrlOptions = { profile: 'prod' }
 * ```
 */
export interface NebiusBaseUrlOptions {
  /**
   * The API domain, `host[:port]` (port 443 when left out). Default: the CLI profile's `endpoint`, else
   * `api.nebius.cloud:443`, as the official Nebius SDKs choose it.
   */
  domain?: string
  /** The CLI profile whose `endpoint` is the domain; wins over `NEBIUS_PROFILE` and the config's `default`. */
  profile?: string
  /** The CLI config file. Default `~/.nebius/config.yaml`; a file given here must exist. */
  configFile?: string
  /** The environment (`NEBIUS_PROFILE`, `HOME`). Default `process.env`. */
  env?: Record<string, string | undefined>
}

/**
 * The `baseUrl` of a Nebius AI Cloud service for `createGrpcTransport`, `https://{api_service_name}.{domain}`
 * as the official Nebius SDKs address it: `nebiusBaseUrl('nebius.compute.v1.InstanceService')` and
 * `nebiusBaseUrl('compute')` are `'https://compute.api.nebius.cloud'`, IAM's services
 * `'https://cpl.iam.api.nebius.cloud'`.
 *
 * A full service name is mapped to the `api_service_name` its proto declares (a built-in table for the
 * services not named after their package, such as IAM's `cpl.iam`); a short name passes through. The domain
 * is `options.domain`, else the `endpoint` of the Nebius CLI profile (read synchronously from
 * `~/.nebius/config.yaml`, the profile chosen as `fromEnvironment` chooses it), else `api.nebius.cloud:443`.
 * Port 443 is left out of the URL; any other port stays. The interceptor's default origins follow the CLI
 * profile's domain too; for a `domain` you pass yourself, list the URL in the interceptor's `origins`.
 *
 * @param serviceOrName - `nebius.<package>.<Service>` or an `api_service_name` such as `compute`.
 * @param options - See {@link NebiusBaseUrlOptions}.
 * @throws TypeError for a name of neither shape, `nebius.common.*.OperationService` (served at every
 *   service's address) or a domain that is not `host[:port]`; core's `CredentialsError` for a CLI config
 *   that cannot be read or a profile that is not there.
 *
 * @example
 * ```ts
 * import { createGrpcTransport } from '@connectrpc/connect-node'
 * import { nebiusAuthInterceptor, nebiusBaseUrl } from '@nebius-auth/connect'
 *
 * const transport = createGrpcTransport({
 *   baseUrl: nebiusBaseUrl('nebius.iam.v1.ProfileService'),
 *   interceptors: [nebiusAuthInterceptor()],
 * })
 * ```
 */
export function nebiusBaseUrl(serviceOrName: string, options: NebiusBaseUrlOptions = {}): string {
  const address = nebiusServiceAddress(serviceOrName, options, 'nebiusBaseUrl')
  return `https://${address.endsWith(':443') ? address.slice(0, -':443'.length) : address}`
}
