/**
 * Servers and providers the adapters' test suites share: the emulator with a registered key, a second
 * plain `node:http` server on another port (another origin), a server answering scripted statuses, and
 * providers with known behaviour. Loaded as TypeScript by vitest; never built or published.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { CredentialsError, serviceAccount, type AccessToken, type TokenProvider } from '@nebius-auth/core'
import { cachedProvider } from '@nebius-auth/core/advanced'
import { startEmulator, type Emulator, type EmulatorGrpc } from '@nebius-auth/emulator'

// One key pair per test file: 2048 bits keeps generation fast, and registering it on each fresh emulator
// gives every test its own counters without generating a key per test.
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 })
const privateKeyPem = keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const publicKeyPem = keyPair.publicKey.export({ type: 'spki', format: 'pem' }).toString()

export interface EmulatorContext {
  readonly emulator: Emulator
  /** A service-account provider that exchanges against this emulator. */
  readonly provider: TokenProvider & { close(): void }
  /** `[emulator.url]`: the only origin allowed in most tests. */
  readonly origins: readonly string[]
  /** A provider of its own for a new service account on this emulator: cold, so its first call exchanges. */
  coldProvider(): TokenProvider & { close(): void }
  close(): Promise<void>
}

export async function startEmulatorContext(options: { grpc?: boolean } = {}): Promise<EmulatorContext> {
  const emulator = await startEmulator({ grpc: options.grpc === true })
  const { serviceAccountId, publicKeyId } = emulator.registerKey(publicKeyPem)
  const provider = serviceAccount({
    serviceAccountId,
    publicKeyId,
    privateKey: privateKeyPem,
    endpoint: emulator.exchangeEndpoint,
  })
  return {
    emulator,
    provider,
    origins: [emulator.url],
    coldProvider() {
      const registered = emulator.registerKey(publicKeyPem)
      return serviceAccount({ ...registered, privateKey: privateKeyPem, endpoint: emulator.exchangeEndpoint })
    },
    async close() {
      provider.close()
      await emulator.close()
    },
  }
}

/** An emulator context with the TLS gRPC face, and the face's `https://localhost:<port>` origin. */
export interface GrpcEmulatorContext extends EmulatorContext {
  readonly grpc: EmulatorGrpc
  /** `['https://localhost:<port>']`: the gRPC face's origin. */
  readonly grpcOrigins: readonly string[]
}

export async function startGrpcEmulatorContext(): Promise<GrpcEmulatorContext> {
  const context = await startEmulatorContext({ grpc: true })
  const grpc = context.emulator.grpc
  if (grpc === undefined) throw new Error('the emulator started without its gRPC face')
  return { ...context, grpc, grpcOrigins: [`https://${grpc.address}`] }
}

/** The Authorization headers the emulator saw for requests to `path` (query string ignored), in order. */
export function authorizationsFor(emulator: Emulator, path: string): (string | undefined)[] {
  return emulator
    .requests()
    .filter((request) => request.path.split('?')[0] === path)
    .map((request) => request.authorization)
}

export interface RecordedHit {
  readonly path: string
  readonly authorization: string | undefined
}

export interface RecordingServer {
  readonly url: string
  readonly hits: RecordedHit[]
  close(): Promise<void>
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void

/** A plain HTTP server on 127.0.0.1 that records each request's Authorization and answers 200 unless told otherwise. */
export async function startRecordingServer(handler?: Handler): Promise<RecordingServer> {
  const hits: RecordedHit[] = []
  const server = createServer((request, response) => {
    hits.push({ path: request.url ?? '/', authorization: request.headers.authorization })
    if (handler !== undefined) {
      handler(request, response)
      return
    }
    request.resume()
    response.end('ok')
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

/** A provider handing out `token-1`, `token-2`, …: a fresh one for every rejected token, none of them valid at the emulator. */
export function countingProvider(): TokenProvider & { close(): void; readonly exchanges: () => number } {
  let count = 0
  const provider = cachedProvider(async (): Promise<AccessToken> => {
    count += 1
    return { token: `token-${count}`, expiresAt: Date.now() + 3_600_000 }
  })
  return {
    getToken: (options) => provider.getToken(options),
    close: () => {
      provider.close()
    },
    exchanges: () => count,
  }
}

/**
 * A provider whose getToken never resolves. With `honoursSignal` it rejects with the signal's reason on
 * abort, as core's providers do; without, it ignores the signal, as a careless hand-written one might.
 */
export function hangingProvider(options: {
  honoursSignal: boolean
}): TokenProvider & { readonly called: Promise<void> } {
  let markCalled: () => void = () => undefined
  const called = new Promise<void>((resolve) => {
    markCalled = resolve
  })
  return {
    called,
    getToken: (getTokenOptions) => {
      markCalled()
      return new Promise<AccessToken>((_resolve, reject) => {
        const signal = getTokenOptions?.signal
        if (!options.honoursSignal || signal === undefined) return
        signal.addEventListener('abort', () => {
          reject(signal.reason as Error)
        })
      })
    },
  }
}

export interface ScriptedServer {
  readonly url: string
  /** The Authorization header of every request received, in order (`undefined` when absent). */
  readonly authorizations: (string | undefined)[]
  close(): Promise<void>
}

/**
 * A server on 127.0.0.1 that answers its n-th request with `statuses[n]` (a JSON body), or 200 once the list
 * runs out. A status of 0 never answers, for timeouts.
 */
export async function startScriptedServer(statuses: readonly number[]): Promise<ScriptedServer> {
  const authorizations: (string | undefined)[] = []
  const server = createServer((request, response) => {
    const status = statuses[authorizations.length] ?? 200
    authorizations.push(request.headers.authorization)
    request.resume()
    if (status === 0) return
    response.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":false}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}

/** The part of every token from {@link rotatingTokens} that must never show up in logs. */
export const secretPart = 'secretsignature'

/** Hands out a new Nebius-shaped token, `v1.payload<n>.secretsignature<n>`, on every call. */
export function rotatingTokens(): TokenProvider & { readonly calls: () => number } {
  let calls = 0
  return {
    calls: () => calls,
    getToken: () => {
      calls += 1
      return Promise.resolve<AccessToken>({
        token: `v1.payload${calls}.${secretPart}${calls}`,
        expiresAt: Date.now() + 3_600_000,
      })
    },
  }
}

/** A provider that fails as `fromEnvironment()` does when nothing is configured. */
export const failingProvider: TokenProvider = {
  getToken: () => Promise.reject(new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', 'no credentials')),
}

/** What `request` rejects with; a resolved request fails the test. */
export async function rejection(request: Promise<unknown>): Promise<unknown> {
  return request.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

export {
  proxyingAgent,
  startRecordingProxy,
  type ProxyVisit,
  type RecordingProxy,
} from './recording-proxy.js'

/** A token with a header injection in it, as a careless custom provider might hand out. */
const injectedToken = 'abc\r\nx-evil: 1'

/** A provider of the caller's own that hands out {@link injectedToken} and counts its calls. */
export function injectingProvider(): TokenProvider & { readonly calls: () => number } {
  let calls = 0
  return {
    calls: () => calls,
    getToken: () => {
      calls += 1
      return Promise.resolve<AccessToken>({ token: injectedToken, expiresAt: Date.now() + 3_600_000 })
    },
  }
}
