/**
 * Client CPU per unary gRPC call with our credentials, for grpc-js and Connect-ES, against a plaintext
 * loopback server in a child process, at the same concurrency, in interleaved rounds, versus two
 * baselines: the same client sending a fixed `authorization` metadata entry (what a hand-rolled setup
 * does), and the same client with a hand-written interceptor that sets that entry from the same provider
 * (the smallest interceptor a user could write: no origin check, no retry). Every arm sends a Bearer
 * token, so the figures are what the adapter's per-call work costs. The arms are exported for the
 * allocation figure (allocation-child.ts).
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
import type { TokenProvider } from '@nebius-auth/core'
import { bearer } from '@nebius-auth/core/adapter'
import { protoDirectory, TestService } from '@nebius-auth/emulator/proto'
import { nebiusCredentials } from '@nebius-auth/grpc'

import { concurrently, interleave, timed, type Comparison, type Measurement } from './interleave.js'
import { benchDefaultProvider, benchToken, explicitProvider } from './token-sources.js'

/** One Whoami call; resolves with the authorization the server saw. */
export type Call = () => Promise<string>

export const concurrency = 16

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
  const { wall, cpu } = await timed(() => concurrently(concurrency, total, call))
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

/** The arms of one gRPC client: fixed metadata, our adapter, and a hand-written interceptor. */
export interface GrpcArms {
  fixed: Call
  adapted: Call
  handWritten: Call
  close(): void
}

/**
 * The arms of grpc-js and Connect. Without `provider`, the adapters are built without one (the default
 * provider) and the hand-written interceptors read that same default provider.
 */
export function grpcClients(target: string, provider?: TokenProvider): Record<string, GrpcArms> {
  const source = provider ?? benchDefaultProvider()
  const origins = [`http://${target}`]
  const adapterOptions = provider === undefined ? { origins } : { provider, origins }
  const fixed = new Metadata()
  fixed.set('authorization', bearer(benchToken))
  const fixedGrpc = new TestServiceClient(target, credentials.createInsecure())
  // What a user writes by hand: wait for the token, set the entry, start the call. grpc-js holds the
  // call's messages until `next` runs.
  const handWrittenInterceptor: GrpcInterceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        void source.getToken().then(({ token }) => {
          metadata.set('authorization', bearer(token))
          next(metadata, listener)
        })
      },
    })
  const handWrittenGrpc = new TestServiceClient(target, credentials.createInsecure(), {
    interceptors: [handWrittenInterceptor],
  })
  const authGrpc = new TestServiceClient(
    target,
    ...nebiusCredentials({ ...adapterOptions, channelCredentials: credentials.createInsecure() }),
  )
  const fixedHeader: Interceptor = (next) => (request) => {
    request.header.set('authorization', bearer(benchToken))
    return next(request)
  }
  const handWrittenHeader: Interceptor = (next) => async (request) => {
    request.header.set('authorization', bearer((await source.getToken()).token))
    return next(request)
  }
  const transport = (interceptor: Interceptor) =>
    createGrpcTransport({ baseUrl: `http://${target}`, interceptors: [interceptor] })
  const fixedConnect = createClient(TestService, transport(fixedHeader))
  const handWrittenConnect = createClient(TestService, transport(handWrittenHeader))
  const authConnect = createClient(TestService, transport(nebiusAuthInterceptor(adapterOptions)))
  return {
    'grpc-js': {
      fixed: grpcJsCall(fixedGrpc, () => fixed),
      adapted: grpcJsCall(authGrpc, () => new Metadata()),
      handWritten: grpcJsCall(handWrittenGrpc, () => new Metadata()),
      close: () => {
        fixedGrpc.close()
        handWrittenGrpc.close()
        authGrpc.close()
      },
    },
    connect: {
      fixed: async () => (await fixedConnect.whoami({})).serviceAccountId,
      adapted: async () => (await authConnect.whoami({})).serviceAccountId,
      handWritten: async () => (await handWrittenConnect.whoami({})).serviceAccountId,
      close: () => undefined,
    },
  }
}

/** Void unless every arm really sends the token. */
export async function checkGrpcArms(name: string, arms: GrpcArms): Promise<void> {
  const sent = [await arms.fixed(), await arms.adapted(), await arms.handWritten()]
  if (sent.some((authorization) => authorization !== bearer(benchToken))) {
    throw new Error(`${name}: expected every arm to send the bearer token`)
  }
}

export async function startGrpcServer(): Promise<{ target: string; close: () => Promise<void> }> {
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

/**
 * Per client: ours against fixed metadata and against a hand-written interceptor with a provider passed
 * explicitly, and with the default provider against a hand-written interceptor reading it.
 */
export interface GrpcComparisons {
  fixed: Comparison
  handWritten: Comparison
  defaultProvider: Comparison
}

export async function grpcOverhead(
  rounds: number,
  callsPerRound: number,
): Promise<Record<string, GrpcComparisons>> {
  const server = await startGrpcServer()
  const provider = explicitProvider()
  const fallback = benchDefaultProvider()
  await Promise.all([provider.getToken(), fallback.getToken()])
  const results: Record<string, GrpcComparisons> = {}
  const explicit = grpcClients(server.target, provider)
  const withDefault = grpcClients(server.target)
  try {
    for (const [name, arms] of Object.entries(explicit)) {
      const defaultArms = withDefault[name]
      if (defaultArms === undefined) throw new Error(`${name}: no default-provider arms`)
      await checkGrpcArms(name, arms)
      await checkGrpcArms(`${name} with the default provider`, defaultArms)
      const options = { rounds, warmupRounds: 2, unit: 'calls/s' }
      const perSecond = (call: Call) => () => callsPerSecond(call, callsPerRound)
      results[name] = {
        fixed: await interleave(options, perSecond(arms.fixed), perSecond(arms.adapted)),
        handWritten: await interleave(options, perSecond(arms.handWritten), perSecond(arms.adapted)),
        defaultProvider: await interleave(
          options,
          perSecond(defaultArms.handWritten),
          perSecond(defaultArms.adapted),
        ),
      }
    }
  } finally {
    for (const arms of [...Object.values(explicit), ...Object.values(withDefault)]) arms.close()
    provider.close()
    fallback.close()
    await server.close()
  }
  return results
}
