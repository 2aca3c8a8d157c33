/**
 * Cold start to first token: key import + assertion + exchange through a new serviceAccount(), versus
 * node:crypto key import + sign + one bare POST of the same form to the same emulator. Both arms use the
 * global fetch, so both reuse the same warm connection pool; what differs is the library's own work.
 */
import { createPrivateKey, sign } from 'node:crypto'
import { serviceAccount } from '@nebius-auth/core'
import { startEmulator, type EmulatedServiceAccount, type Emulator } from '@nebius-auth/emulator'
import { pairedCalls, type Comparison } from './interleave.js'
import { countKeyImports, type KeyImportCheck } from './key-imports.js'

const audience = 'token-service.iam.new.nebiuscloud.net'
const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

function bareFirstToken(emulator: Emulator, account: EmulatedServiceAccount): () => Promise<void> {
  return async () => {
    const key = createPrivateKey(account.privateKeyPem)
    const iat = Math.floor(Date.now() / 1000)
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: account.publicKeyId }))
    const claims = base64url(
      JSON.stringify({
        iss: account.serviceAccountId,
        sub: account.serviceAccountId,
        aud: audience,
        iat,
        exp: iat + 300,
      }),
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
}

export async function coldStart(
  rounds: number,
  callsPerRound: number,
): Promise<{ comparison: Comparison; keyImports: KeyImportCheck }> {
  const emulator = await startEmulator()
  try {
    const account = emulator.createServiceAccount({ keyBits: 4096 })
    const options = {
      serviceAccountId: account.serviceAccountId,
      publicKeyId: account.publicKeyId,
      privateKey: account.privateKeyPem,
      endpoint: emulator.exchangeEndpoint,
    }
    const ours = async (): Promise<void> => {
      const provider = serviceAccount(options)
      try {
        await provider.getToken()
      } finally {
        provider.close()
      }
    }
    const comparison = await pairedCalls(
      { rounds, callsPerRound, unit: 'ms to first token' },
      bareFirstToken(emulator, account),
      ours,
    )
    const keyImports = await countKeyImports(() => serviceAccount(options), 5)
    return { comparison, keyImports }
  } finally {
    await emulator.close()
  }
}
