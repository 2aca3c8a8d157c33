/**
 * A forward proxy on 127.0.0.1 that records what it is asked to carry: plain http requests in absolute form
 * (RFC 9112 §3.2.2), forwarded so a client behaves as behind a real proxy, and CONNECT tunnels, which it
 * refuses. A test points HTTP_PROXY at it to prove a request went around it, or did not.
 */
import { Agent, createServer, request as httpRequest, type ClientRequest } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface ProxyVisit {
  /** The absolute URL of a forwarded request, or `host:port` of a CONNECT. */
  readonly target: string
  /** The Authorization header the proxy could read, when there was one. */
  readonly authorization: string | undefined
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`, for HTTP_PROXY and the like. */
  readonly url: string
  readonly visits: ProxyVisit[]
  close(): Promise<void>
}

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const visits: ProxyVisit[] = []
  const server = createServer((request, response) => {
    const target = request.url ?? ''
    visits.push({ target, authorization: request.headers.authorization })
    // An https: URL in absolute form is a client sending its "TLS" request in clear text: record, never serve.
    if (!target.startsWith('http:')) {
      request.resume()
      response.writeHead(502).end()
      return
    }
    // `agent: false`: never the process-wide agent, which a test may have pointed at this very proxy.
    const forward = { method: request.method, headers: request.headers, agent: false }
    const upstream = httpRequest(target, forward, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    })
    upstream.on('error', () => response.writeHead(502).end())
    request.pipe(upstream)
  })
  server.on('connect', (request, client: Socket) => {
    visits.push({ target: request.url ?? '', authorization: request.headers.authorization })
    client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    visits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        server.closeAllConnections()
      }),
  }
}

/**
 * An http agent that sends every request through `proxyURL` in absolute form, as a process-wide proxying
 * agent does (global-agent, or Node's own global agent under NODE_USE_ENV_PROXY): for `http.globalAgent`.
 */
export function proxyingAgent(proxyURL: string): Agent {
  const proxy = new URL(proxyURL)
  const agent = new Agent()
  // Node's Agent#addRequest is where a proxying agent rewrites the target; it is not in the typings.
  const internal = agent as unknown as {
    addRequest(request: ClientRequest, options: Record<string, unknown>): void
  }
  const addRequest = internal.addRequest.bind(agent)
  internal.addRequest = (request, options) => {
    request.path = `http://${String(options.host)}:${String(options.port)}${request.path}`
    addRequest(request, { ...options, host: proxy.hostname, port: Number(proxy.port) })
  }
  return agent
}
