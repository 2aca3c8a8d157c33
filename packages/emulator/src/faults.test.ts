import { request as httpRequest } from 'node:http'

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { exchangeForm, postExchange, validJwt } from './jwt.test-support.js'
import { startEmulator } from './server.js'
import type { EmulatedServiceAccount, Emulator } from './types.js'

let emulator: Emulator
let account: EmulatedServiceAccount

beforeAll(async () => {
  emulator = await startEmulator()
  account = emulator.createServiceAccount({ keyBits: 2048 })
})
afterAll(() => emulator.close())
beforeEach(() => {
  emulator.clearFaults()
})

const post = (): Promise<Response> => postExchange(emulator.exchangeEndpoint, exchangeForm(validJwt(account)))

describe('fail()', () => {
  it('answers the next exchange with the status and an RFC 6749 JSON error by default', async () => {
    emulator.fail({ status: 503, retryAfter: 2 })
    const response = await post()
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('2')
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'injected fault',
    })
    expect((await post()).status).toBe(200)
  })

  it('applies to exactly count exchanges', async () => {
    emulator.fail({ count: 3, status: 500 })
    const statuses: number[] = []
    for (let attempt = 0; attempt < 4; attempt += 1) statuses.push((await post()).status)
    expect(statuses).toEqual([500, 500, 500, 200])
  })

  it('sends an HTML page with its content type', async () => {
    emulator.fail({ status: 502, body: '<html><body>Bad Gateway</body></html>', contentType: 'text/html' })
    const response = await post()
    expect(response.status).toBe(502)
    expect(response.headers.get('content-type')).toBe('text/html')
    expect(await response.text()).toContain('Bad Gateway')
  })

  it('sends malformed JSON', async () => {
    emulator.fail({ status: 200, body: '{"access_token": "v1.', contentType: 'application/json' })
    const response = await post()
    expect(response.status).toBe(200)
    await expect(response.json()).rejects.toThrow(SyntaxError)
  })

  it('sends an empty body', async () => {
    emulator.fail({ status: 500, body: '' })
    const response = await post()
    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toBeNull()
    expect(await response.text()).toBe('')
  })

  it('sends bytes as given', async () => {
    emulator.fail({ status: 200, body: new Uint8Array([0xff, 0x00, 0x7b]), contentType: 'application/json' })
    expect(new Uint8Array(await (await post()).arrayBuffer())).toEqual(new Uint8Array([0xff, 0x00, 0x7b]))
  })

  it('sends a 10 MB body', async () => {
    const size = 10 * 1024 * 1024
    emulator.fail({ status: 200, body: { size }, contentType: 'application/json' })
    const response = await post()
    expect(response.headers.get('content-length')).toBe(String(size))
    expect((await response.arrayBuffer()).byteLength).toBe(size)
  })

  it('drops the connection without answering', async () => {
    emulator.fail({ drop: true })
    await expect(post()).rejects.toThrow(TypeError)
    const error = await new Promise<Error>((resolve) => {
      emulator.fail({ drop: true })
      const body = exchangeForm(validJwt(account))
      const request = httpRequest(emulator.exchangeEndpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      })
      request.on('error', resolve)
      request.end(body)
    })
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNRESET')
  })

  it('delays, then handles the exchange normally', async () => {
    emulator.fail({ delay: 300 })
    const started = performance.now()
    const response = await post()
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(response.status).toBe(200)
  })

  it('delays, then answers with the fault, so a client timeout can fire first', async () => {
    emulator.fail({ delay: 2000, status: 200 })
    const started = performance.now()
    await expect(
      fetch(emulator.exchangeEndpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: exchangeForm(validJwt(account)),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow(/abort|timeout/i)
    expect(performance.now() - started).toBeLessThan(1500)
  })

  it('queues several faults in order and clearFaults drops them', async () => {
    emulator.fail({ status: 429 })
    emulator.fail({ status: 504 })
    emulator.fail({ status: 500 })
    expect((await post()).status).toBe(429)
    expect((await post()).status).toBe(504)
    emulator.clearFaults()
    expect((await post()).status).toBe(200)
  })

  it('counts injected faults as failed exchanges, not rejected ones', async () => {
    const before = emulator.stats().exchanges
    emulator.fail({ status: 500 })
    await post()
    await post()
    const after = emulator.stats().exchanges
    expect(after.failed - before.failed).toBe(1)
    expect(after.accepted - before.accepted).toBe(1)
    expect(after.rejected).toBe(before.rejected)
  })

  it('leaves the protected API alone', async () => {
    emulator.fail({ status: 500 })
    expect((await fetch(`${emulator.url}/v1/whoami`)).status).toBe(401)
    expect((await post()).status).toBe(500)
  })

  it.each([
    [{ count: 0 }, 'count'],
    [{ status: 99 }, 'status'],
    [{ delay: -1 }, 'delay'],
    [{ body: 42 }, 'body'],
    [{ drop: 'yes' }, 'drop'],
  ])('refuses an invalid fault %j with a TypeError naming the option', (fault, option) => {
    expect(() => {
      emulator.fail(fault as never)
    }).toThrow(new RegExp(`fault\\.${option}`))
  })
})

describe('close()', () => {
  it('does not wait for a delayed fault', async () => {
    const local = await startEmulator()
    const localAccount = { ...account }
    local.fail({ delay: 60_000, status: 200 })
    const pending = postExchange(local.exchangeEndpoint, exchangeForm(validJwt(localAccount))).catch(
      (error: unknown) => error,
    )
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = performance.now()
    await local.close()
    expect(performance.now() - started).toBeLessThan(1000)
    expect(await pending).toBeInstanceOf(TypeError)
  })
})
