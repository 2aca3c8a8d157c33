import { request } from 'node:https'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startEmulator } from './server.js'
import type { Emulator } from './types.js'

let emulator: Emulator & { readonly rootCert: string }
beforeAll(async () => {
  emulator = await startEmulator({ tls: true })
})
afterAll(() => emulator.close())

/** GET over HTTPS trusting only `ca`; resolves with the status, rejects on a TLS failure. */
function get(url: string, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { ca }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

describe('the HTTPS face', () => {
  it('serves the API over TLS with the certificate it hands out', async () => {
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(emulator.exchangeEndpoint).toBe(`${emulator.url}/oauth2/token/exchange`)
    expect(emulator.rootCert).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(await get(`${emulator.url}/v1/whoami`, emulator.rootCert)).toBe(401)
  })

  it('is refused by a client that does not trust its certificate', async () => {
    await expect(get(`${emulator.url}/v1/whoami`, undefined)).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/),
    })
  })

  it('refuses a tls option that is not a boolean', async () => {
    await expect(startEmulator({ tls: 'yes' as unknown as boolean })).rejects.toThrow(/options.tls/)
  })
})
