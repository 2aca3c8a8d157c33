/**
 * WebCrypto's `CryptoKey`, described by the fields core reads, so that the declarations need neither the
 * DOM library nor `@types/node`. Any runtime's `CryptoKey` (`crypto.subtle.importKey`) fits it.
 *
 * @example
 * ```ts
 * const privateKey: CryptoKey = await crypto.subtle.importKey('pkcs8', der, rs256, false, ['sign'])
 * ```
 */
export interface CryptoKey {
  readonly type: string
  readonly extractable: boolean
  readonly algorithm: { readonly name: string }
  readonly usages: readonly string[]
}

/**
 * Node's `KeyObject` (from `node:crypto`), described by the fields core reads, so that the declarations
 * compile without `@types/node` on runtimes that have no such class.
 *
 * @example
 * ```ts
 * const privateKey: KeyObject = createPrivateKey(pem) // node:crypto
 * ```
 */
export interface KeyObject {
  readonly type: string
  readonly asymmetricKeyType?: string | undefined
}

/**
 * A bearer token and the moment it stops being valid.
 *
 * @example
 * ```ts
 * const { token, expiresAt } = await provider.getToken()
 * headers.set('authorization', `Bearer ${token}`)
 * console.log(new Date(expiresAt).toISOString())
 * ```
 */
export interface AccessToken {
  readonly token: string
  /** Unix epoch milliseconds; computed from the local clock read BEFORE the request was sent. */
  readonly expiresAt: number
}

/**
 * Per-call options for {@link TokenProvider.getToken}.
 *
 * @example
 * ```ts
 * await provider.getToken({ signal: AbortSignal.timeout(2000) })
 * await provider.getToken({ rejected: tokenThatGot401 })
 * ```
 */
export interface GetTokenOptions {
  signal?: AbortSignal
  /** A token the server just refused with 401: refresh unless the cache already holds a different one. */
  rejected?: string
}

/**
 * Anything that hands out access tokens: a service account, a static token, the CLI, the VM metadata service.
 *
 * @example
 * ```ts
 * const provider: TokenProvider = serviceAccount({ credentialsFile: 'credentials.json' })
 * const { token } = await provider.getToken()
 * provider.close?.()
 * ```
 */
export interface TokenProvider {
  getToken(options?: GetTokenOptions): Promise<AccessToken>
  /**
   * Stops the provider's timers and forgets its tokens; later `getToken` calls reject with
   * `ERR_PROVIDER_CLOSED`. Every provider of this library has it; it is optional so that any object with
   * a `getToken` method is a provider. Code that holds a `TokenProvider` closes it with
   * `provider.close?.()`.
   */
  close?(): void
  /**
   * The token a `getToken()` call would hand out at once, or `undefined` when a caller must wait for it
   * (nothing cached yet, a refresh due, the provider closed). Synchronous and free of side effects: it
   * starts no refresh, so a caller who gets `undefined` calls `getToken()`, which does. Adapters use it to
   * attach a fresh token without a promise per request. Optional: a provider without it is always asked
   * through `getToken()`.
   *
   * @example
   * ```ts
   * const token = provider.peek?.()?.token ?? (await provider.getToken()).token
   * ```
   */
  peek?(): AccessToken | undefined
}

/**
 * A service account's authorized key: who signs, which registered public key verifies, and the private key.
 *
 * @example
 * ```ts
 * const key: ServiceAccountKey = {
 *   serviceAccountId: 'serviceaccount-e00abc',
 *   publicKeyId: 'publickey-e00def',
 *   privateKey: await importPrivateKey(pem),
 * }
 * const assertion = await signAssertion(key)
 * ```
 */
export interface ServiceAccountKey {
  serviceAccountId: string
  publicKeyId: string
  privateKey: CryptoKey | KeyObject
}
