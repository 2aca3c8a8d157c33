import type { KeyObject } from 'node:crypto'

import { readJwks, type VerificationKey } from './jwks.js'
import { newId, type EmulatorState } from './state.js'
import type {
  AddFederatedCredentialsOptions,
  AllowImpersonationOptions,
  FederatedCredentialsBinding,
} from './types.js'

/** One federated credential of a service account: tokens of `issuerUrl` whose `sub` is `subject`. */
export interface FederatedBinding {
  readonly serviceAccountId: string
  readonly issuerUrl: string
  readonly subject: string
  /** The inline JWKS, when given; otherwise keys come from the issuer's discovery document. */
  readonly keys: readonly VerificationKey[] | undefined
}

/** An OIDC issuer made by `oidcIssuer()`: its signing keys, newest first. */
export interface IssuerRecord {
  readonly id: string
  readonly issuerUrl: string
  readonly keys: {
    readonly kid: string
    readonly privateKey: KeyObject
    readonly publicJwk: Record<string, unknown>
  }[]
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new TypeError(`${name} must be a non-empty string`)
  return value.trim()
}

/**
 * Validates an issuer URL as IAM would store it: absolute, `https:` (or `http:` for a loopback test issuer),
 * no query or fragment (OIDC Discovery §4 appends the well-known path to it). Kept exactly as given,
 * because `iss` is compared to it character for character.
 */
function checkIssuerUrl(value: unknown): string {
  const text = requireString(value, 'options.issuerUrl')
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new TypeError('options.issuerUrl must be an absolute URL')
  }
  const loopback = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError('options.issuerUrl must be an https: URL (http: only for loopback hosts)')
  }
  if (url.search !== '' || url.hash !== '')
    throw new TypeError('options.issuerUrl must have no query or fragment')
  return text
}

/** Registers a federated credential; a new service account when none is named. */
export function addFederatedCredentials(
  state: EmulatorState,
  options: AddFederatedCredentialsOptions,
): FederatedCredentialsBinding {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object')
  const serviceAccountId =
    options.serviceAccountId === undefined
      ? newId('serviceaccount')
      : requireString(options.serviceAccountId, 'options.serviceAccountId')
  const issuerUrl = checkIssuerUrl(options.issuerUrl)
  const subject = requireString(options.subject, 'options.subject')
  const keys = options.jwks === undefined ? undefined : readJwks(options.jwks, 'options.jwks')
  if (keys?.length === 0) throw new TypeError('options.jwks has no RS256 or ES256 signing key')
  state.serviceAccounts.add(serviceAccountId)
  state.federated.push({ serviceAccountId, issuerUrl, subject, keys })
  return { serviceAccountId, issuerUrl, subject }
}

/** Lets `actor` (the principal an access token was issued to) act as `serviceAccountId`. */
export function allowImpersonation(state: EmulatorState, options: AllowImpersonationOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object')
  const actor = requireString(options.actor, 'options.actor')
  const serviceAccountId = requireString(options.serviceAccountId, 'options.serviceAccountId')
  state.serviceAccounts.add(serviceAccountId)
  let allowed = state.impersonation.get(actor)
  if (allowed === undefined) {
    allowed = new Set()
    state.impersonation.set(actor, allowed)
  }
  allowed.add(serviceAccountId)
}
