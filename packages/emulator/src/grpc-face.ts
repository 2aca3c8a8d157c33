/**
 * The emulator's gRPC face: a TLS gRPC server, as `*.api.nebius.cloud:443` is, serving the token exchange
 * and `ProfileService/Get` with the same state, verification, faults and counters as the HTTP face, a
 * stand-in for compute's `InstanceService/List` (so tests can call a second Nebius service with Nebius's own
 * protos), plus an emulator-only `TestService` with a method of every streaming shape for client tests.
 */
import { create } from '@bufbuild/protobuf'
import {
  Metadata,
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js'

import { checkBearer } from './api-handlers.js'
import type { FaultQueue } from './faults.js'
import {
  InstanceService,
  ListInstancesResponseSchema,
  type ListInstancesRequest,
} from './gen/nebius/compute/v1/instance_service_pb.js'
import { ProfileService, GetProfileResponseSchema } from './gen/nebius/iam/v1/profile_service_pb.js'
import {
  CreateTokenResponseSchema,
  TokenExchangeService,
  type ExchangeTokenRequest,
} from './gen/nebius/iam/v1/token_exchange_service_pb.js'
import {
  ChatMessageSchema,
  CollectResponseSchema,
  CountdownResponseSchema,
  TestService,
  WhoamiResponseSchema,
  type ChatMessage,
  type CollectRequest,
  type CountdownRequest,
} from './gen/nebius_auth/emulator/v1/test_service_pb.js'
import { applyGrpcFault } from './grpc-faults.js'
import { grpcServiceDefinition } from './grpc-service-definition.js'
import type { EmulatorState } from './state.js'
import { createSelfSignedCertificate } from './tls-certificate.js'
import { exchange } from './token-exchange-core.js'
import type { EmulatorGrpc } from './types.js'

/** The project every emulated service account and the stand-in instance live in (Nebius IDs' shape). */
const emulatorProjectId = 'project-e00emulator0000000'
/** The one instance `InstanceService/List` answers with, whatever project is asked for. */
const standInInstanceId = 'computeinstance-e00emulator0000000'

/** A status to end a call with; grpc-js turns it into the client's ServiceError. */
interface CallStatus {
  code: GrpcStatus
  details: string
}

type AnyCall = { readonly metadata: Metadata; getPath(): string }

/** RFC 6749 exchange rejections carry an HTTP status; gRPC callers see the matching code. */
function rejectionCode(httpStatus: number): GrpcStatus {
  return httpStatus === 401 ? GrpcStatus.UNAUTHENTICATED : GrpcStatus.INVALID_ARGUMENT
}

/** Records the call like an HTTP request and checks its token; a status to refuse it with, or the caller. */
function authenticate(state: EmulatorState, call: AnyCall): CallStatus | { serviceAccountId: string } {
  const values = call.metadata.get('authorization').map(String)
  state.requests.push({
    method: 'POST',
    path: call.getPath(),
    authorization: values.length === 0 ? undefined : values.join(', '),
    time: state.now(),
  })
  state.counters.apiRequests += 1
  if (values.length > 1) {
    return { code: GrpcStatus.INVALID_ARGUMENT, details: 'more than one authorization metadata entry' }
  }
  const result = checkBearer(state, values[0])
  if ('serviceAccountId' in result) return result
  state.counters.unauthorized += 1
  return { code: GrpcStatus.UNAUTHENTICATED, details: result.failure }
}

function refused(result: CallStatus | { serviceAccountId: string }): result is CallStatus {
  return 'code' in result
}

function implementations(
  state: EmulatorState,
  faults: FaultQueue,
  closing: AbortSignal,
): {
  tokenExchange: UntypedServiceImplementation
  profile: UntypedServiceImplementation
  computeStandIn: UntypedServiceImplementation
  test: UntypedServiceImplementation
} {
  const tokenExchange = {
    Exchange(call: ServerUnaryCall<ExchangeTokenRequest, unknown>, callback: sendUnaryData<unknown>) {
      void (async () => {
        const fault = faults.take()
        if (fault !== undefined) {
          const answered = await applyGrpcFault(fault, closing)
          if (answered !== undefined) {
            state.counters.failed += 1
            if ('message' in answered) callback(null, answered.message)
            else callback(answered)
            return
          }
        }
        const { request } = call
        const outcome = await exchange(state, {
          grantType: request.grantType,
          requestedTokenType: request.requestedTokenType,
          subjectToken: request.subjectToken,
          subjectTokenType: request.subjectTokenType,
          actorToken: request.actorToken,
          actorTokenType: request.actorTokenType,
        })
        if (!outcome.ok) {
          callback({
            code: rejectionCode(outcome.status),
            details: `${outcome.error}: ${outcome.description}`,
          })
          return
        }
        callback(
          null,
          create(CreateTokenResponseSchema, {
            accessToken: outcome.accessToken,
            issuedTokenType: outcome.issuedTokenType,
            tokenType: outcome.tokenType,
            expiresIn: BigInt(outcome.expiresIn),
          }),
        )
      })()
    },
  }

  const profile = {
    Get(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      const caller = authenticate(state, call)
      if (refused(caller)) {
        callback(caller)
        return
      }
      // The fields Nebius's ServiceAccount has (nebius/iam/v1/service_account.proto), so the real protos decode it.
      const metadata = {
        id: caller.serviceAccountId,
        parentId: emulatorProjectId,
        name: caller.serviceAccountId,
      }
      const info = { metadata, spec: {}, status: { active: true } }
      callback(
        null,
        create(GetProfileResponseSchema, { profile: { case: 'serviceAccountProfile', value: { info } } }),
      )
    },
  }

  // Not compute itself: a token-checked List that answers one fixed instance, in the real wire shape.
  const computeStandIn = {
    List(call: ServerUnaryCall<ListInstancesRequest, unknown>, callback: sendUnaryData<unknown>) {
      const caller = authenticate(state, call)
      if (refused(caller)) {
        callback(caller)
        return
      }
      const parentId = call.request.parentId === '' ? emulatorProjectId : call.request.parentId
      const metadata = { id: standInInstanceId, parentId, name: 'emulator-instance' }
      callback(null, create(ListInstancesResponseSchema, { items: [{ metadata }] }))
    },
  }

  const test = {
    Whoami(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      const caller = authenticate(state, call)
      if (refused(caller)) callback(caller)
      else callback(null, create(WhoamiResponseSchema, { serviceAccountId: caller.serviceAccountId }))
    },
    Countdown(call: ServerWritableStream<CountdownRequest, unknown>) {
      const caller = authenticate(state, call)
      if (refused(caller)) {
        call.emit('error', caller)
        return
      }
      const { count, intervalMs } = call.request
      let remaining = Math.min(Math.max(count, 0), 10_000)
      const next = (): void => {
        if (call.cancelled) return
        // A long stream outlives its token: each message checks it again, as a revocation test needs.
        const still = checkBearer(state, call.metadata.get('authorization').map(String)[0])
        if (!('serviceAccountId' in still)) {
          state.counters.unauthorized += 1
          call.emit('error', { code: GrpcStatus.UNAUTHENTICATED, details: still.failure })
          return
        }
        if (remaining === 0) {
          call.end()
          return
        }
        remaining -= 1
        call.write(create(CountdownResponseSchema, { remaining }))
        setTimeout(next, Math.max(intervalMs, 0)).unref()
      }
      next()
    },
    Collect(call: ServerReadableStream<CollectRequest, unknown>, callback: sendUnaryData<unknown>) {
      const caller = authenticate(state, call)
      if (refused(caller)) {
        call.resume()
        callback(caller)
        return
      }
      let count = 0
      call.on('data', () => {
        count += 1
      })
      call.on('end', () => {
        callback(null, create(CollectResponseSchema, { count }))
      })
    },
    Chat(call: ServerDuplexStream<ChatMessage, unknown>) {
      const caller = authenticate(state, call)
      if (refused(caller)) {
        call.resume()
        call.emit('error', caller)
        return
      }
      call.on('data', (message: ChatMessage) => {
        call.write(create(ChatMessageSchema, { text: message.text }))
      })
      call.on('end', () => {
        call.end()
      })
    },
  }
  return { tokenExchange, profile, computeStandIn, test }
}

function grpcHostForAddress(host: string): string {
  // The certificate names localhost; a client dials a loopback or wildcard listener by that name.
  return ['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host) ? 'localhost' : host
}

/** A running gRPC face and how to stop it. */
export interface GrpcFace extends EmulatorGrpc {
  close(): void
}

/** Starts the TLS gRPC server on `host` and a free port. */
export async function startGrpcFace(
  state: EmulatorState,
  faults: FaultQueue,
  host: string,
  closing: AbortSignal,
): Promise<GrpcFace> {
  const serverName = grpcHostForAddress(host)
  const { certificatePem, privateKeyPem } = createSelfSignedCertificate([
    ...new Set(['localhost', '127.0.0.1', '::1', serverName]),
  ])
  const server = new Server()
  const handlers = implementations(state, faults, closing)
  server.addService(grpcServiceDefinition(TokenExchangeService), handlers.tokenExchange)
  server.addService(grpcServiceDefinition(ProfileService), handlers.profile)
  server.addService(grpcServiceDefinition(InstanceService), handlers.computeStandIn)
  server.addService(grpcServiceDefinition(TestService), handlers.test)
  const credentials = ServerCredentials.createSsl(
    null,
    [{ private_key: Buffer.from(privateKeyPem), cert_chain: Buffer.from(certificatePem) }],
    false,
  )
  const bindHost = host.includes(':') ? `[${host}]` : host
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:0`, credentials, (error, boundPort) => {
      if (error === null) resolve(boundPort)
      else reject(error)
    })
  })
  return {
    address: `${serverName}:${port}`,
    rootCert: certificatePem,
    close: () => {
      server.forceShutdown()
    },
  }
}
