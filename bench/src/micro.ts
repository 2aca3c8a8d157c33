/** Warm getToken against the floor, and signAssertion against bare node:crypto signing. */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto'
import { cachedProvider, importPrivateKey, signAssertion } from '@nebius-auth/core'
import { interleave, latencyMicroseconds, type Comparison } from './interleave.js'

export async function warmGetToken(rounds: number): Promise<Comparison> {
  const constant = { token: 'v1.bench.token', expiresAt: Date.now() + 12 * 3600_000 }
  const floor = async () => constant
  const provider = cachedProvider(() => Promise.resolve({ token: 'v1.bench.token', expiresAt: Date.now() + 12 * 3600_000 }))
  await provider.getToken()
  try {
    return await interleave(
      rounds,
      () => latencyMicroseconds(floor, 150),
      () => latencyMicroseconds(() => provider.getToken(), 150),
      'µs per call',
    )
  } finally {
    provider.close()
  }
}

export async function signing(rounds: number): Promise<Comparison> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 4096 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const key = {
    serviceAccountId: 'serviceaccount-e00bench',
    publicKeyId: 'publickey-e00bench',
    privateKey: await importPrivateKey(pem),
  }
  const now = Date.now()
  // The same signing input signAssertion produces, signed by node:crypto alone.
  const sample = await signAssertion(key, { now })
  const signingInput = Buffer.from(sample.slice(0, sample.lastIndexOf('.')))
  const bareKey = createPrivateKey(pem)
  return interleave(
    rounds,
    () => latencyMicroseconds(() => sign('sha256', signingInput, bareKey), 200),
    () => latencyMicroseconds(() => signAssertion(key, { now }), 200),
    'µs per signature',
  )
}
