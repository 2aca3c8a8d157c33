/**
 * Scenario 4, pinned provider by provider: what getToken returns must print sanitized, as exchangeToken's
 * and cachedProvider's results do, because programs log it. The suite-wide scan found tokenFile's full
 * token in a util.inspect output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { staticToken, tokenFile, type AccessToken } from '@nebius-auth/core'
import { cachedProvider } from '@nebius-auth/core/advanced'
import { afterAll, expect, it } from 'vitest'

import { registerSecrets } from './support/collector.js'

const signature = 'cHJpbnRlZC10b2tlbi1zaWduYXR1cmUtc2VjcmV0'
const token = `v1.CiQxZjY3.${signature}`
registerSecrets([signature])
const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-reliability-printed-'))
afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

// Not recorded with the collector: these tests show a leak on their own; the suite-wide scan covers the rest.
function expectConcealed(accessToken: AccessToken): void {
  expect(inspect(accessToken)).not.toContain(signature)
  expect(JSON.stringify(accessToken)).not.toContain(signature)
}

it('prints the token from cachedProvider sanitized', async () => {
  const provider = cachedProvider(() => Promise.resolve({ token, expiresAt: Date.now() + 60_000 }))
  expectConcealed(await provider.getToken())
  provider.close()
})

it('prints the token from tokenFile sanitized', async () => {
  const path = join(directory, 'token')
  writeFileSync(path, token, { mode: 0o600 })
  expectConcealed(await tokenFile(path).getToken())
})

it('prints the token from staticToken sanitized', async () => {
  expectConcealed(await staticToken(token).getToken())
})
