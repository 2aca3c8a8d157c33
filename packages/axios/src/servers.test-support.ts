import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A plain server on another 127.0.0.1 port: another origin, to prove what reaches it. */
export interface RecordingServer {
  readonly url: string
  /** The Authorization header of every request received, in order (`undefined` when absent). */
  readonly authorizations: (string | undefined)[]
  close(): Promise<void>
}

/** Starts a server that answers 200 `{"ok":true}` to anything and records each request's Authorization. */
export async function startRecordingServer(): Promise<RecordingServer> {
  const authorizations: (string | undefined)[] = []
  const server: Server = createServer((request: IncomingMessage, response) => {
    authorizations.push(request.headers.authorization)
    request.resume()
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => {
          if (error) reject(error)
          else resolve()
        })
      }),
  }
}

/**
 * A DNS lookup, in the shape of axios's `lookup` option, that maps every hostname to 127.0.0.1, so tests
 * can use real-looking hostnames (`api.localhost`, `nebius-api.invalid`) while no traffic leaves the machine.
 */
export function loopbackLookup(
  _hostname: string,
  _options: object,
  callback: (error: Error | null, address: string, family: 4) => void,
): void {
  callback(null, '127.0.0.1', 4)
}

// Shared with the other adapters' suites.
export {
  rotatingTokens,
  secretPart,
  startScriptedServer,
  type ScriptedServer,
} from '@nebius-auth/adapter-fixtures'
