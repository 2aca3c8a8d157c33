/** Shared checks for the hostile-input properties (scenario 3). */
import { inspect } from 'node:util'

import { NebiusAuthError } from '@nebius-auth/core'

import { recordError } from './collector.js'

export const runs = 10_000

/** A secret-looking value: long and random enough never to occur in a message by chance. */
export const secretAlphabet = /^[A-Za-z0-9_-]{20,48}$/

/**
 * Passes for a `NebiusAuthError` with a code or a `TypeError` whose printed forms hold none of `secrets`;
 * throws (failing the property) otherwise. The thrown message never quotes the secret itself.
 */
export function expectTypedFailure(error: unknown, secrets: readonly string[]): void {
  const typed = NebiusAuthError.isInstance(error)
    ? typeof error.code === 'string' && error.code.startsWith('ERR_')
    : error instanceof TypeError
  if (!typed) {
    const name = error instanceof Error ? error.name : typeof error
    throw new Error(`an untyped failure escaped: ${name}`)
  }
  recordError(error)
  const typedError = error as Error
  expectNoSecrets(
    [typedError.message, String(typedError), inspect(error, { depth: 10, showHidden: true })],
    secrets,
  )
}

export function expectNoSecrets(outputs: readonly string[], secrets: readonly string[]): void {
  for (const [index, secret] of secrets.entries()) {
    if (secret.length < 12) continue
    if (outputs.some((output) => output.includes(secret))) {
      throw new Error(`secret #${index} (${secret.length} characters) appeared in an output`)
    }
  }
}
