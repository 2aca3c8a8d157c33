/**
 * Cold start to first token: key import + assertion + exchange through serviceAccount(), versus
 * node:crypto key import + sign + one bare POST of the same form to the same emulator.
 */
import { createPrivateKey, sign } from 'node:crypto'
import { serviceAccount } from '@nebius-auth/core'
import { startEmulator } from '@nebius-auth/emulator'
import { interleave, type Comparison } from './interleave.js'

const audience = 'token-service.iam.new.nebiuscloud.net'
const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

async function timeMilliseconds(operation: () => Promise<void>, times: number): Promise<number> {
  const begin = process.hrtime.bigint()
  for (let index = 0; index < times; index += 1) await operation()
  return Number(process.hrtime.bigint() - begin) / 1e6 / times
}

export async function coldStart(rounds: number): Promise<Comparison> {
  const emulator = await startEmulator()
  try {
    const account = await emulator.createServiceAccount({ keyBits: 4096 })
    const bare = async () => {
      const key = createPrivateKey(account.privateKeyPem)
      const iat = Math.floor(Date.now() / 1000)
      const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: account.publicKeyId }))
      const claims = base64url(
        JSON.stringify({ iss: account.serviceAccountId, sub: account.serviceAccountId, aud: audience, iat, exp: iat + 300 }),
      )
      const input = `${header}.${claims}`
      const jwt = `${input}.${base64url(sign('sha256', Buffer.from(input), key))}`
      const response = await fetch(emulator.exchangeEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          subject_token: jwt,
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        }),
      })
      if (response.status !== 200) throw new Error(`baseline exchange failed: ${response.status}`)
      await response.json()
    }
    const ours = async () => {
      const provider = serviceAccount({
        serviceAccountId: account.serviceAccountId,
        publicKeyId: account.publicKeyId,
        privateKey: account.privateKeyPem,
        endpoint: emulator.exchangeEndpoint,
      })
      try {
        await provider.getToken()
      } finally {
        provider.close()
      }
    }
    await bare()
    await ours()
    return await interleave(
      rounds,
      () => timeMilliseconds(bare, 4),
      () => timeMilliseconds(ours, 4),
      'ms to first token',
    )
  } finally {
    await emulator.close()
  }
}
