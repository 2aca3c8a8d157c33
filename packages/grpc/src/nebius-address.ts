import { cliProfile } from '@nebius-auth/core'
import { apiServiceNames } from './nebius-service-names.js'

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

/** The domain of the Nebius AI Cloud API when no profile names another. */
const defaultDomain = 'api.nebius.cloud:443'

// `nebius.<package…>.<Service>`: lower-case package parts, then the service's UpperCamelCase name.
const fullServiceName = /^nebius(?:\.[a-z][a-z0-9_]*)+\.[A-Z][A-Za-z0-9]*$/
// An api_service_name: dot-separated DNS labels (`compute`, `cpl.iam`, `api.calculator.billing-data-plane`).
const label = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?'
const apiServiceName = new RegExp(`^${label}(?:\\.${label})*$`)
const hostAndPort = new RegExp(`^${label}(?:\\.${label})*(?::(\\d{1,5}))?$`)

function serviceNameOf(serviceOrName: unknown): string {
  if (typeof serviceOrName !== 'string') {
    throw new TypeError('nebiusAddress: serviceOrName must be a string')
  }
  const name = serviceOrName.trim()
  // No api_service_name has a `nebius` label: such a name is a package (`nebius.compute.v1`) or a host.
  if (apiServiceName.test(name) && !name.split('.').includes('nebius')) return name
  if (!fullServiceName.test(name)) {
    throw new TypeError(
      'nebiusAddress: serviceOrName must be a Nebius service name (nebius.compute.v1.InstanceService) ' +
        'or an API service name (compute, cpl.iam)',
    )
  }
  const listed = apiServiceNames.get(name)
  if (listed !== undefined) return listed
  const [, area = '', ...rest] = name.split('.')
  // Operations are served at the address of the service that started them, so the name alone cannot say.
  if (area === 'common' && rest.at(-1) === 'OperationService') {
    throw new TypeError(
      "nebiusAddress: OperationService is served at each service's own address: pass that service's name",
    )
  }
  return area
}

function domainOf(options: NebiusAddressOptions): string {
  const { domain, profile, configFile, env } = options
  let chosen = domain
  let source = 'domain'
  if (chosen === undefined) {
    chosen = cliProfile({ profile, configFile, env })?.endpoint
    source = "the CLI profile's endpoint"
  }
  if (chosen === undefined) return defaultDomain
  const normalized = typeof chosen === 'string' ? chosen.trim().toLowerCase() : ''
  const match = hostAndPort.exec(normalized)
  if (match === null)
    throw new TypeError(`nebiusAddress: ${source} must be a host name with an optional port`)
  const port = match[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) {
    throw new TypeError(`nebiusAddress: ${source} has a port outside 1-65535`)
  }
  // gRPC dials 443 for a TLS target without a port anyway; writing it keeps addresses as Nebius lists them.
  return port === undefined ? `${normalized}:443` : normalized
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
 * The token goes only to allowed origins, by default `https://*.nebius.cloud` and `https://*.nebius.com`.
 * For a domain outside them (a profile's own `endpoint`), list the address's origin:
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
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('nebiusAddress: options must be an object')
  }
  const name = serviceNameOf(serviceOrName)
  return `${name}.${domainOf(options)}`
}
