import { inspect } from 'node:util'

import { StringValueSchema } from '@bufbuild/protobuf/wkt'
import { Code, ConnectError, createClient } from '@connectrpc/connect'
import { rotatingTokens, secretPart } from '@nebius-auth/adapter-fixtures'
import { TestService } from '@nebius-auth/emulator/proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { http2Transport, rejection, startEchoingServer } from './transports.test-support.js'

let server: Awaited<ReturnType<typeof startEchoingServer>>
beforeAll(async () => {
  server = await startEchoingServer()
})
afterAll(() => server.close())

/** Every way a caller sees the error: its message, metadata (decoded too), details, stack and util.inspect. */
function shown(error: ConnectError): string[] {
  const decoder = new TextDecoder()
  return [
    error.message,
    error.stack ?? '',
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify([...error.metadata]),
    // grpc-status-details-bin: a google.rpc.Status (message and details again), base64-encoded
    ...[...error.metadata]
      .filter(([name]) => name.endsWith('-bin'))
      .map(([, value]) => Buffer.from(value, 'base64').toString('latin1')),
    ...error.details.map((detail) =>
      'type' in detail ? decoder.decode(detail.value) + JSON.stringify(detail.debug ?? null) : '',
    ),
  ]
}

describe.each(['grpc', 'connect'] as const)(
  'a server that echoes the token, over the %s protocol',
  (protocol) => {
    function client() {
      const interceptor = nebiusAuthInterceptor({ provider: rotatingTokens(), origins: [server.url] })
      return createClient(TestService, http2Transport(protocol, server.url, [interceptor]))
    }

    it('finds no token in the ConnectError of a unary call, only sanitized forms', async () => {
      const error = await rejection(() => client().whoami({}))
      expect(error.code).toBe(Code.Unauthenticated)
      // The server did echo what it got: the sanitized form of the second (retried) token stands in for it.
      expect(error.rawMessage).toBe('token not accepted: Bearer v1.payload2.**')
      expect(error.metadata.get('x-seen-authorization')).toBe('Bearer v1.payload2.**')
      for (const text of shown(error)) expect(text).not.toContain(secretPart)
    })

    it('finds no token in the ConnectError of a server stream', async () => {
      const error = await rejection(async () => {
        for await (const _message of client().countdown({ count: 1, intervalMs: 1 }))
          expect.fail('no message may arrive')
      })
      expect(error.code).toBe(Code.Unauthenticated)
      expect(error.metadata.get('x-seen-authorization')).toBe('Bearer v1.payload2.**')
      for (const text of shown(error)) expect(text).not.toContain(secretPart)
    })

    it('keeps an echoed error detail decodable, the token masked to its length', async () => {
      const error = await rejection(() => client().whoami({}))
      const [detail] = error.findDetails(StringValueSchema)
      expect(detail?.value).toBe(
        'Bearer v1.payload2.'.padEnd('Bearer v1.payload2.secretsignature2'.length, '*'),
      )
    })
  },
)
