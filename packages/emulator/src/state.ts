import { randomBytes, randomInt, type KeyObject } from 'node:crypto'

import type { FederatedBinding, IssuerRecord } from './workload-identity-state.js'
import type { RecordedRequest } from './types.js'

/** A registered public key and the service account it authenticates. */
export interface KeyRecord {
  readonly publicKeyId: string
  readonly serviceAccountId: string
  readonly publicKey: KeyObject
}

/** An issued access token. */
export interface TokenRecord {
  readonly serviceAccountId: string
  /** Unix epoch milliseconds. */
  readonly expiresAt: number
  revoked: boolean
}

/** Mutable counters behind `stats()`. */
export interface Counters {
  accepted: number
  rejected: number
  failed: number
  apiRequests: number
  unauthorized: number
}

/** Everything the handlers share: registered keys, issued tokens, counters, the request log and the clock. */
export interface EmulatorState {
  readonly now: () => number
  tokenTtl: number
  readonly serviceAccounts: Set<string>
  readonly keys: Map<string, KeyRecord>
  readonly tokens: Map<string, TokenRecord>
  /** Federated credentials: which external OIDC tokens may act for which service account. */
  readonly federated: FederatedBinding[]
  /** Impersonation grants: actor principal ID → the service accounts it may act as. */
  readonly impersonation: Map<string, Set<string>>
  /** The OIDC issuers `oidcIssuer()` made, by path segment under `/oidc/`. */
  readonly issuers: Map<string, IssuerRecord>
  readonly counters: Counters
  readonly requests: RecordedRequest[]
}

/** Creates an empty state. */
export function createState(now: () => number, tokenTtl: number): EmulatorState {
  return {
    now,
    tokenTtl,
    serviceAccounts: new Set(),
    keys: new Map(),
    tokens: new Map(),
    federated: [],
    impersonation: new Map(),
    issuers: new Map(),
    counters: { accepted: 0, rejected: 0, failed: 0, apiRequests: 0, unauthorized: 0 },
    requests: [],
  }
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** Nebius IDs look like `serviceaccount-e00bh8mv4gndt2p3zg`: a type prefix, `e00`, then 15 lowercase characters. */
export function newId(prefix: 'serviceaccount' | 'publickey'): string {
  let suffix = ''
  for (let index = 0; index < 15; index += 1) suffix += ID_ALPHABET.charAt(randomInt(ID_ALPHABET.length))
  return `${prefix}-e00${suffix}`
}

/**
 * An opaque token shaped like Nebius's `v1.<payload>.<signature>`, so sanitizers under test meet the real
 * shape. It carries no meaning: the emulator looks tokens up, it never parses them.
 */
export function newAccessToken(): string {
  return `v1.${randomBytes(48).toString('base64url')}.${randomBytes(64).toString('base64url')}`
}

/** Validates a token lifetime in seconds, naming the option (never the value) as the house style asks. */
export function validateTokenTtl(seconds: unknown, name: string): number {
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1) {
    throw new TypeError(`${name} must be a positive integer number of seconds`)
  }
  return seconds
}

/** Returns the live token record for `token`, or undefined when unknown, expired or revoked. */
export function findLiveToken(state: EmulatorState, token: string): TokenRecord | undefined {
  const record = state.tokens.get(token)
  if (record === undefined || record.revoked || record.expiresAt <= state.now()) return undefined
  return record
}
