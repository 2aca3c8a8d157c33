import type { CliProfile } from './cli-config.js'
import { CredentialsError, credentialsUnavailable } from '../common/errors.js'
import type { NebiusAuthEventListener } from '../common/events.js'
import { federatedCredentials } from '../providers/federated-credentials.js'
import { githubActionsToken } from '../providers/github-actions-token.js'
import { impersonate } from '../providers/impersonate.js'
import { closingAlso, named } from '../providers/named.js'
import type { TokenProvider } from '../common/types.js'

/*
 * The workload-identity sources of fromEnvironment: a CLI profile's federated credentials and
 * impersonation (as the Nebius CLI reads them), and this library's own NEBIUS_AUTH_FEDERATED_*
 * variables for CI jobs and Kubernetes pods that have no CLI config.
 */

/** What fromEnvironment passes on to every provider it builds. */
export interface SharedProviderOptions {
  endpoint?: string
  fetch?: typeof globalThis.fetch
  onEvent?: NebiusAuthEventListener
}

type Provider = TokenProvider & { close?(): void }

/**
 * A profile's federated credentials (`federated-subject-credentials-file-path` with
 * `service-account-id`), the file re-read for every exchange; `undefined` when the profile has none.
 *
 * @example
 * ```ts
 * const provider = federatedFromProfile(profile, config.path, { endpoint })
 * ```
 */
export function federatedFromProfile(
  profile: CliProfile,
  path: string,
  shared: SharedProviderOptions,
): Provider | undefined {
  const tokenFile = profile.federatedSubjectCredentialsFilePath
  if (tokenFile === undefined) return undefined
  const { serviceAccountId } = profile
  if (serviceAccountId === undefined) {
    throw new CredentialsError(
      'ERR_CONFIG_INVALID',
      `Profile "${profile.name}" in CLI config ${path} has federated-subject-credentials-file-path without service-account-id`,
    )
  }
  return federatedCredentials({ serviceAccountId, tokenFile, ...shared })
}

/**
 * Wraps what a profile yields in {@link impersonate} when it names `impersonate-service-account-id`;
 * closing the result closes the profile's own provider too, as fromEnvironment created both. The result
 * is the impersonation's own provider otherwise: same name, same warm path.
 *
 * @example
 * ```ts
 * return withProfileImpersonation(profile, tokenFile(profile.tokenFile), shared)
 * ```
 */
export function withProfileImpersonation(
  profile: CliProfile,
  provider: Provider,
  shared: SharedProviderOptions,
): Provider {
  const serviceAccountId = profile.impersonateServiceAccountId
  if (serviceAccountId === undefined) return provider
  const impersonated = impersonate({ serviceAccountId, actor: provider, ...shared })
  return named(
    'impersonate',
    closingAlso(impersonated, () => provider.close?.()),
  )
}

/**
 * This library's own variables (not the Nebius CLI's), for CI jobs and pods without a CLI config:
 * `NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID` with `NEBIUS_AUTH_FEDERATED_TOKEN_FILE` (a Kubernetes
 * projected token, any OIDC token in a file), or inside GitHub Actions with `id-token: write`, the job's
 * token (audience `NEBIUS_AUTH_FEDERATED_AUDIENCE`, default GitHub's). Unavailable (see
 * `credentialsUnavailable`) when none is set; a half-configured set is `ERR_CONFIG_INVALID` rather than a
 * silent fall-through.
 *
 * @example
 * ```ts
 * chain(() => federatedFromEnvironment(process.env, {}))
 * ```
 */
export function federatedFromEnvironment(
  env: Record<string, string | undefined>,
  shared: SharedProviderOptions,
): Provider {
  const serviceAccountId = env.NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID?.trim() || undefined
  const tokenFile = env.NEBIUS_AUTH_FEDERATED_TOKEN_FILE?.trim() || undefined
  const audience = env.NEBIUS_AUTH_FEDERATED_AUDIENCE?.trim() || undefined
  if (serviceAccountId === undefined) {
    if (tokenFile === undefined && audience === undefined) {
      throw credentialsUnavailable('NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID', 'not set')
    }
    throw new CredentialsError(
      'ERR_CONFIG_INVALID',
      'NEBIUS_AUTH_FEDERATED_TOKEN_FILE and NEBIUS_AUTH_FEDERATED_AUDIENCE need NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID',
    )
  }
  if (tokenFile !== undefined) return federatedCredentials({ serviceAccountId, tokenFile, ...shared })
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL?.trim()) {
    const token = githubActionsToken({ env, ...(audience === undefined ? {} : { audience }) })
    return federatedCredentials({
      serviceAccountId,
      token,
      ...shared,
    })
  }
  throw new CredentialsError(
    'ERR_CONFIG_INVALID',
    'NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID is set but there is no token: set NEBIUS_AUTH_FEDERATED_TOKEN_FILE, or run in GitHub Actions with `permissions: id-token: write`',
  )
}
