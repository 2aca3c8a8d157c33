import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

import { got } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import {
  startEmulatorFixture,
  startOtherOrigin,
  type EmulatorFixture,
  type OtherOrigin,
} from './servers.test-support.js'

let fixture: EmulatorFixture
let other: OtherOrigin

beforeAll(async () => {
  fixture = await startEmulatorFixture()
  other = await startOtherOrigin()
})
afterEach(() => {
  fixture.afterTest()
  other.hits.length = 0
})
afterAll(async () => {
  await Promise.all([fixture.close(), other.close()])
})

function redirectPath(to: string, status = 302): string {
  return `v1/redirect?${new URLSearchParams({ to, status: String(status) }).toString()}`
}

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'delivers no token to another origin behind a %i redirect',
    async (status) => {
      const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), {
        provider: fixture.provider(),
      })

      const response = await api.get(redirectPath(`${other.url}/landing`, status))

      expect(response.body).toBe('other origin')
      expect(fixture.apiAuthorizations()).toEqual([expect.stringMatching(/^Bearer /)])
      expect(other.hits).toEqual([{ path: '/landing', authorization: [] }])
    },
  )

  it('removes its token on a same-origin hop that the origins predicate refuses', async () => {
    // got keeps headers on a same-origin redirect, so only the per-hop check can take the token off.
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url, throwHttpErrors: false }), {
      provider: fixture.provider(),
      origins: (url) => url.pathname.startsWith('/v1/'),
    })

    await api.get(redirectPath('/public/page'))

    const hops = fixture.emulator
      .requests()
      .filter(({ path }) => !path.startsWith('/oauth2/'))
      .map(({ path, authorization }) => ({ path, authorization }))
    expect(hops).toEqual([
      { path: `/${redirectPath('/public/page')}`, authorization: expect.stringMatching(/^Bearer /) },
      { path: '/public/page', authorization: undefined },
    ])
  })

  it('keeps the token on a same-origin hop that is allowed', async () => {
    const api = withNebiusAuth(got.extend({ prefixUrl: fixture.emulator.url }), {
      provider: fixture.provider(),
    })

    const body = await api.get(redirectPath('/v1/whoami')).json<{ serviceAccountId: string }>()

    expect(body.serviceAccountId).toMatch(/^serviceaccount-/)
    expect(fixture.apiAuthorizations()).toHaveLength(2)
    expect(fixture.exchanges()).toBe(1)
  })

  it("still runs the caller's beforeRedirect hooks", async () => {
    const hops: string[] = []
    const instance = got.extend({
      prefixUrl: fixture.emulator.url,
      hooks: { beforeRedirect: [(options) => void hops.push(String(options.url))] },
    })
    const api = withNebiusAuth(instance, { provider: fixture.provider() })

    await api.get(redirectPath(`${other.url}/landing`))

    expect(hops).toEqual([`${other.url}/landing`])
  })
})
