import { create, createFileRegistry, type DescMessage, type DescService } from '@bufbuild/protobuf'
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt'
import { Code, ConnectError, createClient, type CallOptions } from '@connectrpc/connect'
import { createGrpcTransport } from '@connectrpc/connect-node'
import { conformanceBody, describeConformance } from '@nebius-auth/adapter-fixtures/conformance'
import { startGrpcConformanceServer } from '@nebius-auth/adapter-fixtures/conformance-grpc'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'

// `service Conformance { rpc Send(Body) returns (Body); rpc SendStream(stream Body) returns (Body); }` with
// `message Body { string text = 1; }`, the shape the fixtures' server reads, described without codegen.
const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'nebius_auth/conformance/v1/conformance.proto',
    package: 'nebius_auth.conformance.v1',
    syntax: 'proto3',
    messageType: [
      {
        name: 'Body',
        field: [
          {
            name: 'text',
            jsonName: 'text',
            number: 1,
            type: FieldDescriptorProto_Type.STRING,
            label: FieldDescriptorProto_Label.OPTIONAL,
          },
        ],
      },
    ],
    service: [
      {
        name: 'Conformance',
        method: [
          {
            name: 'Send',
            inputType: '.nebius_auth.conformance.v1.Body',
            outputType: '.nebius_auth.conformance.v1.Body',
          },
          {
            name: 'SendStream',
            inputType: '.nebius_auth.conformance.v1.Body',
            outputType: '.nebius_auth.conformance.v1.Body',
            clientStreaming: true,
          },
        ],
      },
    ],
  }),
  () => undefined,
)
const Conformance = registry.getService('nebius_auth.conformance.v1.Conformance') as DescService
const Body = registry.getMessage('nebius_auth.conformance.v1.Body') as DescMessage

describeConformance({
  name: 'connect (gRPC transport)',
  startServer: startGrpcConformanceServer,
  // A 'stream' body is a client-streaming call, consumed as it is sent: never replayed.
  streamBodies: 'not-retried',
  client(server, options) {
    const transport = createGrpcTransport({
      baseUrl: server.origin,
      interceptors: [nebiusAuthInterceptor(options)],
    })
    // A service described at run time has no generated method types: these are the two it has.
    const client = createClient(Conformance, transport) as unknown as {
      send(message: unknown, options: CallOptions): Promise<unknown>
      sendStream(messages: AsyncIterable<unknown>, options: CallOptions): Promise<unknown>
    }
    const message = (text: string) => create(Body, { text })
    return {
      async send(request = {}) {
        const headers = request.authorization === undefined ? {} : { authorization: request.authorization }
        try {
          if (request.body === 'stream') {
            await client.sendStream(
              (async function* () {
                yield message(conformanceBody)
              })(),
              { headers },
            )
          } else await client.send(message(request.body === 'data' ? conformanceBody : ''), { headers })
          return 'ok'
        } catch (error) {
          if (error instanceof ConnectError && error.code === Code.Unauthenticated) return 'refused'
          throw error
        }
      },
    }
  },
})
