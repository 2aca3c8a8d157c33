import { describeConformance, conformanceBody } from '@nebius-auth/adapter-fixtures/conformance'
import {
  decodeConformanceMessage,
  encodeConformanceMessage,
  startGrpcConformanceServer,
} from '@nebius-auth/adapter-fixtures/conformance-grpc'
import { afterAll } from 'vitest'

import { grpc } from './clients.test-support.js'
import { nebiusCredentials } from './nebius-credentials.js'

const serialize = (text: string): Buffer => Buffer.from(encodeConformanceMessage(text))
const deserialize = (bytes: Buffer): string => decodeConformanceMessage(bytes)
const ConformanceClient = grpc.makeGenericClientConstructor(
  {
    Send: {
      path: '/nebius_auth.conformance.v1.Conformance/Send',
      requestStream: false,
      responseStream: false,
      requestSerialize: serialize,
      requestDeserialize: deserialize,
      responseSerialize: serialize,
      responseDeserialize: deserialize,
    },
    SendStream: {
      path: '/nebius_auth.conformance.v1.Conformance/SendStream',
      requestStream: true,
      responseStream: false,
      requestSerialize: serialize,
      requestDeserialize: deserialize,
      responseSerialize: serialize,
      responseDeserialize: deserialize,
    },
  },
  'Conformance',
)
type Callback = (error: grpc.ServiceError | null) => void
interface Conformance extends grpc.Client {
  Send(request: string, metadata: grpc.Metadata, callback: Callback): grpc.ClientUnaryCall
  SendStream(metadata: grpc.Metadata, callback: Callback): grpc.ClientWritableStream<string>
}

const clients: grpc.Client[] = []
afterAll(() => {
  for (const client of clients) client.close()
})

describeConformance({
  name: 'grpc-js',
  startServer: startGrpcConformanceServer,
  // A 'stream' body is a client-streaming call, whose messages are gone once written: never replayed.
  streamBodies: 'not-retried',
  client(server, options) {
    const target = new URL(server.origin).host
    const client = new ConformanceClient(
      target,
      ...nebiusCredentials({ ...options, channelCredentials: grpc.credentials.createInsecure() }),
    ) as unknown as Conformance
    clients.push(client)
    return {
      send: (request = {}) =>
        new Promise((resolve, reject) => {
          const metadata = new grpc.Metadata()
          if (request.authorization !== undefined) metadata.set('authorization', request.authorization)
          const done: Callback = (error) => {
            if (error === null) resolve('ok')
            else if (error.code === grpc.status.UNAUTHENTICATED) resolve('refused')
            else reject(error)
          }
          if (request.body === 'stream') {
            const call = client.SendStream(metadata, done)
            call.write(conformanceBody)
            call.end()
          } else client.Send(request.body === 'data' ? conformanceBody : '', metadata, done)
        }),
    }
  },
})
