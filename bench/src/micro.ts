/** Warm getToken against the floor, and signAssertion against bare node:crypto signing. */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto'
import { cachedProvider, importPrivateKey, signAssertion } from '@nebius-auth/core/advanced'
import { batchMicroseconds, interleave, pairedCalls, type Comparison } from './interleave.js'

const twelveHours = 12 * 3600_000

/**
 * A warm `getToken()` of a cached provider versus the floor any async token getter has to pay:
 * `async () => cached`. Both run through the same awaited loop, in batches of `calls`.
 */
export async function warmGetToken(rounds: number, calls: number): Promise<Comparison> {
  const cached = { token: 'v1.bench.token', expiresAt: Date.now() + twelveHours }
  // The floor of the issue, verbatim: an async function that returns a constant token object.
  // eslint-disable-next-line @typescript-eslint/require-await
  const floor = async () => cached
  const provider = cachedProvider(() => Promise.resolve({ ...cached, expiresAt: Date.now() + twelveHours }))
  await provider.getToken()
  try {
    return await interleave(
      { rounds, warmupRounds: 3, unit: 'µs per call' },
      // Both arms through one closure call each, so neither gets a shorter call path.
      () => batchMicroseconds(() => floor(), calls),
      () => batchMicroseconds(() => provider.getToken(), calls),
    )
  } finally {
    provider.close()
  }
}

/**
 * `signAssertion` versus node:crypto RSA-SHA256 over the very signing input signAssertion produces, with
 * the same 4096-bit key, alternated call by call.
 */
export async function signing(rounds: number, callsPerRound: number): Promise<Comparison> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 4096 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const key = {
    serviceAccountId: 'serviceaccount-e00bench',
    publicKeyId: 'publickey-e00bench',
    privateKey: await importPrivateKey(pem),
  }
  const now = Date.now()
  const sample = await signAssertion(key, { now })
  const signingInput = Buffer.from(sample.slice(0, sample.lastIndexOf('.')))
  const bareKey = createPrivateKey(pem)
  return pairedCalls(
    { rounds, callsPerRound, unit: 'ms per signature' },
    () => sign('sha256', signingInput, bareKey),
    () => signAssertion(key, { now }),
  )
}
