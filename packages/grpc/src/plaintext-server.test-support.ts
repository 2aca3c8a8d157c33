/**
 * A plaintext gRPC server that records the authorization each call carried, and an HTTP CONNECT proxy that
 * sends every tunnel to it whatever host was asked for. With the proxy, a channel can target a name that is
 * not loopback (`api.example.test:443`) and still reach this machine, so a test can prove what such a
 * channel sends without any outside network.
 */
import { createServer as createHttpServer } from 'node:http'
import { connect, type AddressInfo } from 'node:net'

import { grpc, TestServiceClient } from './clients.test-support.js'

export interface PlaintextServer {
  readonly port: number
  /** The authorization metadata of every call, in order (`undefined` when absent). */
  readonly authorizations: (string | undefined)[]
  close(): void
}

/** How the server answers a call that carried `authorization`: an error status, or `null` for success. */
export type Answer = (authorization: string | undefined) => Partial<grpc.StatusObject> | null

export async function startPlaintextServer(answer: Answer = () => null): Promise<PlaintextServer> {
  const authorizations: (string | undefined)[] = []
  const server = new grpc.Server()
  const definition = (TestServiceClient as unknown as { service: grpc.ServiceDefinition }).service
  server.addService(definition, {
    Whoami(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const authorization = call.metadata.get('authorization').map(String)[0]
      authorizations.push(authorization)
      const failure = answer(authorization)
      if (failure === null) callback(null, { service_account_id: 'plaintext' })
      else callback(failure)
    },
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound)
      else reject(error)
    })
  })
  return {
    port,
    authorizations,
    close: () => {
      server.forceShutdown()
    },
  }
}

export interface ConnectProxy {
  readonly url: string
  /** The `host:port` of every CONNECT request, in order. */
  readonly tunnels: string[]
  close(): Promise<void>
}

/** An HTTP CONNECT proxy on 127.0.0.1 that tunnels every request to 127.0.0.1:`port`. */
export async function startConnectProxy(port: number): Promise<ConnectProxy> {
  const tunnels: string[] = []
  const sockets = new Set<{ destroy(): void }>()
  const server = createHttpServer()
  server.on('connect', (request, clientSocket, head) => {
    tunnels.push(request.url ?? '')
    sockets.add(clientSocket)
    const upstream = connect(port, '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(clientSocket)
      clientSocket.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => clientSocket.destroy())
    clientSocket.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: proxyPort } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        // Tunnels leave the HTTP server's books once upgraded: end them here, or close() waits on them.
        for (const socket of sockets) socket.destroy()
        server.closeAllConnections()
      }),
  }
}

/** Runs `make` with grpc-js's proxy variables pointing at `proxy`; grpc-js reads them when a channel is made. */
export function withGrpcProxy<T>(proxy: string, make: () => T): T {
  const saved = {
    grpc_proxy: process.env.grpc_proxy,
    no_grpc_proxy: process.env.no_grpc_proxy,
    no_proxy: process.env.no_proxy,
  }
  process.env.grpc_proxy = proxy
  delete process.env.no_grpc_proxy
  delete process.env.no_proxy
  try {
    return make()
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- restoring an unset variable
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}
