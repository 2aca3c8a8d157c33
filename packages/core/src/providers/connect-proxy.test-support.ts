/**
 * A real forward proxy on 127.0.0.1 for tests: HTTP CONNECT tunnels (what clients use for https:, and
 * for http: too with some agents) and absolute-form requests (plain http: through a proxy). It records
 * every target it was asked for, so a test can prove a request went through it, or did not.
 */
import { createServer, request as httpRequest } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY / HTTP_PROXY. */
  readonly url: string
  /** Every target in arrival order: `host:port` for a tunnel, the absolute URL for a forwarded request. */
  readonly targets: string[]
  close(): Promise<void>
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const targets: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((request, response) => {
    // Absolute-form (RFC 9112 §3.2.2): the proxy makes the request itself.
    const target = request.url ?? ''
    targets.push(target)
    const upstream = httpRequest(target, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.writeHead(502).end())
    request.pipe(upstream)
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const target = request.url ?? ''
    targets.push(target)
    const separator = target.lastIndexOf(':')
    const upstream = connect(
      Number(target.slice(separator + 1)),
      target.slice(0, separator).replace(/^\[|\]$/g, ''),
      () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      },
    )
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => {
          resolve()
        })
      }),
  }
}
