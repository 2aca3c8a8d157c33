import { CredentialsError } from '../common/errors.js'
import { maximumBodySize, readLimited } from '../exchange/exchange-response.js'

/**
 * Options of {@link githubActionsToken}.
 *
 * @example
 * ```ts
 * const options: GitHubActionsTokenOptions = { audience: 'nebius' }
 * ```
 */
export interface GitHubActionsTokenOptions {
  /** The `aud` claim to ask for. Default: GitHub's own (the repository owner's URL). */
  audience?: string
  /** Where `ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN` are read. Default `process.env`. */
  env?: Record<string, string | undefined>
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** Milliseconds the request may take. Default 10000. */
  timeout?: number
}

const defaultTimeout = 10_000

function unavailable(reason: string): CredentialsError {
  return new CredentialsError(
    'ERR_GITHUB_OIDC_UNAVAILABLE',
    `GitHub Actions OIDC token unavailable: ${reason}; give the job \`permissions: id-token: write\``,
  )
}

function failed(reason: string, cause?: unknown): CredentialsError {
  return new CredentialsError(
    'ERR_GITHUB_OIDC_FAILED',
    `GitHub Actions OIDC token request failed: ${reason}`,
    {
      cause,
    },
  )
}

function requestUrl(text: string, audience: string | undefined): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw unavailable('ACTIONS_ID_TOKEN_REQUEST_URL is not a URL')
  }
  const loopback = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(url.hostname)
  // The request token is a bearer credential: never over clear text except to this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw unavailable('ACTIONS_ID_TOKEN_REQUEST_URL is not an https: URL')
  }
  if (audience !== undefined) url.searchParams.set('audience', audience)
  return url
}

function validate(options: GitHubActionsTokenOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object')
  const { audience, env, fetch, timeout } = options
  if (audience !== undefined && (typeof audience !== 'string' || audience.trim() === '')) {
    throw new TypeError('options.audience must be a non-empty string')
  }
  if (env !== undefined && (typeof env !== 'object' || (env as unknown) === null)) {
    throw new TypeError('options.env must be an object')
  }
  if (fetch !== undefined && typeof fetch !== 'function')
    throw new TypeError('options.fetch must be a function')
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0))) {
    throw new TypeError('options.timeout must be a positive number of milliseconds')
  }
}

/**
 * A source of the GitHub Actions job's OIDC token, for {@link federatedCredentials}' `token`. Each call
 * asks GitHub for a fresh token (`ACTIONS_ID_TOKEN_REQUEST_URL`, authorized by
 * `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, both set by the runner when the job has `permissions: id-token:
 * write`). Nothing is read until the first call.
 *
 * Errors are `CredentialsError`s: `ERR_GITHUB_OIDC_UNAVAILABLE` when the variables are missing (not in
 * GitHub Actions, or no `id-token: write`), `ERR_GITHUB_OIDC_FAILED` when the request fails. Neither the
 * request token nor the OIDC token is ever in a message.
 *
 * Unlike the factories around it, this returns a function, not a provider: what it yields is the external
 * JWT that `federatedCredentials` sends as its actor token, never an access token a client could send, so
 * it goes into a provider (`token`) rather than standing for one, and is cached by that provider.
 *
 * @param options - `audience` (the `aud` claim), and `env`, `fetch`, `timeout` for tests.
 * @returns A function resolving to the JWT.
 *
 * @example
 * ```ts
 * // .github/workflows/deploy.yml: permissions: { id-token: write, contents: read }
 * import { federatedCredentials, githubActionsToken } from '@nebius-auth/core'
 *
 * const provider = federatedCredentials({
 *   serviceAccountId: process.env.NEBIUS_SERVICE_ACCOUNT_ID ?? '',
 *   token: githubActionsToken({ audience: 'nebius' }),
 * })
 * ```
 */
export function githubActionsToken(options: GitHubActionsTokenOptions = {}): () => Promise<string> {
  validate(options)
  const { audience, timeout = defaultTimeout } = options
  return async () => {
    const env =
      options.env ??
      (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ??
      {}
    const urlText = env.ACTIONS_ID_TOKEN_REQUEST_URL?.trim()
    const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN?.trim()
    if (!urlText) throw unavailable('ACTIONS_ID_TOKEN_REQUEST_URL is not set')
    if (!requestToken) throw unavailable('ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set')
    const url = requestUrl(urlText, audience?.trim())
    const fetchFunction = options.fetch ?? globalThis.fetch
    let response: Response
    let text: string | undefined
    try {
      response = await fetchFunction(url, {
        headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' },
        // A redirect would carry the request token to wherever the Location points.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeout),
      })
      text = await readLimited(response, maximumBodySize)
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${timeout} ms`
          : 'network error'
      throw failed(`${reason} from ${url.origin}`, error)
    }
    if (!response.ok) throw failed(`${url.origin} answered HTTP ${response.status}`)
    let value: unknown
    try {
      value = (JSON.parse(text ?? '') as { value?: unknown } | null)?.value
    } catch {
      value = undefined
    }
    if (typeof value !== 'string' || value === '')
      throw failed(`${url.origin} answered without a token value`)
    return value
  }
}
