import { stat } from 'node:fs/promises'
import { join } from 'node:path'

import { CredentialsError, credentialsUnavailable, NebiusAuthError } from '../common/errors.js'
import type { NebiusAuthEvent, NebiusAuthEventListener } from '../common/events.js'
import type { TokenProvider } from '../common/types.js'
import type { CliProfile } from './cli-config.js'
import { readCliConfig, selectProfile } from './cli-config.js'
import { cliToken, findCliOnPath } from './cli-token.js'
import { serviceAccount } from '../providers/service-account.js'
import { staticToken, tokenProblem } from '../providers/static-token.js'
import { tokenFile } from './token-file.js'
import { vmMetadata } from '../providers/vm-metadata.js'
import {
  federatedFromProfile,
  withProfileImpersonation,
  type SharedProviderOptions,
} from './workload-identity-sources.js'

/*
 * The sources of fromEnvironment's chain, one function each, in the chain's order (the workload-identity
 * ones live in workload-identity-sources.ts). Each returns the provider its place offers, throws
 * credentialsUnavailable (its reason becomes one entry of the "tried" list), or throws the error of a
 * source that is there but broken.
 */

/** What the sources read: fromEnvironment's options, resolved once at its construction. */
export interface EnvironmentContext {
  readonly env: Record<string, string | undefined>
  /** Whether `env` was given, in which case the CLI runs with it too. */
  readonly injectedEnv: boolean
  readonly home: string | undefined
  /** The `profile` option. */
  readonly profile: string | undefined
  /** The `configFile` option. */
  readonly configFile: string | undefined
  readonly metadataEndpoint: string
  readonly onEvent: NebiusAuthEventListener | undefined
  /** What every provider built here gets. */
  readonly shared: SharedProviderOptions
  /** Throws `ERR_CONFIG_INVALID` when `NEBIUS_AUTH_EXCHANGE_ENDPOINT` is set to something unusable. */
  readonly checkEndpointVariable: () => void
}

type Provider = TokenProvider & { close?(): void }

// The metadata service answers within milliseconds on a VM; elsewhere its name does not resolve or the
// request hangs, and half a second is all a program off-cloud should pay for finding that out.
const probeTimeout = 500

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  )
}

/**
 * `NEBIUS_IAM_TOKEN`, a ready token. Every search starts here, so this is also where
 * `NEBIUS_AUTH_EXCHANGE_ENDPOINT` is checked: a broken value is reported whichever source is found.
 *
 * @example
 * ```ts
 * chain(() => environmentToken(context))
 * ```
 */
export function environmentToken(context: EnvironmentContext): Provider {
  context.checkEndpointVariable()
  const token = context.env.NEBIUS_IAM_TOKEN?.trim()
  if (token === undefined || token === '') throw credentialsUnavailable('NEBIUS_IAM_TOKEN', 'not set')
  const problem = tokenProblem(token)
  if (problem !== undefined)
    throw new CredentialsError('ERR_ENV_TOKEN_INVALID', `NEBIUS_IAM_TOKEN ${problem}`)
  return staticToken(token)
}

/** A file the profile names must exist; else an error that says which profile of which config named it. */
async function requireFile(profile: CliProfile, path: string, field: string, file: string): Promise<void> {
  if (await isFile(file)) return
  throw new CredentialsError(
    'ERR_CREDENTIALS_NOT_FOUND',
    `${file} does not exist or is not a file; profile "${profile.name}" in CLI config ${path} names it as ${field}`,
  )
}

