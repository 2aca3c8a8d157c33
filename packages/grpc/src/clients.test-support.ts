/**
 * grpc-js clients for the emulator's services, made the two ways users make them: `@grpc/proto-loader` +
 * `loadPackageDefinition`, and a generated-code style constructor (`makeGenericClientConstructor` with
 * protobuf-es serializers). `@grpc/grpc-js` is whichever copy vitest resolves (see vitest.config.ts), so the
 * same suite runs against each supported grpc-js line.
 */
import { create, fromBinary, toBinary, type DescMessage, type DescService } from '@bufbuild/protobuf'
import * as grpc from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { protoDirectory } from '@nebius-auth/emulator/proto'

export { grpc }

type Callback = (error: grpc.ServiceError | null, value?: unknown) => void
type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: Callback,
) => grpc.ClientUnaryCall

/** A client with the service's methods by their proto names. */
export type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>
export type ClientConstructor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => AnyClient

const packages = grpc.loadPackageDefinition(
  loadSync(
    [
      'nebius/iam/v1/profile_service.proto',
      'nebius/iam/v1/token_exchange_service.proto',
      'nebius_auth/emulator/v1/test_service.proto',
    ],
    { includeDirs: [protoDirectory], longs: String, defaults: true, oneofs: true },
  ),
) as unknown as {
  nebius: { iam: { v1: Record<string, ClientConstructor> } }
  nebius_auth: { emulator: { v1: Record<string, ClientConstructor> } }
}

/** `nebius.iam.v1.ProfileService`, from proto-loader. */
export const ProfileServiceClient = packages.nebius.iam.v1.ProfileService!
/** `nebius_auth.emulator.v1.TestService`, from proto-loader. */
export const TestServiceClient = packages.nebius_auth.emulator.v1.TestService!

/** A client constructor the way protoc-generated code builds one, over protobuf-es messages. */
export function generatedClient(service: DescService): ClientConstructor {
  const serialize = (schema: DescMessage) => (value: object) =>
    Buffer.from(toBinary(schema, create(schema, value as never)))
  const deserialize = (schema: DescMessage) => (bytes: Buffer) => fromBinary(schema, bytes)
  const definition = Object.fromEntries(
    service.methods.map((method) => [
      method.name,
      {
        path: `/${service.typeName}/${method.name}`,
        requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
        responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
        requestSerialize: serialize(method.input),
        requestDeserialize: deserialize(method.input),
        responseSerialize: serialize(method.output),
        responseDeserialize: deserialize(method.output),
      },
    ]),
  )
  return grpc.makeGenericClientConstructor(definition, service.name) as unknown as ClientConstructor
}

/** Calls a unary method; resolves with the response or rejects with the ServiceError. */
export function unary<T = Record<string, unknown>>(
  client: AnyClient,
  method: string,
  request: unknown = {},
  options: {
    metadata?: grpc.Metadata
    callOptions?: grpc.CallOptions
    onCall?: (call: grpc.ClientUnaryCall) => void
  } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const call = (client[method] as UnaryMethod).call(
      client,
      request,
      options.metadata ?? new grpc.Metadata(),
      options.callOptions ?? {},
      (error, value) => {
        if (error === null) resolve(value as T)
        else reject(error)
      },
    )
    options.onCall?.(call)
  })
}

/** Reads a server stream to its end; resolves with the messages, or rejects with the error and what arrived. */
export async function readAll<T>(stream: AsyncIterable<unknown>): Promise<T[]> {
  const received: T[] = []
  try {
    for await (const message of stream) received.push(message as T)
  } catch (error) {
    throw Object.assign(error as Error, { received })
  }
  return received
}

/** Resolves with the error a promise rejects with; fails the test if it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<grpc.ServiceError & { received?: unknown[] }> {
  try {
    await promise
  } catch (error) {
    return error as grpc.ServiceError
  }
  throw new Error('expected the call to fail')
}

/** Channel credentials that trust the emulator's self-signed certificate. */
export function trusting(rootCert: string): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(rootCert))
}
