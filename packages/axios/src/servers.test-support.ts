import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { AccessToken, TokenProvider } from '@nebius-auth/core'

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

export interface ScriptedServer {
  readonly url: string
  /** The Authorization header of every request received, in order (`undefined` when absent). */
  readonly authorizations: (string | undefined)[]
  close(): Promise<void>
}

/**
 * A server on 127.0.0.1 that answers its n-th request with `statuses[n]` (a JSON body), or 200 once the list
 * runs out. A status of 0 never answers, for timeouts.
 */
export async function startScriptedServer(statuses: readonly number[]): Promise<ScriptedServer> {
  const authorizations: (string | undefined)[] = []
  const server = createServer((request, response) => {
    const status = statuses[authorizations.length] ?? 200
    authorizations.push(request.headers.authorization)
    request.resume()
    if (status === 0) return
    response.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":false}')
  })
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

/** The part of every token from {@link rotatingTokens} that must never show up in logs. */
export const secretPart = 'secretsignature'

/** Hands out a new Nebius-shaped token, `v1.payload<n>.secretsignature<n>`, on every call. */
export function rotatingTokens(): TokenProvider & { readonly calls: () => number } {
  let calls = 0
  return {
    calls: () => calls,
    getToken: () => {
      calls += 1
      return Promise.resolve<AccessToken>({
        token: `v1.payload${calls}.${secretPart}${calls}`,
        expiresAt: Date.now() + 3_600_000,
      })
    },
  }
}
