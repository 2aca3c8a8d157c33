/**
 * Connect transports to the emulator's TLS gRPC face, and a real Connect-protocol server (connect-node's
 * own) for `createConnectTransport`: an HTTP service that accepts Nebius IAM tokens, checking each one with
 * the emulator's protected HTTP API, as a service behind Nebius IAM would.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { Code, ConnectError, type Interceptor, type Transport } from '@connectrpc/connect'
import { connectNodeAdapter, createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node'
import type { Emulator, EmulatorGrpc } from '@nebius-auth/emulator'
import { TestService } from '@nebius-auth/emulator/proto'

/** A gRPC transport to the emulator's TLS face, trusting its certificate. */
export function grpcTransport(grpc: EmulatorGrpc, interceptors: Interceptor[]): Transport {
  return createGrpcTransport({
    baseUrl: `https://${grpc.address}`,
    nodeOptions: { ca: grpc.rootCert },
    interceptors,
  })
}

export interface ConnectServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** The authorization header of every call, in order. */
  readonly authorizations: (string | undefined)[]
  close(): Promise<void>
}

/** A Connect-protocol TestService over plain HTTP/1.1 on 127.0.0.1 whose `whoami` asks the emulator who the token is. */
export async function startConnectServer(emulator: Emulator): Promise<ConnectServer> {
  const authorizations: (string | undefined)[] = []
  const handler = connectNodeAdapter({
    routes(router) {
      router.service(TestService, {
        async whoami(_request, context) {
          const authorization = context.requestHeader.get('authorization') ?? undefined
          authorizations.push(authorization)
          const response = await fetch(`${emulator.url}/v1/whoami`, {
            headers: authorization === undefined ? {} : { authorization },
          })
          if (response.status === 401)
            throw new ConnectError('the access token is not live', Code.Unauthenticated)
          const { serviceAccountId } = (await response.json()) as { serviceAccountId: string }
          return { serviceAccountId }
        },
      })
    },
  })
  const server: Server = createServer(handler)
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

/** A Connect-protocol transport over HTTP/1.1. */
export function connectTransport(baseUrl: string, interceptors: Interceptor[]): Transport {
  return createConnectTransport({ baseUrl, httpVersion: '1.1', interceptors })
}
