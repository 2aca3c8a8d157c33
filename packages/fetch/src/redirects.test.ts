import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { loadFetch } from './client.test-support.js'
import {
  authorizationsFor,
  startEmulatorContext,
  startRecordingServer,
  type EmulatorContext,
  type RecordingServer,
} from '@nebius-auth/adapter-fixtures'
import { withNebiusAuth } from './with-nebius-auth.js'

let fetch: typeof globalThis.fetch
let context: EmulatorContext
let other: RecordingServer

beforeAll(async () => {
  fetch = await loadFetch()
})
beforeEach(async () => {
  context = await startEmulatorContext()
  other = await startRecordingServer()
})
afterEach(async () => {
  await other.close()
  await context.close()
})

function redirectURL(to: string, status: number): string {
  return `${context.emulator.url}/v1/redirect?${new URLSearchParams({ to, status: String(status) }).toString()}`
}

describe('withNebiusAuth (fetch) redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'delivers no token across a %i redirect from an allowed to a non-allowed origin',
    async (status) => {
      const authorized = withNebiusAuth(fetch, { provider: context.provider, origins: context.origins })
      const response = await authorized(redirectURL(`${other.url}/landing`, status))
      expect(response.status).toBe(200)
      expect(response.redirected).toBe(true)
      // The first hop carried the token (the redirect endpoint itself needs one); the second did not.
      expect(authorizationsFor(context.emulator, '/v1/redirect')[0]).toMatch(/^Bearer \S+$/)
      expect(other.hits).toEqual([{ path: '/landing', authorization: undefined }])
    },
  )

  it('keeps the token on a same-origin redirect', async () => {
    const authorized = withNebiusAuth(fetch, { provider: context.provider, origins: context.origins })
    const response = await authorized(redirectURL('/v1/whoami', 307))
    expect(response.status).toBe(200)
    expect(authorizationsFor(context.emulator, '/v1/whoami')[0]).toMatch(/^Bearer \S+$/)
  })

  it('does not retry a 401 from another allowed origin that the redirect reached without the token', async () => {
    const refusing = await startRecordingServer((request, response) => {
      request.resume()
      response.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end()
    })
    const authorized = withNebiusAuth(fetch, {
      provider: context.provider,
      origins: [context.emulator.url, refusing.url],
    })
    const response = await authorized(redirectURL(`${refusing.url}/protected`, 302))
    expect(response.status).toBe(401)
    // fetch dropped the header on the cross-origin hop, so a refresh could not have helped.
    expect(refusing.hits).toEqual([{ path: '/protected', authorization: undefined }])
    expect(context.emulator.stats().exchanges.accepted).toBe(1)
    await refusing.close()
  })

  it("returns the redirect itself with redirect: 'manual'", async () => {
    const authorized = withNebiusAuth(fetch, { provider: context.provider, origins: context.origins })
    const response = await authorized(redirectURL(`${other.url}/landing`, 307), { redirect: 'manual' })
    expect(response.status).toBe(307)
    expect(response.headers.get('location')).toBe(`${other.url}/landing`)
    expect(other.hits).toEqual([])
  })
})
