import { homedir } from 'node:os'

import { CredentialsError } from '../common/errors.js'
import type { NebiusAuthEventListener } from '../common/events.js'
import type { TokenProvider } from '../common/types.js'
import { parseEndpoint } from '../exchange/token-exchange.js'
import { chain } from '../providers/chain.js'
import {
  cliOnPathProvider,
  credentialsFileProvider,
  environmentToken,
  metadataProbe,
  profileProvider,
  type EnvironmentContext,
} from './environment-sources.js'
import { named } from '../providers/named.js'
import { defaultMetadataEndpoint } from '../providers/vm-metadata.js'
import { federatedFromEnvironment } from './workload-identity-sources.js'

/**
 * Options of {@link fromEnvironment}.
 *
 * @example
 * ```ts
 * const options: FromEnvironmentOptions = { profile: 'prod', endpoint: 'https://auth.eu.nebius.com/oauth2/token/exchange' }
 * ```
 */
export interface FromEnvironmentOptions {
  /** The environment to read. Default `process.env`. `HOME` (or `USERPROFILE`) in it is the home directory. */
  env?: Record<string, string | undefined>
  /** The CLI profile to use; wins over `NEBIUS_PROFILE` and the config's default. */
  profile?: string
  /** The CLI config file. Default `~/.nebius/config.yaml`; a file given here must exist. */
  configFile?: string
  /**
   * The token exchange endpoint for the service-account variants. Default: `NEBIUS_AUTH_EXCHANGE_ENDPOINT`
   * from `env` when set (this library's own variable, not the Nebius CLI's), else `serviceAccount`'s
   * default, `https://auth.eu.nebius.com/oauth2/token/exchange`.
   */
  endpoint?: string
  /** The fetch for the service-account variants. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** The VM metadata token URL to probe. Default `http://metadata.nebius.internal/v1/iam/sa/token`. */
  metadataEndpoint?: string
  /** Refresh lifecycle events of the provider found, when it refreshes. */
  onEvent?: NebiusAuthEventListener
}

/** This library's own variable (not the Nebius CLI's) for the exchange endpoint of `fromEnvironment()`. */
const endpointVariable = 'NEBIUS_AUTH_EXCHANGE_ENDPOINT'

// What to do when nothing is found, at the end of ERR_CREDENTIALS_NOT_FOUND's message.
const nextStep =
  'Next step: set NEBIUS_IAM_TOKEN (for example to the output of `nebius iam get-access-token`), ' +
  'create a CLI profile with `nebius profile create`, or pass a provider such as ' +
  "serviceAccount({ credentialsFile: 'credentials.json' })"

function checkOptions(options: FromEnvironmentOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('fromEnvironment: options must be an object')
  }
  const { env, profile, configFile, endpoint, fetch, metadataEndpoint, onEvent } = options
  if (env !== undefined && (typeof env !== 'object' || (env as unknown) === null)) {
    throw new TypeError('fromEnvironment: env must be an object')
  }
  for (const [name, value] of Object.entries({ profile, configFile, endpoint, metadataEndpoint })) {
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new TypeError(`fromEnvironment: ${name} must be a non-empty string`)
    }
  }
  if (fetch !== undefined && typeof fetch !== 'function')
    throw new TypeError('fromEnvironment: fetch must be a function')
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new TypeError('fromEnvironment: onEvent must be a function')
  }
}

