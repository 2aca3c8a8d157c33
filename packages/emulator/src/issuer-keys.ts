import { readJwks, type VerificationKey } from './jwks.js'
import type { EmulatorState } from './state.js'

/*
 * An issuer's signing keys, found as a relying party finds them (OpenID Connect Discovery 1.0 §4):
 * `${issuer}/.well-known/openid-configuration` → `jwks_uri` → the JWK Set. Cached per emulator for a
 * minute, and fetched again when a token names a key the cache does not have (the issuer rotated).
 */

const CACHE_MILLISECONDS = 60_000
const FETCH_TIMEOUT = 5000
const MAXIMUM_DOCUMENT_BYTES = 256 * 1024

interface Cached {
  readonly keys: readonly VerificationKey[]
  readonly fetchedAt: number
}

const caches = new WeakMap<EmulatorState, Map<string, Cached>>()

/** Why the keys could not be had, phrased for an `error_description`. */
export class IssuerKeysError extends Error {}

async function getJson(url: string, what: string): Promise<unknown> {
  let response: Response
  let text: string
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT),
    })
    text = await response.text()
  } catch {
    throw new IssuerKeysError(`the issuer's ${what} could not be fetched`)
  }
  if (!response.ok) throw new IssuerKeysError(`the issuer's ${what} answered HTTP ${response.status}`)
  if (text.length > MAXIMUM_DOCUMENT_BYTES) throw new IssuerKeysError(`the issuer's ${what} is too large`)
  try {
    return JSON.parse(text)
  } catch {
    throw new IssuerKeysError(`the issuer's ${what} is not JSON`)
  }
}

async function fetchKeys(issuerUrl: string): Promise<VerificationKey[]> {
  const discovery = await getJson(
    `${issuerUrl.replace(/\/$/, '')}/.well-known/openid-configuration`,
    'discovery document',
  )
  const { issuer, jwks_uri: jwksUri } = (discovery ?? {}) as { issuer?: unknown; jwks_uri?: unknown }
  // Discovery §4.3: the document's issuer MUST be identical to the URL it was fetched for.
  if (issuer !== issuerUrl) throw new IssuerKeysError("the issuer's discovery document names another issuer")
  if (typeof jwksUri !== 'string')
    throw new IssuerKeysError("the issuer's discovery document has no jwks_uri")
  try {
    return readJwks(await getJson(jwksUri, 'JWKS'), 'jwks')
  } catch (error) {
    throw error instanceof IssuerKeysError ? error : new IssuerKeysError("the issuer's JWKS is not a JWK Set")
  }
}

/**
 * The keys of `issuerUrl` that may have signed a token with `kid`: from the cache when it has that key
 * and is fresh, else fetched anew. Rejects with an {@link IssuerKeysError}.
 */
export async function issuerKeys(
  state: EmulatorState,
  issuerUrl: string,
  kid: string | undefined,
): Promise<readonly VerificationKey[]> {
  let cache = caches.get(state)
  if (cache === undefined) {
    cache = new Map()
    caches.set(state, cache)
  }
  const cached = cache.get(issuerUrl)
  const fresh = cached !== undefined && state.now() - cached.fetchedAt < CACHE_MILLISECONDS
  if (fresh && (kid === undefined || cached.keys.some((key) => key.kid === kid))) return cached.keys
  const keys = await fetchKeys(issuerUrl)
  cache.set(issuerUrl, { keys, fetchedAt: state.now() })
  return keys
}
