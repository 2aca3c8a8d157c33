/**
 * The provider every adapter uses when it is given none: one `fromEnvironment()` per distinct environment,
 * shared by the whole process, so ten `withNebiusAuth(client)` calls make one cache and one exchange
 * instead of ten, and there is one thing to close.
 */
import { createHash } from 'node:crypto'

import { fromEnvironment } from './from-environment.js'
import type { TokenProvider } from '../common/types.js'
import { closingAlso, named } from '../providers/named.js'

// The variables fromEnvironment reads (HOME and PATH included: they decide which files and CLI it finds).
const environmentNames = [
  'NEBIUS_IAM_TOKEN',
  'NEBIUS_PROFILE',
  'NEBIUS_AUTH_EXCHANGE_ENDPOINT',
  'NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID',
  'NEBIUS_AUTH_FEDERATED_TOKEN_FILE',
  'NEBIUS_AUTH_FEDERATED_AUDIENCE',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'HOME',
  'USERPROFILE',
  'PATH',
] as const

const shared = new Map<string, TokenProvider & { close(): void }>()

/** A digest of what fromEnvironment would read, so that no token sits in a map key in clear text. */
function environmentKey(env: Record<string, string | undefined>): string {
  const values = environmentNames.map((name) => env[name] ?? null)
  return createHash('sha256').update(JSON.stringify(values)).digest('hex')
}

/**
 * The process-wide `fromEnvironment()` provider that adapters use when no `provider` is given: one per
 * distinct environment (the variables `fromEnvironment` reads: `NEBIUS_IAM_TOKEN`, `NEBIUS_PROFILE`,
 * `NEBIUS_AUTH_EXCHANGE_ENDPOINT`, the `NEBIUS_AUTH_FEDERATED_*` ones, GitHub's `ACTIONS_ID_TOKEN_REQUEST_URL`,
 * `HOME`, `USERPROFILE`, `PATH`, as they are when it is asked for). Like every core provider it resolves lazily
 * and its timers never keep the process alive. `close()` stops it and forgets its token; the next
 * adapter built without a provider then gets a new one.
 *
 * @example
 * ```ts
 * import { defaultProvider } from '@nebius-auth/core'
 *
 * const api = withNebiusAuth(axios.create()) // uses defaultProvider()
 * // at shutdown:
 * defaultProvider().close()
 * ```
 */
export function defaultProvider(): TokenProvider & { close(): void } {
  const key = environmentKey(process.env)
  const existing = shared.get(key)
  if (existing !== undefined) return existing
  // fromEnvironment's own promise, peek and abort marker pass through, so adapters built without a
  // provider keep the same warm path as those given one; closing it also frees its place here.
  const entry = named(
    'from-environment',
    closingAlso(fromEnvironment(), () => {
      if (shared.get(key) === entry) shared.delete(key)
    }),
  )
  shared.set(key, entry)
  return entry
}
