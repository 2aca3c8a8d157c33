import { inspect } from 'node:util'

import { describe, expect, it } from 'vitest'

import { honours } from '../common/abortable.js'
import type { NebiusAuthEvent } from '../common/events.js'
import type { AccessToken, TokenProvider } from '../common/types.js'
import { cached } from './cached.js'
import { closingAlso, named } from './named.js'
import { staticToken } from './static-token.js'

const secret = 'v1.bmFtZWQ.c2VjcmV0LXNpZ25hdHVyZS1vZi10aGUtbmFtZWQtdGVzdA'

/** A provider that keeps a secret where printing would find it: on the object itself. */
function leaky(): TokenProvider & { secret: string } {
  return {
    secret,
    getToken: () => Promise.resolve({ token: secret, expiresAt: Number.POSITIVE_INFINITY }),
  }
}

describe('named', () => {
  it('shows only [name] through String, JSON.stringify and util.inspect', () => {
    const provider = named('billing', leaky())
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- named() gives the object its toString
    expect(String(provider)).toBe('[billing]')
    expect(JSON.stringify(provider)).toBe('"[billing]"')
    expect(JSON.stringify({ provider })).toBe('{"provider":"[billing]"}')
    expect(inspect(provider)).toBe('[billing]')
    expect(inspect(provider, { showHidden: true, depth: 10 })).toBe('[billing]')
    expect(inspect({ nested: provider }, { showHidden: true, depth: 10 })).not.toContain(secret)
  })

  it('hands out the inner provider’s own promise and peek', async () => {
    const inner = staticToken(secret)
    const provider = named('outer', inner)
    expect(provider.getToken()).toBe(inner.getToken())
    expect(provider.peek?.()).toBe(await inner.getToken())
  })

  it('carries the abort marker only when the inner provider has it', () => {
    expect(honours(named('marked', staticToken(secret)))).toBe(true)
    expect(honours(named('plain', leaky()))).toBe(false)
  })

  it('closes the inner provider, and gives one without close or peek harmless ones', async () => {
    const inner = staticToken(secret)
    const provider = named('closing', inner)
    provider.close()
    await expect(inner.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
    const bare = named('bare', leaky())
    expect(bare.peek?.()).toBeUndefined()
    expect(() => {
      bare.close()
    }).not.toThrow()
  })

  it('puts its name into the events of a provider made by cached', async () => {
    const events: NebiusAuthEvent[] = []
    const provider = named(
      'my-source',
      cached(() => Promise.resolve<AccessToken>({ token: secret, expiresAt: Date.now() + 60_000 }), {
        onEvent: (event) => events.push(event),
      }),
    )
    await provider.getToken()
    expect(events.map((event) => event.provider)).toEqual(['my-source', 'my-source'])
  })

  it.each([[''], ['two words'], ['x'.repeat(65)], ['line\nbreak'], [42]])(
    'refuses the name %j with a TypeError',
    (name) => {
      expect(() => named(name as string, staticToken(secret))).toThrow(/^name must be/)
    },
  )

  it.each<[unknown]>([[undefined], [null], [{}], [() => secret]])(
    'refuses %j as the provider',
    (provider) => {
      expect(() => named('x', provider as TokenProvider)).toThrow(TypeError)
    },
  )
})

describe('closingAlso', () => {
  it('runs the cleanup after closing the provider, and keeps its promise and marker', async () => {
    const inner = staticToken(secret)
    const order: string[] = []
    const provider = closingAlso(inner, () => order.push('cleanup'))
    expect(provider.getToken()).toBe(inner.getToken())
    expect(honours(provider)).toBe(true)
    provider.close()
    expect(order).toEqual(['cleanup'])
    await expect(inner.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })
})