/** The profile's own credentials, before any impersonation; unavailable for a profile that needs the CLI. */
async function ownProviderOf(
  profile: CliProfile,
  path: string,
  shared: SharedProviderOptions,
): Promise<Provider> {
  if (profile.tokenFile !== undefined) return tokenFile(profile.tokenFile)
  const federated = federatedFromProfile(profile, path, shared)
  if (federated !== undefined) return federated
  const { serviceAccountId, publicKeyId, privateKey, privateKeyFilePath } = profile
  const credentialsFile = profile.serviceAccountCredentialsFilePath
  const authType = profile.authType?.toLowerCase()
  const unusable = (): CredentialsError =>
    credentialsUnavailable(
      `CLI config ${path} profile "${profile.name}"`,
      authType === 'federation' ? 'federation, needs the CLI' : 'no token file or service account',
    )
  if (authType === 'federation') throw unusable()
  if (credentialsFile !== undefined) {
    await requireFile(profile, path, 'service-account-credentials-file-path', credentialsFile)
    return serviceAccount({ credentialsFile, ...shared })
  }
  const named = [serviceAccountId, publicKeyId, privateKey, privateKeyFilePath].some(
    (field) => field !== undefined,
  )
  if (!named && authType !== 'service account') throw unusable()
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

/**
 * The CLI config's profile (`configFile`, default `~/.nebius/config.yaml`; the `profile` option, then
 * `NEBIUS_PROFILE`, the config's `default`, the only profile), with its impersonation if it names one.
 *
 * @example
 * ```ts
 * chain(() => profileProvider(context))
 * ```
 */
export async function profileProvider(context: EnvironmentContext): Promise<Provider> {
  const { configFile, home, env, shared } = context
  const configPath = configFile ?? (home === undefined ? undefined : join(home, '.nebius', 'config.yaml'))
  if (configPath === undefined) throw credentialsUnavailable('CLI config', 'no home directory')
  const config = await readCliConfig(configPath, { home })
  if (config === undefined) {
    if (configFile === undefined) throw credentialsUnavailable(`CLI config ${configPath}`, 'not found')
    throw new CredentialsError(
      'ERR_CREDENTIALS_NOT_FOUND',
      `CLI config ${configFile} does not exist. Next step: check the configFile option, or leave it out to use ~/.nebius/config.yaml`,
    )
  }
  const profile = selectProfile(config, { profile: context.profile, env })
  if (profile === undefined) throw credentialsUnavailable(`CLI config ${config.path}`, 'no profiles')
  return withProfileImpersonation(profile, await ownProviderOf(profile, config.path, shared), shared)
}

/**
 * `~/.nebius/credentials.json`, the service account file the Nebius CLI writes.
 *
 * @example
 * ```ts
 * chain(() => credentialsFileProvider(context))
 * ```
 */
export async function credentialsFileProvider(context: EnvironmentContext): Promise<Provider> {
  const { home, shared } = context
  if (home === undefined) throw credentialsUnavailable('credentials.json', 'no home directory')
  const credentialsFile = join(home, '.nebius', 'credentials.json')
  if (!(await isFile(credentialsFile))) throw credentialsUnavailable(credentialsFile, 'not found')
  return serviceAccount({ credentialsFile, ...shared })
}

/**
 * A `nebius` executable in an absolute directory of `PATH`, run with the requested profile.
 *
 * @example
 * ```ts
 * chain(() => cliOnPathProvider(context))
 * ```
 */
export async function cliOnPathProvider(context: EnvironmentContext): Promise<Provider> {
  const { env, onEvent } = context
  const command = await findCliOnPath(env)
  if (command === undefined) throw credentialsUnavailable('nebius CLI on PATH', 'not found')
  const profile = context.profile?.trim() ?? (env.NEBIUS_PROFILE?.trim() || undefined)
  return cliToken({
    command,
    ...(profile === undefined ? {} : { profile }),
    // An injected environment is the CLI's environment too, so tests and sandboxes stay self-contained.
    ...(context.injectedEnv ? { env } : {}),
    ...(onEvent === undefined ? {} : { onEvent }),
  })
}

function describeProbeError(error: unknown): string {
  if (NebiusAuthError.isInstance(error)) return error.code
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${probeTimeout} ms`
  return 'unreachable'
}

/** Hands an event to the listener only: the cache that sent it has already written its debug line. */
function deliver(listener: NebiusAuthEventListener | undefined, event: NebiusAuthEvent): void {
  try {
    listener?.(event)
  } catch {
    // A listener's failure must never become a token failure.
  }
}

/**
 * The VM metadata service, if it hands out a token within 500 ms. The probe is a real token request, so
 * on a VM its token is cached rather than fetched twice. Its events are held back: a failed probe is one
 * step of the search, not a refresh that failed, and the search reports its own outcome. Once the probe
 * succeeds they are delivered.
 *
 * @example
 * ```ts
 * chain(() => metadataProbe(context))
 * ```
 */
export async function metadataProbe(context: EnvironmentContext): Promise<Provider> {
  const { metadataEndpoint, onEvent } = context
  let held: NebiusAuthEvent[] | undefined = []
  const metadata = vmMetadata({
    endpoint: metadataEndpoint,
    onEvent: (event) => {
      if (held === undefined) deliver(onEvent, event)
      else held.push(event)
    },
  })
  try {
    await metadata.getToken({ signal: AbortSignal.timeout(probeTimeout) })
  } catch (error) {
    metadata.close()
    throw credentialsUnavailable(`VM metadata ${metadataEndpoint}`, describeProbeError(error))
  }
  const events = held
  held = undefined
  for (const event of events) deliver(onEvent, event)
  return metadata
}
