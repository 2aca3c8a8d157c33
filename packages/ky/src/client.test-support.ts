/**
 * The ky under test. The compat matrix sets NEBIUS_AUTH_CLIENT_MODULE once per lane (`ky` for ky 1, `ky-2`
 * for ky 2); every test loads the client through here, never by a static import.
 */
import type { KyInstance, Options } from 'ky'

export const clientModule = process.env.NEBIUS_AUTH_CLIENT_MODULE ?? 'ky'

export interface LoadedKy {
  readonly ky: KyInstance
  /** `isHTTPError` and `isForceRetryError`, from the same copy of ky as `ky`. */
  readonly isHTTPError: (error: unknown) => boolean
  readonly isForceRetryError: (error: unknown) => boolean
  /** The base URL option this ky understands: `prefixUrl` on ky 1, `prefix` on ky 2 (which rejects `prefixUrl`). */
  readonly prefixOption: (url: string) => Options
}

export async function loadKy(): Promise<LoadedKy> {
  const loaded = (await import(clientModule)) as {
    default: KyInstance
    isHTTPError: (error: unknown) => boolean
    isForceRetryError: (error: unknown) => boolean
    replaceOption?: unknown
  }
  // Feature detection, not version strings: `replaceOption` arrived with ky 2, together with `prefix`.
  const hasPrefix = typeof loaded.replaceOption === 'function'
  return {
    ky: loaded.default,
    isHTTPError: loaded.isHTTPError,
    isForceRetryError: loaded.isForceRetryError,
    prefixOption: (url) => (hasPrefix ? ({ prefix: url } as Options) : { prefixUrl: url }),
  }
}
