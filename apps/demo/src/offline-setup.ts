/** The offline demo's world: an emulator on a free loopback port and one service account's credentials file. */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  startEmulator,
  type EmulatedServiceAccount,
  type Emulator,
  type EmulatorGrpc,
} from '@nebius-auth/emulator'

export interface DemoWorld {
  emulator: Emulator
  /** The emulator's TLS gRPC face: ProfileService/Get, as on cpl.iam.api.nebius.cloud:443. */
  grpc: EmulatorGrpc
  account: EmulatedServiceAccount
  folder: string
  credentialsFile: string
  /** File mode of the credentials file, e.g. `600`. */
  credentialsMode: string
  close(): Promise<void>
}

export async function createWorld(): Promise<DemoWorld> {
  const emulator = await startEmulator({ grpc: true })
  const folder = await mkdtemp(join(tmpdir(), 'nebius-auth-demo-'))
  try {
    // The Nebius docs make authorized keys with `openssl genrsa 4096`; the emulator does the same in-process.
    const account = emulator.createServiceAccount({ keyBits: 4096 })
    const credentialsFile = join(folder, 'credentials.json')
    await writeFile(credentialsFile, JSON.stringify(account.credentials), { mode: 0o600 })
    const credentialsMode = ((await stat(credentialsFile)).mode & 0o777).toString(8)
    return {
      emulator,
      grpc: emulator.grpc,
      account,
      folder,
      credentialsFile,
      credentialsMode,
      async close() {
        await emulator.close()
        await rm(folder, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await emulator.close()
    await rm(folder, { recursive: true, force: true })
    throw error
  }
}
