import { nebiusServiceAddress } from '@nebius-auth/core/adapter'

/**
 * Options of {@link nebiusAddress}.
 *
 * @example
 * ```ts
 * const options: NebiusAddressOptions = { profile: 'prod' }
 * ```
 */
export interface NebiusAddressOptions {
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
 * The address of a Nebius AI Cloud service, `{api_service_name}.{domain}`, as the official Nebius SDKs
 * build it: `nebiusAddress('nebius.compute.v1.InstanceService')` and `nebiusAddress('compute')` are
 * `'compute.api.nebius.cloud:443'`, `nebiusAddress('nebius.iam.v1.ProfileService')` is
 * `'cpl.iam.api.nebius.cloud:443'`.
 *
 * A full service name is mapped to the `api_service_name` its proto declares (a built-in table for the
 * services not named after their package, such as IAM's `cpl.iam`); a short name passes through. The domain
 * is `options.domain`, else the `endpoint` of the Nebius CLI profile (read synchronously from
 * `~/.nebius/config.yaml` with the same profile choice as `fromEnvironment`: `options.profile`,
 * `NEBIUS_PROFILE`, the config's `default`, the only profile), else `api.nebius.cloud:443`.
 *
 * The token goes only to allowed origins: by default `https://*.nebius.cloud`, `https://*.nebius.com` and,
 * when `nebiusCredentials()` gets no `origins`, `https://*.<domain>` of the same CLI profile's `endpoint`.
 * For a `domain` you pass yourself, list the address's origin:
 * `nebiusCredentials({ origins: ['https://' + address] })`.
 *
 * @param serviceOrName - `nebius.<package>.<Service>` or an `api_service_name` such as `compute`.
 * @param options - See {@link NebiusAddressOptions}.
 * @returns `host:port`, for a grpc-js client constructor.
 * @throws TypeError for a name of neither shape, `nebius.common.*.OperationService` (served at every
 *   service's address) or a domain that is not `host[:port]`; core's `CredentialsError` for a CLI config
 *   that cannot be read or a profile that is not there.
 *
 * @example
 * ```ts
 * import { nebiusAddress, nebiusCredentials } from '@nebius-auth/grpc'
 *
 * const instances = new InstanceServiceClient(nebiusAddress('compute'), ...nebiusCredentials())
 * ```
 */
export function nebiusAddress(serviceOrName: string, options: NebiusAddressOptions = {}): string {
  return nebiusServiceAddress(serviceOrName, options, 'nebiusAddress')
}
