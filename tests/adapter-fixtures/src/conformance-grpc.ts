/**
 * The gRPC side of the conformance suite: a plaintext HTTP/2 server on 127.0.0.1 that speaks the gRPC wire
 * format itself (node:http2 only, so the fixtures need no gRPC library), and the one message both gRPC
 * drivers send. Any method is answered: a unary call carries the body in one message, a client-streaming
 * call in one or more; 'refuse' answers UNAUTHENTICATED once the caller finished sending.
 */
import { createServer, type Http2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'

import type { ConformanceServer, ReceivedRequest, ScriptStep } from './conformance.js'

/** gRPC's status codes the server answers with. */
const OK = 0
const UNAUTHENTICATED = 16

/**
 * The conformance message, `message Body { string text = 1; }`, as protobuf bytes: both drivers send and
 * receive it without generated code. Field 1, wire type 2 (length-delimited): tag 0x0a.
 */
export function encodeConformanceMessage(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text)
  if (bytes.length === 0) return new Uint8Array(0)
  const length: number[] = []
  for (let rest = bytes.length; ; rest >>>= 7) {
    if (rest < 0x80) {
      length.push(rest)
      break
    }
    length.push((rest & 0x7f) | 0x80)
  }
  return Uint8Array.from([0x0a, ...length, ...bytes])
}

/** The text of an encoded conformance message ('' for an empty one); other fields are skipped. */
export function decodeConformanceMessage(message: Uint8Array): string {
  let text = ''
  let at = 0
  const varint = (): number => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = message[at++] ?? 0
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return value
    }
  }
  while (at < message.length) {
    const tag = varint()
    const wireType = tag & 7
    if (wireType === 0) varint()
    else if (wireType === 2) {
      const length = varint()
      if (tag >>> 3 === 1) text += new TextDecoder().decode(message.subarray(at, at + length))
      at += length
    } else if (wireType === 5) at += 4
    else if (wireType === 1) at += 8
    else break
  }
  return text
}

/** The messages of a gRPC request body: each a 5-byte prefix (compressed flag, big-endian length) and bytes. */
function messagesOf(body: Buffer): Uint8Array[] {
  const messages: Uint8Array[] = []
  for (let at = 0; at + 5 <= body.length;) {
    const length = body.readUInt32BE(at + 1)
    messages.push(body.subarray(at + 5, at + 5 + length))
    at += 5 + length
  }
  return messages
}

/**
 * A gRPC server for {@link AdapterDriver.startServer}: UNAUTHENTICATED for 'refuse', an empty message and
 * OK otherwise. `origin` is `http://127.0.0.1:<port>`; `received` holds each call's `authorization`
 * metadata and the text of its messages, joined.
 *
 * @example
 * ```ts
 * describeConformance({ name: 'grpc-js', startServer: startGrpcConformanceServer, … })
 * ```
 */
export async function startGrpcConformanceServer(script: readonly ScriptStep[]): Promise<ConformanceServer> {
  const received: ReceivedRequest[] = []
  const sessions = new Set<Http2Session>()
  const server = createServer()
  server.on('session', (session) => {
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => {
      const step = script[received.length] ?? 'ok'
      const authorization = headers.authorization
      received.push({
        authorization: Array.isArray(authorization) ? authorization[0] : authorization,
        body: messagesOf(Buffer.concat(chunks)).map(decodeConformanceMessage).join(''),
      })
      if (step === 'refuse') {
        // Trailers-only, as a gRPC server answers a call it refuses before any message.
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(UNAUTHENTICATED) },
          { endStream: true },
        )
        return
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
      stream.on('wantTrailers', () => {
        stream.sendTrailers({ 'grpc-status': String(OK) })
      })
      // One empty message: the 5-byte prefix of length 0.
      stream.end(Buffer.alloc(5))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${String(port)}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
        for (const session of sessions) session.destroy()
      }),
  }
}
