import { abortable, markHonoursSignal } from '../common/abortable.js'
import { stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { CliProfile } from './cli-config.js'
import { readCliConfig, selectProfile } from './cli-config.js'
import { cliToken, findCliOnPath } from './cli-token.js'
import { CredentialsError, NebiusAuthError, providerClosedError } from '../common/errors.js'
import { emitEvent, type NebiusAuthEvent, type NebiusAuthEventListener } from '../common/events.js'
import { serviceAccount } from './service-account.js'
import { staticToken, tokenProblem } from './static-token.js'
import { parseEndpoint } from '../exchange/token-exchange.js'
import { tokenFile } from './token-file.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { defaultMetadataEndpoint, vmMetadata } from './vm-metadata.js'
import {
  federatedFromEnvironment,
  federatedFromProfile,
  withProfileImpersonation,
} from './workload-identity-sources.js'

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

type Provider = TokenProvider & { close?(): void }

/** This library's own variable (not the Nebius CLI's) for the exchange endpoint of `fromEnvironment()`. */
const endpointVariable = 'NEBIUS_AUTH_EXCHANGE_ENDPOINT'

// What to do when nothing is found, at the end of ERR_CREDENTIALS_NOT_FOUND's message.
const nextStep =
  'Next step: set NEBIUS_IAM_TOKEN (for example to the output of `nebius iam get-access-token`), ' +
  'create a CLI profile with `nebius profile create`, or pass a provider such as ' +
  "serviceAccount({ credentialsFile: 'credentials.json' })"

// The metadata service answers within milliseconds on a VM; elsewhere its name does not resolve or the
// request hangs, and half a second is all a program off-cloud should pay for finding that out.
const probeTimeout = 500

function checkOptions(options: FromEnvironmentOptions): void {
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

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  )
}

