/**
 * The error family of nebius-auth. Every error has a stable `code`; tests and users branch on `code`,
 * never on message text. No message or enumerable property ever holds a token, an assertion, a private
 * key, a passphrase or a request body.
 */

// Symbol.for makes the marker global to the process, so two copies of this package (a duplicated
// dependency tree) still recognise each other's errors where `instanceof` would fail.
const marker = Symbol.for('@nebius-auth/core/NebiusAuthError')

/**
 * Every `code` this library gives its errors and its `refresh-failed` / `store-error` events. The README's
 * table of codes lists exactly these (a test keeps the two in step).
 *
 * @example
 * ```ts
 * function isRetryLater(code: NebiusAuthErrorCode): boolean {
 *   return code === 'ERR_EXCHANGE_UNAVAILABLE' || code === 'ERR_METADATA_UNAVAILABLE'
 * }
 * ```
 */
export type NebiusAuthErrorCode = (typeof errorCodes)[number]

// The codes as a value, for the test that keeps the README's table in step. Internal: users need the type.
export const errorCodes = [
  'ERR_KEY_INVALID',
  'ERR_CREDENTIALS_INVALID',
  'ERR_CREDENTIALS_NOT_FOUND',
  'ERR_CREDENTIALS_UNAVAILABLE',
  'ERR_CONFIG_INVALID',
  'ERR_PROFILE_NOT_FOUND',
  'ERR_ENV_TOKEN_INVALID',
  'ERR_TOKEN_FILE_INVALID',
  'ERR_TOKEN_FILE_UNREADABLE',
  'ERR_CLI_NOT_FOUND',
  'ERR_CLI_FAILED',
  'ERR_METADATA_UNAVAILABLE',
  'ERR_METADATA_INVALID_RESPONSE',
  'ERR_EXCHANGE_REJECTED',
  'ERR_EXCHANGE_UNAVAILABLE',
  'ERR_EXCHANGE_INVALID_RESPONSE',
  'ERR_EXTERNAL_TOKEN_EXPIRED',
  'ERR_EXTERNAL_TOKEN_INVALID',
  'ERR_EXTERNAL_TOKEN_UNAVAILABLE',
  'ERR_GITHUB_OIDC_UNAVAILABLE',
  'ERR_GITHUB_OIDC_FAILED',
  'ERR_REFRESH_TIMEOUT',
  'ERR_TOKEN_INVALID',
  'ERR_TOKEN_REJECTED',
  'ERR_TOKEN_EXPIRED',
  'ERR_PROVIDER_CLOSED',
  'ERR_UNKNOWN',
  'ERR_UNSUPPORTED_RUNTIME',
  'ERR_STORE_TIMEOUT',
  'ERR_STORE_FAILED',
  'ERR_STORE_MISCONFIGURED',
  'ERR_STORE_LOCKED',
  'ERR_STORE_LOCK_LOST',
] as const

/**
 * Options shared by every error constructor: the ES2022 `cause`, and whether the failure is transient.
 *
 * @example
 * ```ts
 * throw new CredentialsError('ERR_KEY_INVALID', 'the key file is empty', { cause: error })
 * throw new NebiusAuthError('ERR_STORE_TIMEOUT', 'the store took over 1000 ms', { transient: true })
 * ```
 */
export interface NebiusAuthErrorOptions {
  cause?: unknown
  /** Whether a later attempt may succeed (see {@link NebiusAuthError.transient}). Default `false`. */
  transient?: boolean
}

/**
 * Base class of every error this library throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   await provider.getToken()
 * } catch (error) {
 *   if (NebiusAuthError.isInstance(error) && error.code === 'ERR_EXCHANGE_REJECTED') rotateKey()
 * }
 * ```
 */
export class NebiusAuthError extends Error {
  /** A stable, documented identifier such as `ERR_KEY_INVALID`. */
  readonly code: NebiusAuthErrorCode
  /**
   * True when the failure is an outage a later attempt may get past, with the same credentials: the token
   * exchange could not be reached or kept failing (`ERR_EXCHANGE_UNAVAILABLE`, where it equals
   * {@link TokenExchangeError.retryable}), the VM metadata service was down, slow or answered 5xx or 429
   * (`ERR_METADATA_UNAVAILABLE`), the token store timed out (`ERR_STORE_TIMEOUT`), or a refresh took too
   * long (`ERR_REFRESH_TIMEOUT`). False for everything retrying cannot fix: missing or refused credentials,
   * an invalid response, a closed provider. Adapters map it to the client's "try again" signal, e.g. gRPC's
   * `UNAVAILABLE` instead of `UNAUTHENTICATED`.
   *
   * @example
   * ```ts
   * const error = await provider.getToken().catch((error: unknown) => error)
   * if (NebiusAuthError.isInstance(error) && error.transient) scheduleRetry()
   * ```
   */
  readonly transient: boolean

  constructor(code: NebiusAuthErrorCode, message: string, options?: NebiusAuthErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.transient = options?.transient === true
    Object.defineProperty(this, marker, { value: true })
  }

