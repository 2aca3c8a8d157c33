/** The offline demo: the whole library against a local emulator, with a verdict for every behaviour shown. */
import { createWorld } from './offline-setup.js'
import {
  backgroundRefresh,
  badKeys,
  everyClient,
  exchangeOutage,
  revokedToken,
  revokedTokenGrpc,
} from './offline-steps.js'
import type { Check, DemoConsole } from './output.js'
import { ciJobWithoutKey, impersonation } from './workload-identity-steps.js'

/** Every token the emulator saw in an Authorization header, and the key: none may appear in the output. */
function leakedSecrets(printed: readonly string[], secrets: readonly string[]): number {
  const text = printed.join('\n')
  return secrets.filter((secret) => secret.length > 0 && text.includes(secret)).length
}

export async function runOfflineDemo(out: DemoConsole): Promise<boolean> {
  const started = Date.now()
  out.line('nebius-auth demo: offline, against a local Nebius IAM emulator (no credentials, no network)')
  const world = await createWorld()
  const checks: Check[] = []
  try {
    out.line(`  emulator     ${world.emulator.url}  (exchange: ${world.emulator.exchangeEndpoint})`)
    out.line(`  gRPC (TLS)   ${world.grpc.address}  (ProfileService/Get, certificate made at start)`)
    out.line(`  account      ${world.account.serviceAccountId}, key ${world.account.publicKeyId} (RSA 4096)`)
    out.line(`  credentials  ${world.credentialsFile} (mode ${world.credentialsMode})`)
    const steps = [
      ['1. Each client calls the protected API (HTTP) or ProfileService/Get (gRPC)', everyClient],
      ['2. Background refresh under a 3-second token lifetime', backgroundRefresh],
      ['3. A revoked token (HTTP)', revokedToken],
      ['4. An exchange outage', exchangeOutage],
      ['5. Bad keys', badKeys],
      ['6. A revoked token over gRPC', revokedTokenGrpc],
      ['7. A CI job with no key', ciJobWithoutKey],
      ['8. Impersonation', impersonation],
    ] as const
    for (const [title, step] of steps) {
      out.line('')
      out.line(title)
      const check = await step(world, out)
      checks.push(check)
      out.line(`  ${check.ok ? 'ok' : 'FAILED'}: ${check.name} (${check.detail})`)
    }
    const tokens = world.emulator
      .requests()
      .map((request) => request.authorization?.replace(/^Bearer /i, '') ?? '')
    const keyBody = world.account.privateKeyPem.split('\n').slice(1, -2).join('')
    const leaks = leakedSecrets(out.printed, [...new Set(tokens), keyBody])
    checks.push({
      name: 'no secret in the output',
      ok: leaks === 0,
      detail: `${new Set(tokens).size} tokens and the key checked`,
    })
    if (checks.length > 0) {
      out.line('')
      out.line(
        `${leaks === 0 ? 'ok' : 'FAILED'}: no raw token or key in this output (${new Set(tokens).size} tokens checked)`,
      )
    }
  } finally {
    await world.close()
  }
  const failed = checks.filter((check) => !check.ok)
  out.line('')
  if (failed.length === 0) {
    out.line(`All ${checks.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
    return true
  }
  out.line(
    `${failed.length} of ${checks.length} checks FAILED: ${failed.map((check) => check.name).join('; ')}`,
  )
  return false
}
