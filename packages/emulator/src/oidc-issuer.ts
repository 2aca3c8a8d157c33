import { generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

import { sendJson, sendOAuthError } from './http-helpers.js'
import type { EmulatorState } from './state.js'
import type { MintOptions, OidcIssuer } from './types.js'
import type { IssuerRecord } from './workload-identity-state.js'

/** Where the emulator's own OIDC issuers live: `${url}/oidc/<n>`. */
export const OIDC_PATH_PREFIX = '/oidc/'
const DISCOVERY_SUFFIX = '/.well-known/openid-configuration'
const JWKS_SUFFIX = '/jwks'

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function addKey(record: IssuerRecord): void {
  // 2048 bits: what GitHub's and Kubernetes' issuers use, and quick to generate in a test.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomUUID()
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
  record.keys.unshift({ kid, privateKey, publicJwk })
}

function checkMintOptions(options: MintOptions): void {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('options must be an object')
  const { subject, audience, expiresIn, issuedAt, claims } = options
  if (typeof subject !== 'string' || subject === '')
    throw new TypeError('options.subject must be a non-empty string')
  const audiences = Array.isArray(audience) ? audience : audience === undefined ? [] : [audience]
  if (audiences.some((value) => typeof value !== 'string' || value === '')) {
    throw new TypeError('options.audience must be a non-empty string or an array of them')
  }
  if (expiresIn !== undefined && !Number.isSafeInteger(expiresIn)) {
    throw new TypeError('options.expiresIn must be an integer number of seconds')
  }
  if (issuedAt !== undefined && !Number.isFinite(issuedAt)) {
    throw new TypeError('options.issuedAt must be epoch milliseconds')
  }
  if (claims !== undefined && (typeof claims !== 'object' || (claims as unknown) === null)) {
    throw new TypeError('options.claims must be an object')
  }
}

/**
 * Makes an OIDC issuer served by the emulator at `${baseUrl}/oidc/<n>`: discovery, JWKS, and RS256
 * tokens minted on demand, like the issuer of a CI system or a Kubernetes cluster.
 */
export function createOidcIssuer(state: EmulatorState, baseUrl: string): OidcIssuer {
  const id = String(state.issuers.size + 1)
  const issuerUrl = `${baseUrl}${OIDC_PATH_PREFIX}${id}`
  const record: IssuerRecord = { id, issuerUrl, keys: [] }
  addKey(record)
  state.issuers.set(id, record)
  return {
    issuerUrl,
    jwksUri: `${issuerUrl}${JWKS_SUFFIX}`,
    jwks: () => ({ keys: record.keys.map((key) => ({ ...key.publicJwk })) }),
    mint(options) {
      checkMintOptions(options)
      const signing = record.keys[0]
      if (signing === undefined) throw new Error('the issuer has no signing key')
      const iat = Math.floor((options.issuedAt ?? state.now()) / 1000)
      const claims = {
        iss: issuerUrl,
        sub: options.subject,
        ...(options.audience === undefined ? {} : { aud: options.audience }),
        iat,
        nbf: iat,
        exp: iat + (options.expiresIn ?? 300),
        jti: randomUUID(),
        ...options.claims,
      }
      const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: signing.kid })}.${encode(claims)}`
      return `${input}.${sign('sha256', Buffer.from(input), signing.privateKey).toString('base64url')}`
    },
    rotateKey() {
      // The old key stays published, as real issuers keep it until the tokens it signed have expired.
      addKey(record)
    },
  }
}

/** Serves `/oidc/<n>/.well-known/openid-configuration` and `/oidc/<n>/jwks`. */
export function handleOidc(
  state: EmulatorState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): void {
  request.resume()
  const rest = url.pathname.slice(OIDC_PATH_PREFIX.length)
  const id = rest.split('/')[0] ?? ''
  const record = state.issuers.get(id)
  const path = rest.slice(id.length)
  if (
    record === undefined ||
    request.method !== 'GET' ||
    (path !== DISCOVERY_SUFFIX && path !== JWKS_SUFFIX)
  ) {
    sendOAuthError(response, 404, 'not_found', 'no such endpoint')
    return
  }
  if (path === JWKS_SUFFIX) {
    sendJson(response, 200, { keys: record.keys.map((key) => key.publicJwk) })
    return
  }
  // OpenID Connect Discovery 1.0 §3: the fields a relying party needs to verify ID tokens.
  sendJson(response, 200, {
    issuer: record.issuerUrl,
    jwks_uri: `${record.issuerUrl}${JWKS_SUFFIX}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf'],
  })
}
