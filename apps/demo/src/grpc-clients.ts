/**
 * The two gRPC clients, each authenticated by its nebius-auth adapter, calling `ProfileService/Get` the way
 * a Nebius user does: grpc-js with a proto-loader client, and Connect-ES over its gRPC transport.
 */
import { createClient } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import {
  credentials,
  loadPackageDefinition,
  status,
  type ChannelCredentials,
  type Client,
  type ServiceError,
} from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { nebiusAuthInterceptor } from '@nebius-auth/connect'
import type { NebiusAuthOptions } from '@nebius-auth/core'
import { ProfileService, protoDirectory } from '@nebius-auth/emulator/proto'
import { nebiusCredentials } from '@nebius-auth/grpc'

export type GrpcClientName = 'grpc-js' | 'connect'
export const grpcClientNames: readonly GrpcClientName[] = ['grpc-js', 'connect']

/** Where to call: a TLS target (`host:port`) and, for a private CA such as the emulator's, the root to trust. */
export interface GrpcEndpoint {
  readonly target: string
  readonly rootCert?: string | undefined
}

/**
 * One `ProfileService/Get`; resolves with `OK` and the caller's ID, or the gRPC status name and the
 * error's details (for UNAVAILABLE, the TLS or connection reason).
 */
export interface ProfileCall {
  get(): Promise<{ status: string; id?: string; details?: string }>
  close(): void
}

type GetCallback = (
  error: ServiceError | null,
  response?: { serviceAccountProfile?: { info?: { metadata?: { id?: string } } } },
) => void
type ProfileClient = Client & { Get(request: object, callback: GetCallback): void }
type ProfileClientConstructor = new (
  address: string,
  channel: ChannelCredentials,
  options?: object,
) => ProfileClient

let profileServiceClient: ProfileClientConstructor | undefined
function profileClientConstructor(): ProfileClientConstructor {
  profileServiceClient ??= (
    loadPackageDefinition(
      loadSync('nebius/iam/v1/profile_service.proto', { includeDirs: [protoDirectory], oneofs: true }),
    ) as unknown as { nebius: { iam: { v1: { ProfileService: ProfileClientConstructor } } } }
  ).nebius.iam.v1.ProfileService
  return profileServiceClient
}

/** The gRPC status name for a code; Connect's codes are gRPC's numbers, so one table serves both clients. */
function statusName(code: number): string {
  return (status as unknown as Record<number, string | undefined>)[code] ?? String(code)
}

export function createProfileCall(
  name: GrpcClientName,
  endpoint: GrpcEndpoint,
  options: NebiusAuthOptions,
): ProfileCall {
  if (name === 'grpc-js') {
    const channelCredentials = credentials.createSsl(
      endpoint.rootCert === undefined ? null : Buffer.from(endpoint.rootCert),
    )
    const client = new (profileClientConstructor())(
      endpoint.target,
      ...nebiusCredentials({ ...options, channelCredentials }),
    )
    return {
      get: () =>
        new Promise((resolve) => {
          client.Get({}, (error, response) => {
            if (error === null)
              resolve({ status: 'OK', id: response?.serviceAccountProfile?.info?.metadata?.id })
            else resolve({ status: statusName(error.code), details: error.details })
          })
        }),
      close: () => {
        client.close()
      },
    }
  }
  const transport = createGrpcTransport({
    baseUrl: `https://${endpoint.target}`,
    ...(endpoint.rootCert === undefined ? {} : { nodeOptions: { ca: endpoint.rootCert } }),
    interceptors: [nebiusAuthInterceptor(options)],
  })
  const client = createClient(ProfileService, transport)
  return {
    get: async () => {
      try {
        const response = await client.get({})
        const id =
          response.profile.case === 'serviceAccountProfile'
            ? response.profile.value.info?.metadata?.id
            : undefined
        return { status: 'OK', id }
      } catch (error) {
        const { code, rawMessage } = error as { code?: number; rawMessage?: string }
        return { status: code === undefined ? 'UNKNOWN' : statusName(code), details: rawMessage }
      }
    },
    close: () => undefined,
  }
}
