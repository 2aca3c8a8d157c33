import { describe, expect, it } from 'vitest'

import { exchangeToken } from './token-exchange.js'

describe('exchangeToken with an actor', () => {
  it('refuses an actor token without its type, and the reverse, before any request', async () => {
    let calls = 0
    const fetch: typeof globalThis.fetch = () => {
      calls += 1
      return Promise.reject(new Error('not reached'))
    }
    await expect(exchangeToken('serviceaccount-e00a', { actorToken: 'a.b.c', fetch })).rejects.toThrow(
      /options.actorToken and options.actorTokenType go together/,
    )
    await expect(
      exchangeToken('serviceaccount-e00a', { actorTokenType: 'urn:ietf:params:oauth:token-type:jwt', fetch }),
    ).rejects.toThrow(/go together/)
    await expect(exchangeToken('serviceaccount-e00a', { subjectTokenType: '', fetch })).rejects.toThrow(
      /options.subjectTokenType/,
    )
    expect(calls).toBe(0)
  })
})
