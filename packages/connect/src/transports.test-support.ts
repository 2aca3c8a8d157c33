/**
 * Connect transports to the emulator's TLS gRPC face, and a real Connect-protocol server (connect-node's
 * own) for `createConnectTransport`: an HTTP service that accepts Nebius IAM tokens, checking each one with
 * the emulator's protected HTTP API, as a service behind Nebius IAM would.
 */
import { createServer, type Server } from 'node:http'
import { createServer as createHttp2Server, type Http2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'

import { StringValueSchema } from '@bufbuild/protobuf/wkt'
import {
  Code,
  ConnectError,
  type HandlerContext,
  type Interceptor,
  type Transport,
} from '@connectrpc/connect'
import { connectNodeAdapter, createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node'
import { rejection as failure } from '@nebius-auth/adapter-fixtures'
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

/**
 * A Connect-protocol TestService over plain HTTP/1.1 on 127.0.0.1 whose `whoami` and `countdown` ask the
 * emulator who the token is; `countdown` asks again before every message, so a token revoked mid-stream
 * ends the stream with Unauthenticated after the messages already sent.
 */
export async function startConnectServer(emulator: Emulator): Promise<ConnectServer> {
  const authorizations: (string | undefined)[] = []
  async function serviceAccountOf(authorization: string | undefined): Promise<string> {
    const response = await fetch(`${emulator.url}/v1/whoami`, {
      headers: authorization === undefined ? {} : { authorization },
    })
    if (response.status === 401) throw new ConnectError('the access token is not live', Code.Unauthenticated)
    const { serviceAccountId } = (await response.json()) as { serviceAccountId: string }
    return serviceAccountId
  }
  const handler = connectNodeAdapter({
    routes(router) {
      router.service(TestService, {
        async whoami(_request, context) {
          const authorization = context.requestHeader.get('authorization') ?? undefined
          authorizations.push(authorization)
          return { serviceAccountId: await serviceAccountOf(authorization) }
        },
        async *countdown(request, context) {
          const authorization = context.requestHeader.get('authorization') ?? undefined
          authorizations.push(authorization)
          for (let remaining = request.count - 1; remaining >= 0; remaining--) {
            await serviceAccountOf(authorization)
            yield { remaining }
            await new Promise((resolve) => setTimeout(resolve, request.intervalMs))
          }
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

/**
 * A TestService over cleartext HTTP/2 on 127.0.0.1 (gRPC and the Connect protocol both) that refuses every
 * call and echoes the authorization it got everywhere a server can put it: the error message (grpc-message),
 * error metadata (trailers), an error detail, and response headers.
 */
export async function startEchoingServer(): Promise<{ readonly url: string; close(): Promise<void> }> {
  function refuse(context: HandlerContext): ConnectError {
    const authorization = context.requestHeader.get('authorization') ?? ''
    context.responseHeader.set('x-seen-authorization', authorization)
    return new ConnectError(
      `token not accepted: ${authorization}`,
      Code.Unauthenticated,
      { 'x-rejected-authorization': authorization },
      [{ desc: StringValueSchema, value: { value: authorization } }],
    )
  }
  const server = createHttp2Server(
    connectNodeAdapter({
      routes(router) {
        router.service(TestService, {
          whoami(_request, context) {
            throw refuse(context)
          },
          // eslint-disable-next-line require-yield -- refused before its first message
          async *countdown(_request, context) {
            await Promise.resolve()
            throw refuse(context)
          },
        })
      },
    }),
  )
  // Clients keep their HTTP/2 sessions open: close() ends them, or the server would wait for them.
  const sessions = new Set<Http2Session>()
  server.on('session', (session: Http2Session) => {
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        for (const session of sessions) session.destroy()
      }),
  }
}

/** A transport of either protocol over cleartext HTTP/2. */
export function http2Transport(
  protocol: 'grpc' | 'connect',
  baseUrl: string,
  interceptors: Interceptor[],
): Transport {
  return protocol === 'grpc'
    ? createGrpcTransport({ baseUrl, interceptors })
    : createConnectTransport({ baseUrl, httpVersion: '2', interceptors })
}

/** The ConnectError a call (its promise, or a function that makes it) fails with; success fails the test. */
export async function rejection(call: Promise<unknown> | (() => Promise<unknown>)): Promise<ConnectError> {
  return ConnectError.from(await failure(typeof call === 'function' ? call() : call))
}
