import { cliProfile } from '#platform/providers'
import { apiServiceNames } from './nebius-service-names.js'

/**
 * Where a Nebius service lives: the options of `nebiusAddress` (`@nebius-auth/grpc`) and `nebiusBaseUrl`
 * (`@nebius-auth/connect`).
 *
 * @example
 * ```ts
 * const options: NebiusServiceAddressOptions = { profile: 'prod' }
 * ```
 */
export interface NebiusServiceAddressOptions {
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

function serviceNameOf(serviceOrName: unknown, caller: string): string {
  if (typeof serviceOrName !== 'string') {
    throw new TypeError(`${caller}: serviceOrName must be a string`)
  }
  const name = serviceOrName.trim()
  // No api_service_name has a `nebius` label: such a name is a package (`nebius.compute.v1`) or a host.
  if (apiServiceName.test(name) && !name.split('.').includes('nebius')) return name
  if (!fullServiceName.test(name)) {
    throw new TypeError(
      `${caller}: serviceOrName must be a Nebius service name (nebius.compute.v1.InstanceService) ` +
        'or an API service name (compute, cpl.iam)',
    )
  }
  const listed = apiServiceNames.get(name)
  if (listed !== undefined) return listed
  const [, area = '', ...rest] = name.split('.')
  // Operations are served at the address of the service that started them, so the name alone cannot say.
  if (area === 'common' && rest.at(-1) === 'OperationService') {
    throw new TypeError(
      `${caller}: OperationService is served at each service's own address: pass that service's name`,
    )
  }
  return area
}

function domainOf(options: NebiusServiceAddressOptions, caller: string): string {
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
  if (match === null) throw new TypeError(`${caller}: ${source} must be a host name with an optional port`)
  const port = match[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) {
    throw new TypeError(`${caller}: ${source} has a port outside 1-65535`)
  }
  // gRPC dials 443 for a TLS target without a port anyway; writing it keeps addresses as Nebius lists them.
  return port === undefined ? `${normalized}:443` : normalized
}

/**
 * `{api_service_name}.{domain}` for a Nebius service, as the official Nebius SDKs build it, with the port
 * (`compute.api.nebius.cloud:443`). The logic behind `nebiusAddress` and `nebiusBaseUrl`, whose docs
 * describe it; `caller` names the function in `TypeError` messages.
 *
 * @example
 * ```ts
 * nebiusServiceAddress('nebius.iam.v1.ProfileService', {}, 'nebiusAddress') // 'cpl.iam.api.nebius.cloud:443'
 * ```
 */
export function nebiusServiceAddress(
  serviceOrName: string,
  options: NebiusServiceAddressOptions,
  caller: string,
): string {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError(`${caller}: options must be an object`)
  }
  return `${serviceNameOf(serviceOrName, caller)}.${domainOf(options, caller)}`
}
