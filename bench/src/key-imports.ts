/**
 * Proves that a provider parses its key once, not once per refresh: counts node:crypto's
 * createPrivateKey (the work behind importPrivateKey on Node), WebCrypto's importKey (jose turns the
 * KeyObject into a CryptoKey, once per key) and WebCrypto's sign calls across forced refreshes.
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
  /** crypto.subtle.importKey calls (jose's one conversion of the KeyObject); at most 1 is the promise. */
  conversions: number
  /** crypto.subtle.sign calls (jose signs with WebCrypto): one assertion per exchange. */
  signatures: number
  met: boolean
}

/**
 * Patches createPrivateKey on node:crypto (syncBuiltinESMExports carries the patch into the ESM bindings
 * core imported) and importKey and sign on the global `crypto.subtle` (which jose calls), obtains a token,
 * then forces `refreshes` refreshes with `{ rejected }`.
 */
export async function countKeyImports(
  create: () => TokenProvider & { close(): void },
  refreshes: number,
): Promise<KeyImportCheck> {
  const { createPrivateKey } = crypto
  const { subtle } = globalThis.crypto
  let keyImports = 0
  let conversions = 0
  let signatures = 0
  crypto.createPrivateKey = (...parameters: Parameters<typeof createPrivateKey>) => {
    keyImports += 1
    return createPrivateKey(...parameters)
  }
  // Own properties on the instance shadow SubtleCrypto.prototype's methods until they are deleted again.
  const importKey = subtle.importKey.bind(subtle) as (...parameters: unknown[]) => Promise<unknown>
  const sign = subtle.sign.bind(subtle) as (...parameters: unknown[]) => Promise<unknown>
  Object.defineProperties(subtle, {
    importKey: {
      configurable: true,
      value: (...parameters: unknown[]) => {
        conversions += 1
        return importKey(...parameters)
      },
    },
    sign: {
      configurable: true,
      value: (...parameters: unknown[]) => {
        signatures += 1
        return sign(...parameters)
      },
    },
  })
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
    Reflect.deleteProperty(subtle, 'importKey')
    Reflect.deleteProperty(subtle, 'sign')
    syncBuiltinESMExports()
  }
  const exchanges = refreshes + 1
  return {
    exchanges,
    keyImports,
    conversions,
    signatures,
    met: keyImports === 1 && conversions <= 1 && signatures === exchanges,
  }
}