function describeError(error: unknown): string {
  if (NebiusAuthError.isInstance(error)) return error.code
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${probeTimeout} ms`
  return 'unreachable'
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
 * Nothing is read at construction. The first `getToken` resolves the source, once; concurrent first calls
 * share that resolution, and later calls go straight to the provider found, `rejected` and `signal`
 * included. A failed resolution is not remembered: the next call searches again. Nothing found is one
 * `CredentialsError` (`ERR_CREDENTIALS_NOT_FOUND`) that lists everything tried; a source that exists
 * but is broken (`ERR_CONFIG_INVALID`, `ERR_PROFILE_NOT_FOUND`, `ERR_ENV_TOKEN_INVALID`) stops the
 * search with its own error rather than silently using something else.
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
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new TypeError('fromEnvironment: options must be an object')
  }
  checkOptions(options)
  const { profile: profileOption, configFile, fetch, onEvent } = options
  const metadataEndpoint = options.metadataEndpoint ?? defaultMetadataEndpoint
  const env = options.env ?? process.env
  // Precedence: the `endpoint` option, then NEBIUS_AUTH_EXCHANGE_ENDPOINT, then serviceAccount's default.
  // Read at construction, like every option; checked at the first getToken, where errors belong.
  const endpoint = options.endpoint ?? (env[endpointVariable]?.trim() || undefined)
  function checkEndpointVariable(): void {
    if (options.endpoint !== undefined || endpoint === undefined) return
    try {
      parseEndpoint(endpoint)
    } catch {
      throw new CredentialsError(
        'ERR_CONFIG_INVALID',
        `${endpointVariable} must be an absolute https: URL (http: only for a loopback host, such as the emulator)`,
      )
    }
  }
  // With an injected environment, the real home directory is off limits: tests must not read it.
  const home =
    env.HOME?.trim() || env.USERPROFILE?.trim() || (options.env === undefined ? homedir() : undefined)
  const shared = {
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(fetch === undefined ? {} : { fetch }),
    ...(onEvent === undefined ? {} : { onEvent }),
  }

  /** A file the profile names must exist; else an error that says which profile of which config named it. */
  async function requireFile(profile: CliProfile, path: string, field: string, file: string): Promise<void> {
    if (await isFile(file)) return
    throw new CredentialsError(
      'ERR_CREDENTIALS_NOT_FOUND',
      `${file} does not exist or is not a file; profile "${profile.name}" in CLI config ${path} names it as ${field}`,
    )
  }

  async function fromProfile(profile: CliProfile, path: string): Promise<Provider | undefined> {
    const provider = await ownProviderOf(profile, path)
    return provider === undefined ? undefined : withProfileImpersonation(profile, provider, shared)
  }

  async function ownProviderOf(profile: CliProfile, path: string): Promise<Provider | undefined> {
    if (profile.tokenFile !== undefined) return tokenFile(profile.tokenFile)
    const federated = federatedFromProfile(profile, path, shared)
    if (federated !== undefined) return federated
    const { serviceAccountId, publicKeyId, privateKey, privateKeyFilePath } = profile
    const credentialsFile = profile.serviceAccountCredentialsFilePath
    const authType = profile.authType?.toLowerCase()
    if (authType === 'federation') return undefined
    if (credentialsFile !== undefined) {
      await requireFile(profile, path, 'service-account-credentials-file-path', credentialsFile)
      return serviceAccount({ credentialsFile, ...shared })
    }
    const named = [serviceAccountId, publicKeyId, privateKey, privateKeyFilePath].some(
      (field) => field !== undefined,
    )
    if (!named && authType !== 'service account') return undefined
    const missing = [
      serviceAccountId === undefined ? 'service-account-id' : undefined,
      publicKeyId === undefined ? 'public-key-id' : undefined,
      privateKey === undefined && privateKeyFilePath === undefined
        ? 'private-key-file-path or private-key'
        : undefined,
    ].filter((field) => field !== undefined)
    if (serviceAccountId === undefined || publicKeyId === undefined || missing.length > 0) {
      throw new CredentialsError(
        'ERR_CONFIG_INVALID',
        `Profile "${profile.name}" in CLI config ${path} is a service account profile without ${missing.join(', ')}`,
      )
    }
    if (privateKeyFilePath !== undefined) {
      await requireFile(profile, path, 'private-key-file-path', privateKeyFilePath)
    }
    const key = privateKeyFilePath === undefined ? { privateKey } : { privateKeyFile: privateKeyFilePath }
    return serviceAccount({ serviceAccountId, publicKeyId, ...key, ...shared })
  }

  async function resolve(): Promise<Provider> {
    checkEndpointVariable()
    const tried: string[] = []

    const environmentToken = env.NEBIUS_IAM_TOKEN?.trim()
    if (environmentToken !== undefined && environmentToken !== '') {
      const problem = tokenProblem(environmentToken)
      if (problem !== undefined)
        throw new CredentialsError('ERR_ENV_TOKEN_INVALID', `NEBIUS_IAM_TOKEN ${problem}`)
      return staticToken(environmentToken)
    }
    tried.push('NEBIUS_IAM_TOKEN (not set)')

    const federated = federatedFromEnvironment(env, shared)
    if (federated !== undefined) return federated
    tried.push('NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID (not set)')

    const requestedProfile = profileOption?.trim() ?? (env.NEBIUS_PROFILE?.trim() || undefined)
    const configPath = configFile ?? (home === undefined ? undefined : join(home, '.nebius', 'config.yaml'))
    const config = configPath === undefined ? undefined : await readCliConfig(configPath, { home })
    if (configPath === undefined) tried.push('CLI config (no home directory)')
    else if (config === undefined) {
      if (configFile !== undefined) {
        throw new CredentialsError(
          'ERR_CREDENTIALS_NOT_FOUND',
          `CLI config ${configFile} does not exist. Next step: check the configFile option, or leave it out to use ~/.nebius/config.yaml`,
        )
      }
      tried.push(`CLI config ${configPath} (not found)`)
    } else {
      const profile = selectProfile(config, { profile: profileOption, env })
      const provider = profile === undefined ? undefined : await fromProfile(profile, config.path)
      if (provider !== undefined) return provider
      tried.push(
        profile === undefined
          ? `CLI config ${config.path} (no profiles)`
          : `CLI config ${config.path} profile "${profile.name}" (${
              profile.authType?.toLowerCase() === 'federation'
                ? 'federation, needs the CLI'
                : 'no token file or service account'
            })`,
      )
    }

    const credentialsFile = home === undefined ? undefined : join(home, '.nebius', 'credentials.json')
    if (credentialsFile !== undefined && (await isFile(credentialsFile))) {
      return serviceAccount({ credentialsFile, ...shared })
    }
    tried.push(
      credentialsFile === undefined
        ? 'credentials.json (no home directory)'
        : `${credentialsFile} (not found)`,
    )

    const command = await findCliOnPath(env)
    if (command !== undefined) {
      const profile = requestedProfile === undefined ? {} : { profile: requestedProfile }
      // An injected environment is the CLI's environment too, so tests and sandboxes stay self-contained.
      return cliToken({
        command,
        ...profile,
        ...(options.env === undefined ? {} : { env }),
        ...(onEvent === undefined ? {} : { onEvent }),
      })
    }
    tried.push('nebius CLI on PATH (not found)')

    // The probe's events are held back: a failed probe is one step of the search, not a refresh that
    // failed, and the search reports its own outcome. Once the probe succeeds they are delivered.
    let held: NebiusAuthEvent[] | undefined = []
    const probeListener: NebiusAuthEventListener = (event) => {
      if (held === undefined) emitEvent(onEvent, event)
      else held.push(event)
    }
    const metadata = vmMetadata({ endpoint: metadataEndpoint, onEvent: probeListener })
    try {
      // The probe is a real token request, so on a VM its token is cached rather than fetched twice.
      await metadata.getToken({ signal: AbortSignal.timeout(probeTimeout) })
      const events = held
      held = undefined
      for (const event of events) emitEvent(onEvent, event)
      return metadata
    } catch (error) {
      metadata.close()
      tried.push(`VM metadata ${metadataEndpoint} (${describeError(error)})`)
    }

    throw new CredentialsError(
      'ERR_CREDENTIALS_NOT_FOUND',
      `No Nebius credentials found; tried ${tried.join('; ')}. ${nextStep}`,
    )
  }

  let resolved: Provider | undefined
  let resolving: Promise<Provider> | undefined
  let closed = false

  function resolveOnce(): Promise<Provider> {
    const startedAt = Date.now()
    resolving ??= resolve().then(
      (provider) => {
        if (closed) {
          provider.close?.()
          throw providerClosedError()
        }
        resolved = provider
        return provider
      },
      (error: unknown) => {
        // Not remembered: credentials may appear later (a login, a mounted file, a booted VM).
        resolving = undefined
        // The event carries the code the caller is about to see.
        const code = NebiusAuthError.isInstance(error) ? error.code : 'ERR_UNKNOWN'
        emitEvent(onEvent, {
          type: 'refresh-failed',
          provider: 'from-environment',
          code,
          duration: Date.now() - startedAt,
        })
        throw error
      },
    )
    return resolving
  }

  async function resolveThenGet(callOptions?: GetTokenOptions): Promise<AccessToken> {
    if (closed) throw providerClosedError()
    callOptions?.signal?.throwIfAborted()
    // A caller's signal ends that caller's wait only; the shared resolution goes on for the others.
    const provider = resolved ?? (await abortable(resolveOnce(), callOptions?.signal))
    return provider.getToken(callOptions)
  }

  // Every source it resolves to is one of core's own providers, which settle at once on an abort.
  return markHonoursSignal({
    getToken(callOptions?: GetTokenOptions): Promise<AccessToken> {
      // Once resolved, the source's own promise goes out as it is: a warm call stays allocation-free.
      return resolved === undefined ? resolveThenGet(callOptions) : resolved.getToken(callOptions)
    },
    peek(): AccessToken | undefined {
      return resolved?.peek?.()
    },
    close(): void {
      closed = true
      resolved?.close?.()
      resolved = undefined
    },
  })
}
