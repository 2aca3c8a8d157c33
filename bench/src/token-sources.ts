/**
 * Where the arms of the client benchmarks get their token: a provider passed explicitly, or the default
 * provider an adapter falls back to when it is given none. Both hand out the same token, so the harness
 * can check that every arm sends it.
 */
import { defaultProvider, type TokenProvider } from '@nebius-auth/core'
import { cachedProvider } from '@nebius-auth/core/advanced'

export const benchToken = 'v1.bench.token'

/** A cached provider holding a token good for twelve hours, as a service account's would be. */
export function explicitProvider(): TokenProvider & { close(): void } {
  return cachedProvider(() => Promise.resolve({ token: benchToken, expiresAt: Date.now() + 12 * 3600_000 }))
}

/**
 * The process's default provider, made to serve the bench token without network: `fromEnvironment()`
 * takes `NEBIUS_IAM_TOKEN` before any file, CLI profile or metadata service. It is set here, in the bench
 * process only, so a token of the caller's own in that variable never reaches the loopback servers.
 */
export function benchDefaultProvider(): TokenProvider & { close(): void } {
  process.env.NEBIUS_IAM_TOKEN = benchToken
  return defaultProvider()
}
