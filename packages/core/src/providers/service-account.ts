import { readSecretFile } from '#runtime/files'

import { readCredentialsFile } from '../keys/credentials-file.js'
import { CredentialsError } from '../common/errors.js'
import { importPrivateKey } from '../keys/private-key.js'
import { cached, cacheOptionsIn, type CachedOptions } from './cached.js'
import { named } from './named.js'
import { signAssertion } from '../keys/rs256-signer.js'
import { exchangeToken, parseEndpoint } from '../exchange/token-exchange.js'
import { serviceAccountStoreKey } from '../cache/token-store.js'
import type { AccessToken, ServiceAccountKey, TokenProvider } from '../common/types.js'

/**
 * Options every {@link serviceAccount} variant takes: the exchange's, and the cache's ({@link CachedOptions}:
 * `name`, `onEvent`, `now`, `store`, `storeKey` and the nested `cache` settings).
 *
 * @example
 * ```ts
 * const common: ServiceAccountCommonOptions = { endpoint: emulator.exchangeEndpoint, cache: { refreshRatio: 0.8 } }
 * const provider = serviceAccount({ credentialsFile: 'credentials.json', ...common })
 * ```
 */
export interface ServiceAccountCommonOptions extends CachedOptions {
  /** The token exchange URL. Default `https://auth.eu.nebius.com/oauth2/token/exchange`. */
  endpoint?: string
  /** The fetch used for the exchange. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
}

/**
 * A service account described by a Nebius CLI credentials file (`subject-credentials`).
 *
 * @example
 * ```ts
 * const options: ServiceAccountFileOptions = { credentialsFile: `${homedir()}/.nebius/credentials.json` }
 * ```
 */
export interface ServiceAccountFileOptions extends ServiceAccountCommonOptions {
  credentialsFile: string
}

/**
 * A service account described field by field; give exactly one of `privateKey` and `privateKeyFile`.
 *
 * @example
 * ```ts
 * const options: ServiceAccountKeyOptions = {
 *   serviceAccountId: 'serviceaccount-e00example',
 *   publicKeyId: 'publickey-e00example',
 *   privateKeyFile: 'private.pem', // openssl genrsa -out private.pem 4096
 * }
 * ```
 */
export interface ServiceAccountKeyOptions extends ServiceAccountCommonOptions {
  serviceAccountId: string
  publicKeyId: string
  /** The PEM text of the RSA private key. */
  privateKey?: string
  /** A file holding the PEM. */
  privateKeyFile?: string
  /** The passphrase of an encrypted key. */
  passphrase?: string
}

/**
 * Options for {@link serviceAccount}: a credentials file, or the IDs and the key.
 *
 * @example
 * ```ts
 * const options: ServiceAccountOptions = process.env.NEBIUS_CREDENTIALS
 *   ? { credentialsFile: process.env.NEBIUS_CREDENTIALS }
 *   : { serviceAccountId, publicKeyId, privateKeyFile: 'private.pem' }
 * ```
 */
export type ServiceAccountOptions = ServiceAccountFileOptions | ServiceAccountKeyOptions

const keyFields = ['serviceAccountId', 'publicKeyId', 'privateKey', 'privateKeyFile', 'passphrase'] as const

function requireString(options: Record<string, unknown>, name: string, required: boolean): void {
  const value = options[name]
  if (value === undefined && !required) return
  // The message names the option only: a misplaced PEM or passphrase must not end up in a log.
  if (typeof value !== 'string' || value.trim() === '')
    throw new TypeError(`options.${name} must be a non-empty string`)
}

function validate(options: ServiceAccountOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object')
  const record = options as unknown as Record<string, unknown>
  if (record.credentialsFile !== undefined) {
    requireString(record, 'credentialsFile', true)
    const extra = keyFields.find((name) => record[name] !== undefined)
    if (extra !== undefined)
      throw new TypeError(`options.credentialsFile cannot be combined with options.${extra}`)
  } else {
    if (record.serviceAccountId === undefined && record.publicKeyId === undefined) {
      throw new TypeError(
        'options.credentialsFile or options.serviceAccountId and options.publicKeyId are required',
      )
    }
    requireString(record, 'serviceAccountId', true)
    requireString(record, 'publicKeyId', true)
    requireString(record, 'privateKey', false)
    requireString(record, 'privateKeyFile', false)
    if ((record.privateKey === undefined) === (record.privateKeyFile === undefined)) {
      throw new TypeError('exactly one of options.privateKey and options.privateKeyFile is required')
    }
    if (record.passphrase !== undefined && typeof record.passphrase !== 'string') {
      throw new TypeError('options.passphrase must be a string')
    }
  }
  if (record.endpoint !== undefined) parseEndpoint(record.endpoint)
  if (record.fetch !== undefined && typeof record.fetch !== 'function') {
    throw new TypeError('options.fetch must be a function')
  }
}

/** Returns a loader that reads and parses the key on first use only, and again only after a failure. */
function keyLoader(options: ServiceAccountOptions): () => Promise<ServiceAccountKey> {
  const { onEvent } = options
  let load: () => Promise<ServiceAccountKey>
  const path = (options as Partial<ServiceAccountFileOptions>).credentialsFile
  if (path !== undefined) {
    load = () => readCredentialsFile(path, { onEvent })
  } else {
    const {
      serviceAccountId,
      publicKeyId,
      privateKey: pem,
      privateKeyFile,
      passphrase,
    } = options as ServiceAccountKeyOptions
    load = async () => {
      const text = pem ?? (await readSecretFile(privateKeyFile ?? '', { onEvent }))
      try {
        return { serviceAccountId, publicKeyId, privateKey: await importPrivateKey(text, { passphrase }) }
      } catch (error) {
        if (privateKeyFile === undefined || !(error instanceof CredentialsError)) throw error
        throw new CredentialsError(error.code, `${privateKeyFile}: ${error.message}`, { cause: error.cause })
      }
    }
  }
  let pending: Promise<ServiceAccountKey> | undefined
  return () => {
    if (pending === undefined) {
      const attempt = load()
      pending = attempt
      // A fixed file or a corrected passphrase must be able to succeed later: forget the failure.
      attempt.catch(() => {
        if (pending === attempt) pending = undefined
      })
    }
    return pending
  }
}

/**
 * The key a shared store keeps this account's token under: the user's own, or one derived from the
 * public IDs (directly when given, else once the credentials file has been read).
 */
function storeKeyOf(
  options: ServiceAccountOptions,
  loadKey: () => Promise<ServiceAccountKey>,
): CachedOptions['storeKey'] {
  if (options.store === undefined || options.storeKey !== undefined) return options.storeKey
  const endpoint = parseEndpoint(options.endpoint).href
  const { serviceAccountId, publicKeyId } = options as Partial<ServiceAccountKeyOptions>
  if (serviceAccountId !== undefined && publicKeyId !== undefined) {
    return () => serviceAccountStoreKey(endpoint, serviceAccountId, publicKeyId)
  }
  return async () => {
    const key = await loadKey()
    return serviceAccountStoreKey(endpoint, key.serviceAccountId, key.publicKeyId)
  }
}

/**
 * A provider of access tokens for a Nebius service account: it signs a fresh five-minute RS256
 * assertion with the authorized key, exchanges it (RFC 8693) and caches the token, refreshing it in the
 * background before it expires (see {@link cached} for the cache's rules and options).
 *
 * Options are validated here, with a `TypeError` naming the option, but no file is read and no key is
 * parsed until the first `getToken`; the key is then parsed once per provider.
 *
 * @param options - `{ credentialsFile }`, or `{ serviceAccountId, publicKeyId, privateKey | privateKeyFile,
 *   passphrase? }`; plus `endpoint`, `fetch`, `name`, `onEvent`, `now`, `store` to share the token across
 *   processes (its key is derived from the account and key IDs) and the `cache` settings.
 * @returns A provider; `close()` stops its timers.
 *
 * @example
 * ```ts
 * const provider = serviceAccount({ credentialsFile: `${homedir()}/.nebius/credentials.json` })
 * const { token } = await provider.getToken()
 *
 * const fromKey = serviceAccount({
 *   serviceAccountId: 'serviceaccount-e00abc',
 *   publicKeyId: 'publickey-e00def',
 *   privateKeyFile: '/run/secrets/nebius.pem',
 * })
 * ```
 */
export function serviceAccount(options: ServiceAccountOptions): TokenProvider & { close(): void } {
  validate(options)
  const { endpoint, fetch } = options
  const now = options.now ?? (() => Date.now())
  const loadKey = keyLoader(options)

  async function exchangeWithKey(signal: AbortSignal): Promise<AccessToken> {
    const key = await loadKey()
    signal.throwIfAborted()
    const assertion = await signAssertion(key, { now: now() })
    return exchangeToken(assertion, { endpoint, fetch, signal, now })
  }

  // Nothing secret lives on the provider (the key and tokens stay in closures), and it prints as its name.
  return named(
    options.name ?? 'service-account',
    cached(exchangeWithKey, { ...cacheOptionsIn(options), storeKey: storeKeyOf(options, loadKey) }),
  )
}
