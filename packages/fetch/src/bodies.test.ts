import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { loadFetch } from './client.test-support.js'
import {
  authorizationsFor,
  countingProvider,
  startEmulatorContext,
  startRecordingServer,
  type EmulatorContext,
} from '@nebius-auth/adapter-fixtures'
import { withNebiusAuth } from './with-nebius-auth.js'

let fetch: typeof globalThis.fetch
let context: EmulatorContext

beforeAll(async () => {
  fetch = await loadFetch()
})
beforeEach(async () => {
  context = await startEmulatorContext()
})
afterEach(async () => {
  await context.close()
})

/** A wrapped fetch whose cached token the emulator has just revoked, so the next request meets a 401. */
async function fetchWithRevokedToken(): Promise<typeof globalThis.fetch> {
  const authorized = withNebiusAuth(fetch, { provider: context.provider, origins: context.origins })
  await (await authorized(`${context.emulator.url}/v1/whoami`)).text()
  context.emulator.revoke()
  return authorized
}

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    },
  })
}

describe('withNebiusAuth (fetch) request bodies on retry', () => {
  it('replays a JSON POST body intact on retry', async () => {
    const authorized = await fetchWithRevokedToken()
    const body = JSON.stringify({ name: 'instance-1', tags: ['a', 'ü'] })
    const response = await authorized(`${context.emulator.url}/v1/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(body)
    expect(authorizationsFor(context.emulator, '/v1/echo')).toHaveLength(2)
  })

  it('replays a stream body byte for byte on retry, never empty', async () => {
    const authorized = await fetchWithRevokedToken()
    const chunks = ['first chunk, ', 'second chunk, ', 'last chunk']
    const response = await authorized(`${context.emulator.url}/v1/echo`, {
      method: 'POST',
      body: streamOf(chunks),
      duplex: 'half',
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe(chunks.join(''))
    expect(authorizationsFor(context.emulator, '/v1/echo')).toHaveLength(2)
  })

  it('replays the body of an input Request on retry', async () => {
    const authorized = await fetchWithRevokedToken()
    const input = new Request(`${context.emulator.url}/v1/echo`, { method: 'POST', body: 'from the request' })
    const response = await authorized(input)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('from the request')
  })

  it("sends init's body over the input Request's, as fetch does", async () => {
    const authorized = await fetchWithRevokedToken()
    const input = new Request(`${context.emulator.url}/v1/echo`, { method: 'POST', body: 'from the request' })
    const response = await authorized(input, { body: streamOf(['from init']), duplex: 'half' })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('from init')
  })

  it('cancels the body of the 401 before retrying, so its connection is released', async () => {
    let firstResponseClosed: () => void = () => undefined
    const closed = new Promise<void>((resolve) => {
      firstResponseClosed = resolve
    })
    const server = await startRecordingServer((request, response) => {
      request.resume()
      if (request.headers.authorization !== 'Bearer token-1') {
        response.end('ok')
        return
      }
      // A 401 whose body never ends: only the client giving up on it closes this response.
      response.on('close', firstResponseClosed)
      response.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' })
      response.write('still streaming')
    })
    const provider = countingProvider()
    const authorized = withNebiusAuth(fetch, { provider, origins: [server.url] })
    const response = await authorized(`${server.url}/protected`)
    expect(response.status).toBe(200)
    await closed
    expect(server.hits.map((hit) => hit.authorization)).toEqual(['Bearer token-1', 'Bearer token-2'])
    provider.close()
    await server.close()
  })
})
