/**
 * Proves that a provider parses its key once, not once per refresh: counts node:crypto's
 * createPrivateKey (the work behind importPrivateKey) and sign calls across forced refreshes.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module'
import type { TokenProvider } from '@nebius-auth/core'

// The CommonJS exports object: unlike the ESM namespace it can be patched.
const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')

export interface KeyImportCheck {
  /** Tokens obtained: the first plus one per forced refresh. */
  exchanges: number
  /** createPrivateKey calls over all of them; 1 is the promise. */
  keyImports: number
  /** sign calls: one assertion per exchange. */
  signatures: number
  met: boolean
}

/**
 * Patches createPrivateKey and sign on node:crypto (syncBuiltinESMExports carries the patch into the
 * ESM bindings core imported), obtains a token, then forces `refreshes` refreshes with `{ rejected }`.
 */
export async function countKeyImports(
  create: () => TokenProvider & { close(): void },
  refreshes: number,
): Promise<KeyImportCheck> {
  const { createPrivateKey, sign } = crypto
  let keyImports = 0
  let signatures = 0
  crypto.createPrivateKey = (...parameters: Parameters<typeof createPrivateKey>) => {
    keyImports += 1
    return createPrivateKey(...parameters)
  }
  crypto.sign = ((...parameters: unknown[]): unknown => {
    signatures += 1
    return Reflect.apply(sign, crypto, parameters)
  }) as typeof sign
  syncBuiltinESMExports()
  const provider = create()
  try {
    let { token } = await provider.getToken()
    for (let refresh = 0; refresh < refreshes; refresh += 1) {
      const fresh = await provider.getToken({ rejected: token })
      if (fresh.token === token) throw new Error('a forced refresh returned the rejected token')
      token = fresh.token
    }
  } finally {
    provider.close()
    crypto.createPrivateKey = createPrivateKey
    crypto.sign = sign
    syncBuiltinESMExports()
  }
  const exchanges = refreshes + 1
  return { exchanges, keyImports, signatures, met: keyImports === 1 && signatures === exchanges }
}
