/**
 * The emulator on Node that every runtime talks to, the key material the scenario imports in each form,
 * and a control endpoint through which the scenario asks for every token to be revoked.
 */
import { createPrivateKey } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { startEmulator, type Emulator } from '@nebius-auth/emulator'

/** What the scenario reads (see fixtures/scenario.mjs). */
export interface ScenarioConfig {
  serviceAccountId: string
  publicKeyId: string
  exchangeEndpoint: string
  apiOrigin: string
  revokeURL: string
  pkcs8Pem: string
  pkcs1Pem: string
  jwk: string
  encryptedPem: string
  credentialsJson: string
  credentialsFile: string
}

export interface RuntimeBench {
  emulator: Emulator
  config: ScenarioConfig
  close(): Promise<void>
}

export async function startRuntimeBench(folder: string): Promise<RuntimeBench> {
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0 })
  const account = emulator.createServiceAccount()
  const key = createPrivateKey(account.privateKeyPem)
  const credentialsJson = JSON.stringify(account.credentials)
  const credentialsFile = join(folder, 'credentials.json')
  await writeFile(credentialsFile, credentialsJson, { mode: 0o600 })

  const control: Server = createServer((request, response) => {
    request.resume()
    const revoked = request.method === 'POST' && request.url === '/revoke' ? emulator.revoke() : 0
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(revoked))
  })
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
  const { port } = control.address() as AddressInfo

  const config: ScenarioConfig = {
    serviceAccountId: account.serviceAccountId,
    publicKeyId: account.publicKeyId,
    exchangeEndpoint: emulator.exchangeEndpoint,
    apiOrigin: emulator.url,
    revokeURL: `http://127.0.0.1:${port}/revoke`,
    pkcs8Pem: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    pkcs1Pem: key.export({ type: 'pkcs1', format: 'pem' }) as string,
    jwk: JSON.stringify(key.export({ format: 'jwk' })),
    encryptedPem: key.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'runtime',
    }) as string,
    credentialsJson,
    credentialsFile,
  }
  return {
    emulator,
    config,
    async close() {
      await new Promise((resolve) => control.close(resolve))
      await emulator.close()
    },
  }
}
