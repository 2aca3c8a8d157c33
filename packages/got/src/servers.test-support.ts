/**
 * Test fixtures: the emulator with a service account, a plain server on 127.0.0.1 that plays "another origin", and providers that count calls.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

import { serviceAccount, type AccessToken, type GetTokenOptions, type TokenProvider } from '@nebius-auth/core'
import { startEmulator, type Emulator } from '@nebius-auth/emulator'

export interface RecordedHit {
  readonly path: string
  /** Every Authorization header received, so a duplicate shows up as two entries. */
  readonly authorization: readonly string[]
}

export interface OtherOrigin {
  /** `http://127.0.0.1:<port>`: another port is another origin. */
  readonly url: string
  readonly hits: RecordedHit[]
  close(): Promise<void>
}

/** A server that answers 200 to anything and records the Authorization headers it was sent. */
export async function startOtherOrigin(): Promise<OtherOrigin> {
  const hits: RecordedHit[] = []
  const server = createServer((request, response) => {
    const authorization: string[] = []
    for (let index = 0; index < request.rawHeaders.length; index += 2) {
      if (request.rawHeaders[index]?.toLowerCase() === 'authorization') {
        authorization.push(request.rawHeaders[index + 1] ?? '')
      }
    }
    hits.push({ path: request.url ?? '/', authorization })
    request.resume()
    response.writeHead(200, { 'content-type': 'text/plain' }).end('other origin')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}

export interface CountingProvider extends TokenProvider {
  readonly calls: GetTokenOptions[]
}

/** Hands out `token-1`, `token-2`, … on every call: tokens the emulator never issued, so it always answers 401. */
export function everNewTokens(): CountingProvider {
  const calls: GetTokenOptions[] = []
  return {
    calls,
    getToken(options = {}) {
      calls.push(options)
      return Promise.resolve<AccessToken>({
        token: `token-${calls.length}`,
        expiresAt: Date.now() + 3_600_000,
      })
    },
  }
}

/** A provider whose getToken never settles until its caller aborts; `started` resolves on the first call. */
export function hangingProvider(): TokenProvider & { started: Promise<void>; abortedReason(): unknown } {
  let markStarted = (): void => undefined
  const started = new Promise<void>((resolve) => {
    markStarted = resolve
  })
  let reason: unknown
  return {
    started,
    abortedReason: () => reason,
    getToken({ signal } = {}) {
      markStarted()
      return new Promise<AccessToken>((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          reason = signal.reason
          reject(signal.reason as Error)
        })
      })
    },
  }
}

export interface EmulatorFixture {
  readonly emulator: Emulator
  /** A fresh, cold service-account provider against the emulator; closed after the test. */
  provider(): TokenProvider & { close(): void }
  /** Exchanges accepted since the last `reset()`. */
  exchanges(): number
  /** Authorization headers the emulator's API received since the last `reset()`, in order. */
  apiAuthorizations(): (string | undefined)[]
  /** Starts counting exchanges and requests afresh. */
  reset(): void
  /** Closes the providers made for the test, then resets. */
  afterTest(): void
  close(): Promise<void>
}

/** One emulator and one service account per test file; a cold provider per test. */
export async function startEmulatorFixture(): Promise<EmulatorFixture> {
  const emulator = await startEmulator()
  const account = emulator.createServiceAccount({ keyBits: 2048 })
  const providers: { close(): void }[] = []
  let exchangesBefore = 0
  const reset = (): void => {
    exchangesBefore = emulator.stats().exchanges.accepted
    emulator.clearRequests()
  }
  return {
    emulator,
    provider() {
      const provider = serviceAccount({
        serviceAccountId: account.serviceAccountId,
        publicKeyId: account.publicKeyId,
        privateKey: account.privateKeyPem,
        endpoint: emulator.exchangeEndpoint,
      })
      providers.push(provider)
      return provider
    },
    exchanges: () => emulator.stats().exchanges.accepted - exchangesBefore,
    apiAuthorizations: () =>
      emulator
        .requests()
        .filter((request) => request.path.startsWith('/v1/'))
        .map((request) => request.authorization),
    afterTest() {
      for (const provider of providers.splice(0)) provider.close()
      reset()
    },
    reset,
    close: () => emulator.close(),
  }
}

// Shared with the other adapters' suites.
export {
  rotatingTokens,
  secretPart,
  startScriptedServer,
  type ScriptedServer,
} from '@nebius-auth/adapter-fixtures'