/** What the sources read, resolved once: the environment, the home directory, the shared provider options. */
function contextOf(options: FromEnvironmentOptions): EnvironmentContext {
  const { profile, configFile, fetch, onEvent } = options
  const env = options.env ?? process.env
  // Precedence: the `endpoint` option, then NEBIUS_AUTH_EXCHANGE_ENDPOINT, then serviceAccount's default.
  // Read at construction, like every option; checked at the first getToken, where errors belong.
  const endpoint = options.endpoint ?? (env[endpointVariable]?.trim() || undefined)
  return {
    env,
    injectedEnv: options.env !== undefined,
    // With an injected environment, the real home directory is off limits: tests must not read it.
    home: env.HOME?.trim() || env.USERPROFILE?.trim() || (options.env === undefined ? homedir() : undefined),
    profile,
    configFile,
    metadataEndpoint: options.metadataEndpoint ?? defaultMetadataEndpoint,
    onEvent,
    shared: {
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(fetch === undefined ? {} : { fetch }),
      ...(onEvent === undefined ? {} : { onEvent }),
    },
    checkEndpointVariable() {
      if (options.endpoint !== undefined || endpoint === undefined) return
      try {
        parseEndpoint(endpoint)
      } catch {
        throw new CredentialsError(
          'ERR_CONFIG_INVALID',
          `${endpointVariable} must be an absolute https: URL (http: only for a loopback host, such as the emulator)`,
        )
      }
    },
  }
}

/**
 * A provider that finds the credentials the environment offers, the way the Nebius SDKs and CLI do. The
 * first match wins:
 *
 * 1. `NEBIUS_IAM_TOKEN`: a ready token (`staticToken`).
 * 2. This library's own variables (not the Nebius CLI's) for CI jobs and pods:
 *    `NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID` with `NEBIUS_AUTH_FEDERATED_TOKEN_FILE`, or in GitHub
 *    Actions the job's OIDC token (audience `NEBIUS_AUTH_FEDERATED_AUDIENCE`) (`federatedCredentials`).
 * 3. The CLI config profile (`configFile`, default `~/.nebius/config.yaml`; profile: the `profile`
 *    option, `NEBIUS_PROFILE`, the config's `default`, the only profile): its `token-file` (`tokenFile`),
 *    or federated credentials from `federated-subject-credentials-file-path` and `service-account-id`
 *    (`federatedCredentials`, the file re-read per exchange), or a service account from
 *    `service-account-credentials-file-path`, or from `service-account-id`, `public-key-id` and
 *    `private-key-file-path` or an inline `private-key` (`serviceAccount`); with
 *    `impersonate-service-account-id`, what the profile yields acts as that account (`impersonate`). A
 *    `federation` profile needs the CLI, so the search goes on with that profile.
 * 4. `~/.nebius/credentials.json` (`serviceAccount`).
 * 5. A `nebius` executable in an absolute directory of `PATH` (`cliToken`), found without a shell.
 * 6. The VM metadata service (`vmMetadata`), if it hands out a token within 500 ms.
 *
 * It is a {@link chain} of these six sources, named `from-environment`. Nothing is read at construction.
 * The first `getToken` resolves the source, once; concurrent first calls share that resolution, and later
 * calls go straight to the provider found, `rejected` and `signal` included. A failed resolution is not
 * remembered: the next call searches again. Nothing found is one `CredentialsError`
 * (`ERR_CREDENTIALS_NOT_FOUND`) that lists everything tried; a source that exists but is broken
 * (`ERR_CONFIG_INVALID`, `ERR_PROFILE_NOT_FOUND`, `ERR_ENV_TOKEN_INVALID`) stops the search with its own
 * error rather than silently using something else.
 *
 * The profile's `endpoint` is the API host (such as `api.nebius.cloud`), not the token exchange
 * endpoint, and Nebius documents no mapping from one to the other, so it is not used: pass `endpoint`.
 *
 * @param options - See {@link FromEnvironmentOptions}.
 *
 * @example
 * ```ts
 * import { fromEnvironment } from '@nebius-auth/core'
 *
 * const provider = fromEnvironment()
 * const { token } = await provider.getToken()
 * ```
 */
export function fromEnvironment(options: FromEnvironmentOptions = {}): TokenProvider & { close(): void } {
  checkOptions(options)
  const context = contextOf(options)
  return named(
    'from-environment',
    chain(
      { hint: nextStep, onEvent: options.onEvent },
      () => environmentToken(context),
      () => federatedFromEnvironment(context.env, context.shared),
      () => profileProvider(context),
      () => credentialsFileProvider(context),
      () => cliOnPathProvider(context),
      () => metadataProbe(context),
    ),
  )
}
