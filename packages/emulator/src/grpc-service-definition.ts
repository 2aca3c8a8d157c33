/**
 * grpc-js serves any service given serializers; these come from the protobuf-es descriptors generated from
 * the emulator's own .proto files, so the wire format is exactly what the schema says. A handler may answer
 * with raw bytes instead of a message: that is how a fault sends a body that is not a valid message.
 */
import { create, fromBinary, toBinary, type DescMessage, type DescService } from '@bufbuild/protobuf'
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js'

function serializer(schema: DescMessage): (value: unknown) => Buffer {
  // `create` takes a message as it is and builds one from a plain object, so clients may pass either.
  return (value) =>
    value instanceof Uint8Array
      ? Buffer.from(value)
      : Buffer.from(toBinary(schema, create(schema, value as never)))
}

function deserializer(schema: DescMessage): (bytes: Buffer) => unknown {
  return (bytes) => fromBinary(schema, bytes)
}

/**
 * The grpc-js service definition of a protobuf-es service descriptor: for the server here, and, with
 * `makeGenericClientConstructor`, for a client in tests.
 */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {}
  for (const method of service.methods) {
    definition[method.name] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
    }
  }
  return definition
}
