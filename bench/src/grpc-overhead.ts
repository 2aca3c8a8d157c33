/**
 * Client CPU per unary gRPC call with our credentials versus the same client sending a fixed
 * `authorization` metadata entry (what a hand-rolled setup does), for grpc-js and Connect-ES, against a
 * plaintext loopback server in a child process, at the same concurrency, in interleaved rounds. Both arms
 * of a client send a Bearer token, so the figure is what the adapter's per-call work costs.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

import { createClient, type Interceptor } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import {
  credentials,
  InterceptingCall,
  loadPackageDefinition,
  Metadata,
  type Client,
  type Interceptor as GrpcInterceptor,
  type ServiceError,
} from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { nebiusAuthInterceptor } from '@nebius-auth/connect'
import { cachedProvider, type TokenProvider } from '@nebius-auth/core'
import { bearer } from '@nebius-auth/core/adapter'
import { protoDirectory, TestService } from '@nebius-auth/emulator/proto'
import { nebiusCredentials } from '@nebius-auth/grpc'

import { interleave, timed, type Comparison, type Measurement } from './interleave.js'

/** One Whoami call; resolves with the authorization the server saw. */
type Call = () => Promise<string>

const concurrency = 16
const token = 'v1.bench.token'

type WhoamiClient = Client & {
  Whoami(
    request: object,
    metadata: Metadata,
    callback: (error: ServiceError | null, response?: { serviceAccountId: string }) => void,
  ): void
}
type WhoamiConstructor = new (
  target: string,
  channel: ReturnType<typeof credentials.createInsecure>,
  options?: object,
) => WhoamiClient

const TestServiceClient = (
  loadPackageDefinition(
    loadSync('nebius_auth/emulator/v1/test_service.proto', { includeDirs: [protoDirectory] }),
  ) as unknown as {
    nebius_auth: { emulator: { v1: { TestService: WhoamiConstructor } } }
  }
).nebius_auth.emulator.v1.TestService

async function callsPerSecond(call: Call, total: number): Promise<Measurement> {
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < total) {
      started += 1
      await call()
    }
  }
  const { wall, cpu } = await timed(() => Promise.all(Array.from({ length: concurrency }, worker)))
  return { wall: (total * 1e3) / wall, cpu: (total * 1e3) / cpu }
}

function grpcJsCall(client: WhoamiClient, metadata: () => Metadata): Call {
  return () =>
    new Promise((resolve, reject) => {
      client.Whoami({}, metadata(), (error, response) => {
        if (error === null) resolve(response?.serviceAccountId ?? '')
        else reject(error)
      })
    })
}

function clients(
  target: string,
  provider: TokenProvider,
): Record<string, { bare: Call; adapted: Call; close(): void }> {
  const origins = [`http://${target}`]
  const fixed = new Metadata()
  fixed.set('authorization', bearer(token))
  const bareGrpc = new TestServiceClient(target, credentials.createInsecure())
  // grpc-js's interceptor machinery has a cost of its own; this arm shows how much of the gap is ours.
  const passThrough: GrpcInterceptor = (options, nextCall) => new InterceptingCall(nextCall(options))
  const interceptedGrpc = new TestServiceClient(target, credentials.createInsecure(), {
    interceptors: [passThrough],
  })
  const authGrpc = new TestServiceClient(
    target,
    ...nebiusCredentials({ provider, origins, channelCredentials: credentials.createInsecure() }),
  )
  const fixedHeader: Interceptor = (next) => (request) => {
    request.header.set('authorization', bearer(token))
    return next(request)
  }
  const transport = (interceptor: Interceptor) =>
    createGrpcTransport({ baseUrl: `http://${target}`, interceptors: [interceptor] })
  const bareConnect = createClient(TestService, transport(fixedHeader))
  const authConnect = createClient(TestService, transport(nebiusAuthInterceptor({ provider, origins })))
  return {
    'grpc-js': {
      bare: grpcJsCall(bareGrpc, () => fixed),
      adapted: grpcJsCall(authGrpc, () => new Metadata()),
      close: () => {
        bareGrpc.close()
      },
    },
    'grpc-js vs a pass-through interceptor': {
      bare: grpcJsCall(interceptedGrpc, () => fixed),
      adapted: grpcJsCall(authGrpc, () => new Metadata()),
      close: () => {
        interceptedGrpc.close()
        authGrpc.close()
      },
    },
    connect: {
      bare: async () => (await bareConnect.whoami({})).serviceAccountId,
      adapted: async () => (await authConnect.whoami({})).serviceAccountId,
      close: () => undefined,
    },
  }
}

async function startServer(): Promise<{ target: string; close: () => Promise<void> }> {
  const server = spawn(process.execPath, [fileURLToPath(new URL('./grpc-ping-server.js', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const [chunk] = (await once(server.stdout, 'data')) as [Buffer]
  return {
    target: `127.0.0.1:${chunk.toString().trim()}`,
    close: async () => {
      const exited = once(server, 'exit')
      server.stdin.end()
      await exited
    },
  }
}

export async function grpcOverhead(
  rounds: number,
  callsPerRound: number,
): Promise<Record<string, Comparison>> {
  const server = await startServer()
  const provider = cachedProvider(() => Promise.resolve({ token, expiresAt: Date.now() + 12 * 3600_000 }))
  await provider.getToken()
  const results: Record<string, Comparison> = {}
  try {
    for (const [name, arms] of Object.entries(clients(server.target, provider))) {
      const { bare, adapted } = arms
      // Void unless both arms really send the token.
      const [bareSent, adaptedSent] = [await bare(), await adapted()]
      if (bareSent !== bearer(token) || adaptedSent !== bearer(token)) {
        throw new Error(`${name}: expected both arms to send the bearer token`)
      }
      results[name] = await interleave(
        { rounds, warmupRounds: 2, unit: 'calls/s' },
        () => callsPerSecond(bare, callsPerRound),
        () => callsPerSecond(adapted, callsPerRound),
      )
      arms.close()
    }
  } finally {
    provider.close()
    await server.close()
  }
  return results
}