  override get name(): string {
    return this.constructor.name
  }

  /** True for errors from any copy of `@nebius-auth/core` loaded in this process. */
  static isInstance(value: unknown): value is NebiusAuthError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true
  }
}

/**
 * The {@link NebiusAuthError} in `error` or in its chain of `cause`s, or `undefined`. Some HTTP clients wrap
 * what a hook throws: got rejects with its own `RequestError` whose `cause` is our error, so
 * `NebiusAuthError.isInstance(error)` alone misses it. This finds it for every adapter alike.
 *
 * @example
 * ```ts
 * try {
 *   await api.get('v1/whoami')
 * } catch (error) {
 *   const authError = findNebiusAuthError(error)
 *   if (authError?.code === 'ERR_CREDENTIALS_NOT_FOUND') console.error('no Nebius credentials configured')
 * }
 * ```
 */
export function findNebiusAuthError(error: unknown): NebiusAuthError | undefined {
  let current = error
  // Bounded: a cause chain may be circular.
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    if (NebiusAuthError.isInstance(current)) return current
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * A key, a credentials file, a CLI profile or another credential source is missing or unusable.
 *
 * @example
 * ```ts
 * await importPrivateKey(pem).catch((error: unknown) => {
 *   if (error instanceof CredentialsError) console.error(error.code) // 'ERR_KEY_INVALID'
 * })
 * ```
 */
export class CredentialsError extends NebiusAuthError {}

/**
 * What a {@link TokenExchangeError} carries besides its message.
 *
 * @example
 * ```ts
 * const details: TokenExchangeErrorDetails = { status: 503, retryable: true }
 * throw new TokenExchangeError('ERR_EXCHANGE_UNAVAILABLE', 'the token endpoint answered HTTP 503', details)
 * ```
 */
export interface TokenExchangeErrorDetails extends NebiusAuthErrorOptions {
  status?: number
  error?: string
  errorDescription?: string
  retryable: boolean
}

/**
 * The token exchange failed: the server refused the assertion (`ERR_EXCHANGE_REJECTED`), could not be
 * reached or kept failing (`ERR_EXCHANGE_UNAVAILABLE`, `retryable`), or answered something that is not a
 * valid token response (`ERR_EXCHANGE_INVALID_RESPONSE`).
 *
 * @example
 * ```ts
 * if (error instanceof TokenExchangeError && error.code === 'ERR_EXCHANGE_REJECTED') {
 *   console.error(error.status, error.error) // 400 'invalid_grant'
 * }
 * ```
 */
export class TokenExchangeError extends NebiusAuthError {
  /** The HTTP status of the last response, when there was one. */
  readonly status?: number
  /** RFC 6749 §5.2 `error` code from the server, when it sent one. */
  readonly error?: string
  /** RFC 6749 §5.2 `error_description` from the server, when it sent one. */
  readonly errorDescription?: string
  /** Whether trying again later may succeed; the same as {@link NebiusAuthError.transient}. */
  readonly retryable: boolean

  /** `transient` always equals `retryable`: the exchange's own word on whether trying later may help. */
  constructor(code: NebiusAuthErrorCode, message: string, details: TokenExchangeErrorDetails) {
    super(code, message, { cause: details.cause, transient: details.retryable })
    if (details.status !== undefined) this.status = details.status
    if (details.error !== undefined) this.error = details.error
    if (details.errorDescription !== undefined) this.errorDescription = details.errorDescription
    this.retryable = details.retryable
  }
}

/**
 * The error every provider's `getToken` rejects with once `close()` was called: `ERR_PROVIDER_CLOSED`.
 *
 * @example
 * ```ts
 * if (closed) throw providerClosedError()
 * ```
 */
export function providerClosedError(): NebiusAuthError {
  return new NebiusAuthError('ERR_PROVIDER_CLOSED', 'The token provider was closed')
}

/**
 * The error a source of `chain()` throws to say "no credentials here, try the next one":
 * `CredentialsError` `ERR_CREDENTIALS_UNAVAILABLE`, with the message `<source> (<reason>)`. When no
 * source of a chain has credentials, these messages are the list in its `ERR_CREDENTIALS_NOT_FOUND`. Any
 * other error from a source stops the chain: a source that is there but broken must say so rather than
 * let a later one serve in its place. Neither argument may hold a secret; both end up in a message.
 *
 * @param source - What was looked at: `'NEBIUS_IAM_TOKEN'`, a file's path.
 * @param reason - Why it cannot serve: `'not set'`, `'not found'`.
 *
 * @example
 * ```ts
 * const fromVariable = () => {
 *   const token = process.env.MY_TOKEN
 *   if (token === undefined) throw credentialsUnavailable('MY_TOKEN', 'not set')
 *   return staticToken(token)
 * }
 * const provider = chain(fromVariable, serviceAccount({ credentialsFile: 'credentials.json' }))
 * ```
 */
export function credentialsUnavailable(source: string, reason: string): CredentialsError {
  return new CredentialsError('ERR_CREDENTIALS_UNAVAILABLE', `${source} (${reason})`)
}
