/**
 * The secret scan for the gRPC adapter's error paths: servers that echo the token in grpc-message and
 * trailers (with and without the one retry), providers of one's own whose errors quote a token, tokens
 * metadata cannot carry, clients closed while a call waits for its token or its retry, and deadlines.
 * Every ServiceError is recorded; the collector scans them, and the unhandled-rejection count, at the end.
 */
import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  status,
  type Client,
  type ServiceError,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js'
import type { AccessToken, TokenProvider } from '@nebius-auth/core'
import { nebiusCredentials } from '@nebius-auth/grpc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  recordError,
  recordFigures,
  recordInspect,
  registerSecrets,
  tokenSecrets,
} from './support/collector.js'

// A service without a .proto: JSON bytes both ways are enough to carry a status.
const json = {
  serialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer): unknown => JSON.parse(bytes.toString()) as unknown,
}
const definition = {
  Echo: {
    path: '/nebius_auth.reliability.v1.Secrets/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
}
type EchoClient = Client & {
  Echo(request: object, options: { deadline?: number }, callback: (error: ServiceError | null) => void): void
}
const EchoClient = makeGenericClientConstructor(definition, 'Secrets') as unknown as new (
  ...parameters: ConstructorParameters<typeof Client>
) => EchoClient

/** How the server answers `authorization`: the status code it echoes it with. */
let answerCode: status = status.PERMISSION_DENIED
let server: Server
let port = 0
const tally = { scenarios: 0, errors: 0 }

beforeAll(async () => {
  server = new Server()
  server.addService(definition, {
    Echo(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) {
      const authorization = call.metadata.get('authorization').map(String)[0] ?? ''
      const trailers = new Metadata()
      trailers.set('x-echo', authorization)
      trailers.set('x-echo-bin', Buffer.from(authorization))
      callback({ code: answerCode, details: `refused ${authorization}`, metadata: trailers })
    },
  })
  port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound)
      else reject(error)
    })
  })
})
afterAll(() => {
  recordFigures('secret scan: gRPC error paths', tally)
  server.forceShutdown()
})

/** Registers a token's secret parts with the collector and hands the token back. */
function secret(token: string): string {
  registerSecrets(tokenSecrets(token))
  return token
}

function client(provider: TokenProvider): EchoClient {
  return new EchoClient(
    `127.0.0.1:${port}`,
    ...nebiusCredentials({
      provider,
      origins: [`http://127.0.0.1:${port}`],
      channelCredentials: credentials.createInsecure(),
    }),
  )
}

function call(made: EchoClient, deadline?: number): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    made.Echo({}, deadline === undefined ? {} : { deadline }, (error) => {
      if (error === null) reject(new Error('expected the call to fail'))
      else resolve(error)
    })
  })
}

/** Records everything printing the error would show. */
function record(error: ServiceError): void {
  tally.scenarios++
  tally.errors++
  recordError(error)
  recordInspect(error.metadata.getMap())
}

const expiring = (token: string): AccessToken => ({ token, expiresAt: Date.now() + 3_600_000 })

describe('gRPC errors hold no token', () => {
  it('when a server echoes the token in its status message and trailers', async () => {
    answerCode = status.PERMISSION_DENIED
    const token = secret('v1.Z3JwYy1lY2hv.Z3JwYy1lY2hvLXNpZ25hdHVyZS1zZWNyZXQ')
    const made = client({ getToken: () => Promise.resolve(expiring(token)) })
    const error = await call(made)
    made.close()
    expect(error.code).toBe(status.PERMISSION_DENIED)
    record(error)
  })

  it('when a server echoes both the first token and the retry', async () => {
    answerCode = status.UNAUTHENTICATED
    const tokens = [1, 2].map((n) => secret(`v1.cmV0cnk.cmV0cnktc2lnbmF0dXJlLXNlY3JldC0${n}`))
    let calls = 0
    const made = client({ getToken: () => Promise.resolve(expiring(tokens[calls++ % 2] ?? '')) })
    const error = await call(made)
    made.close()
    expect(error.code).toBe(status.UNAUTHENTICATED)
    record(error)
  })

  it("when a provider's own error quotes a token-shaped string or a token it handed out before", async () => {
    answerCode = status.PERMISSION_DENIED
    const quoted = secret('v1.cXVvdGVk.cXVvdGVkLXNpZ25hdHVyZS1zZWNyZXQ')
    const earlier = secret('opaque-ZWFybGllci10b2tlbi1zZWNyZXQ-token')
    let calls = 0
    const made = client({
      getToken: () => {
        calls++
        if (calls === 1) return Promise.resolve(expiring(earlier))
        return Promise.reject(new Error(`cannot refresh ${earlier}; upstream said ${quoted}`))
      },
    })
    record(await call(made))
    const error = await call(made)
    made.close()
    expect(error.code).toBe(status.UNAUTHENTICATED)
    record(error)
  })

  it('when a provider hands out a token with CR/LF that metadata cannot carry', async () => {
    const token = secret('v1.Y3JsZg.Y3JsZi1zaWduYXR1cmUtc2VjcmV0LXZhbHVl')
    const made = client({ getToken: () => Promise.resolve(expiring(`${token}\r\nx-injected: 1`)) })
    const error = await call(made, Date.now() + 5_000)
    made.close()
    expect(error.code).not.toBe(status.OK)
    record(error)
  })

  it('when the client is closed while a call waits for its token, or for the retry', async () => {
    answerCode = status.UNAUTHENTICATED
    const first = secret('v1.Y2xvc2U.Y2xvc2UtZmlyc3Qtc2lnbmF0dXJlLXNlY3JldA')
    const late = secret('v1.Y2xvc2U.Y2xvc2UtbGF0ZS1zaWduYXR1cmUtc2VjcmV0')
    for (const givenFirst of [undefined, first]) {
      let release: (token: AccessToken) => void = () => undefined
      let asked: () => void = () => undefined
      const waiting = new Promise<void>((resolve) => (asked = resolve))
      let calls = 0
      const made = client({
        getToken: () => {
          calls++
          if (givenFirst !== undefined && calls === 1) return Promise.resolve(expiring(givenFirst))
          asked()
          return new Promise<AccessToken>((resolve) => (release = resolve))
        },
      })
      const pending = call(made, Date.now() + 5_000)
      await waiting
      made.close()
      release(expiring(late))
      const error = await pending
      expect(error.code).not.toBe(status.OK)
      record(error)
    }
  })

  it('when the deadline passes while the call waits for its token', async () => {
    const made = client({ getToken: () => new Promise<AccessToken>(() => undefined) })
    const error = await call(made, Date.now() + 200)
    made.close()
    expect(error.code).toBe(status.DEADLINE_EXCEEDED)
    record(error)
  })
})
