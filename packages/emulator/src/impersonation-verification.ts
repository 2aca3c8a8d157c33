import type { ActorVerdict } from './federated-verification.js'
import { findLiveToken, type EmulatorState } from './state.js'

/**
 * Verifies an access token presented as `actor_token` for impersonating `serviceAccountId`: it must be a
 * live token this emulator issued (not expired, not revoked), and its principal must have been allowed
 * to act as the account with `allowImpersonation`.
 */
export function verifyImpersonationActor(
  state: EmulatorState,
  serviceAccountId: string,
  token: string,
): ActorVerdict {
  const record = findLiveToken(state, token)
  if (record === undefined) {
    return { ok: false, status: 400, description: 'actor_token is unknown, expired or revoked' }
  }
  if (state.impersonation.get(record.serviceAccountId)?.has(serviceAccountId) !== true) {
    return {
      ok: false,
      status: 400,
      description: 'the actor is not allowed to impersonate the service account',
    }
  }
  return { ok: true, serviceAccountId }
}
