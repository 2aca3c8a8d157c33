/**
 * @nebius-auth/emulator: a local Nebius IAM token exchange and protected API that verify for real, with
 * fault injection, for tests and demos.
 *
 * Internals (state, handlers, JWT verification) stay unexported on purpose: the emulator is driven only
 * through the object `startEmulator` returns, so its internals can change without breaking tests.
 *
 * @example
 * ```ts
 * import { startEmulator } from '@nebius-auth/emulator'
 *
 * const emulator = await startEmulator()
 * const account = emulator.createServiceAccount()
 * await emulator.close()
 * ```
 *
 * @packageDocumentation
 */
export { startEmulator } from './server.js'
export type {
  AddFederatedCredentialsOptions,
  AllowImpersonationOptions,
  CreateServiceAccountOptions,
  CredentialsFile,
  EmulatedServiceAccount,
  Emulator,
  EmulatorGrpc,
  EmulatorOptions,
  EmulatorStats,
  FederatedCredentialsBinding,
  Fault,
  MintOptions,
  OidcIssuer,
  RecordedRequest,
  RegisteredKey,
} from './types.js'
