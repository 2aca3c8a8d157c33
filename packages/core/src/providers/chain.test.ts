import { describe, expect, it } from 'vitest'

import { honours, markHonoursSignal } from '../common/abortable.js'
import { CredentialsError, credentialsUnavailable } from '../common/errors.js'
import type { NebiusAuthEvent } from '../common/events.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { chain } from './chain.js'
import { named } from './named.js'
import { staticToken } from './static-token.js'

const hour = 3_600_000

/** A provider that counts its calls and closes, serving `token` or failing with `error`. */
function fake(options: { token?: string; error?: Error; honoursSignal?: boolean } = {}) {
  const calls: (GetTokenOptions | undefined)[] = []
  let closes = 0
  const served =
    options.error === undefined
      ? Promise.resolve<AccessToken>({ token: options.token ?? 'v1.fake', expiresAt: Date.now() + hour })
      : Promise.reject(options.error)
  served.catch(() => undefined)
  const provider = {
    getToken(callOptions?: GetTokenOptions): Promise<AccessToken> {
      calls.push(callOptions)
      return served
    },
    peek: (): AccessToken | undefined => undefined,
    close(): void {
      closes += 1
    },
  }
  return {
    provider: options.honoursSignal === true ? markHonoursSignal(provider) : provider,
    calls,
    closes: () => closes,
  }
}

const unavailable = (source: string) => fake({ error: credentialsUnavailable(source, 'not here') })

async function errorOf(promise: Promise<unknown>): Promise<CredentialsError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error as CredentialsError,
  )
}

describe('chain: the search', () => {
  it('passes over a source that is unavailable and serves from the next', async () => {
    const first = unavailable('first')
    const second = fake({ token: 'v1.second' })
    const provider = chain(first.provider, second.provider)
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.second' })
    expect(first.calls).toHaveLength(1)
  })

  it('stops at any other error, and asks no later source', async () => {
    const broken = fake({ error: new CredentialsError('ERR_CONFIG_INVALID', 'broken config') })
    const later = fake()
    const built: string[] = []
    const provider = chain(broken.provider, later.provider, () => {
      built.push('function source')
      return staticToken('v1.never')
    })
    expect((await errorOf(provider.getToken())).code).toBe('ERR_CONFIG_INVALID')
    expect(later.calls).toHaveLength(0)
    expect(built).toEqual([])
  })

  it('stops at an error thrown by a function source', async () => {
    const later = fake()
    const provider = chain(() => {
      throw new CredentialsError('ERR_ENV_TOKEN_INVALID', 'bad variable')
    }, later.provider)
    expect((await errorOf(provider.getToken())).code).toBe('ERR_ENV_TOKEN_INVALID')
    expect(later.calls).toHaveLength(0)
  })

  it('calls a function source only when the chain reaches it, never at construction', async () => {
    const reached: string[] = []
    const provider = chain(
      () => {
        reached.push('a')
        throw credentialsUnavailable('a', 'not set')
      },
      async () => {
        reached.push('b')
        return Promise.resolve(staticToken('v1.b'))
      },
      () => {
        reached.push('c')
        return staticToken('v1.c')
      },
    )
    expect(reached).toEqual([])
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.b' })
    expect(reached).toEqual(['a', 'b'])
  })

  it('lists each reason and the hint in one ERR_CREDENTIALS_NOT_FOUND', async () => {
    const provider = chain({ hint: 'Next step: set APP_TOKEN.' }, unavailable('APP_TOKEN').provider, () => {
      throw credentialsUnavailable('/etc/app/token', 'not found')
    })
    const error = await errorOf(provider.getToken())
    expect(error).toBeInstanceOf(CredentialsError)
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(error.message).toBe(
      'No Nebius credentials found; tried APP_TOKEN (not here); /etc/app/token (not found). Next step: set APP_TOKEN.',
    )
  })

  it('reports a failed search in one refresh-failed event under the name named gives it', async () => {
    const events: NebiusAuthEvent[] = []
    const provider = named(
      'app-credentials',
      chain({ onEvent: (event) => events.push(event) }, unavailable('a').provider),
    )
    await errorOf(provider.getToken())
    expect(events).toEqual([
      {
        type: 'refresh-failed',
        provider: 'app-credentials',
        code: 'ERR_CREDENTIALS_NOT_FOUND',
        duration: expect.any(Number),
      },
    ])
  })
})

describe('chain: the provider found', () => {
  it('keeps the first source that yields a token and asks no other again', async () => {
    const first = unavailable('first')
    const second = fake({ token: 'v1.second' })
    const third = fake({ token: 'v1.third' })
    const provider = chain(first.provider, second.provider, third.provider)
    await provider.getToken()
    await provider.getToken()
    await provider.getToken({ rejected: 'v1.other' })
    expect(first.calls).toHaveLength(1)
    expect(second.calls).toHaveLength(3)
    expect(second.calls[2]).toEqual({ rejected: 'v1.other' })
    expect(third.calls).toHaveLength(0)
  })

  it('keeps the provider a function source made, even when its first call fails', async () => {
    let made = 0
    const provider = chain(() => {
      made += 1
      return fake({ error: new CredentialsError('ERR_KEY_INVALID', 'bad key') }).provider
    })
    expect((await errorOf(provider.getToken())).code).toBe('ERR_KEY_INVALID')
    expect((await errorOf(provider.getToken())).code).toBe('ERR_KEY_INVALID')
    expect(made).toBe(1)
  })

  it('returns the found provider’s own promise and forwards peek once warm', async () => {
    const inner = staticToken('v1.warm')
    const provider = chain(() => inner)
    expect(provider.peek?.()).toBeUndefined()
    await provider.getToken()
    expect(provider.getToken()).toBe(inner.getToken())
    expect(provider.peek?.()).toBe(inner.peek?.())
    expect(honours(provider)).toBe(true)
  })

  it('races a warm call against its signal when the found provider does not honour signals', async () => {
    let calls = 0
    // Answers once, then never: a provider that ignores signals.
    const stubborn: TokenProvider = {
      getToken: () => {
        calls += 1
        return calls === 1
          ? Promise.resolve({ token: 'v1.once', expiresAt: Date.now() + hour })
          : new Promise(() => undefined)
      },
    }
    const provider = chain(stubborn)
    await provider.getToken()
    const controller = new AbortController()
    const warm = provider.getToken({ signal: controller.signal })
    controller.abort(new Error('caller gave up'))
    await expect(warm).rejects.toThrow('caller gave up')
    expect(calls).toBe(2)
  })
})

describe('chain: concurrency, failure and close', () => {
  it('shares one search among concurrent first calls', async () => {
    let made = 0
    const provider = chain(async () => {
      made += 1
      await new Promise((resolve) => setTimeout(resolve, 10))
      return staticToken('v1.shared')
    })
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getToken()))
    expect(made).toBe(1)
    expect(new Set(tokens.map((token) => token.token))).toEqual(new Set(['v1.shared']))
  })

  it('gives callers who waited for the search the token it got, in one call of the source', async () => {
    const source = fake({ token: 'v1.once' })
    const provider = chain(source.provider)
    await Promise.all(Array.from({ length: 5 }, () => provider.getToken()))
    expect(source.calls).toHaveLength(1)
  })

  it('does not remember a failed search: the next call searches again', async () => {
    let available = false
    const provider = chain(() => {
      if (!available) throw credentialsUnavailable('APP_TOKEN', 'not set')
      return staticToken('v1.later')
    })
    expect((await errorOf(provider.getToken())).code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    available = true
    await expect(provider.getToken()).resolves.toMatchObject({ token: 'v1.later' })
  })

  it("lets a caller's signal end only its own wait", async () => {
    const provider = chain(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50))
      return staticToken('v1.patient')
    })
    const patient = provider.getToken()
    await expect(provider.getToken({ signal: AbortSignal.timeout(5) })).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    await expect(patient).resolves.toMatchObject({ token: 'v1.patient' })
  })

  it('closes its provider sources and the provider a function source made', async () => {
    const given = fake()
    const made = fake()
    const provider = chain(unavailable('given').provider, given.provider, () => made.provider)
    await provider.getToken()
    provider.close()
    expect(given.closes()).toBe(1)
    expect(made.closes()).toBe(0)

    const other = chain(unavailable('first').provider, () => made.provider)
    await other.getToken()
    other.close()
    expect(made.closes()).toBe(1)
    await expect(other.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })

  it('closes a provider made while it was being closed, and rejects with ERR_PROVIDER_CLOSED', async () => {
    const made = fake()
    const provider = chain(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10))
      return made.provider
    })
    const pending = provider.getToken()
    provider.close()
    await expect(pending).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
    expect(made.closes()).toBe(1)
  })
})

describe('chain: arguments', () => {
  it.each([
    ['no source', []],
    ['a source that is neither a provider nor a function', [42]],
    ['an object without getToken after the options', [{}, {}]],
    ['options with an onEvent that is not a function', [{ onEvent: 'log' }, staticToken('v1.a')]],
    ['options with a hint that is not a string', [{ hint: 1 }, staticToken('v1.a')]],
  ])('throws a TypeError for %s', (_name, args) => {
    expect(() => (chain as (...values: unknown[]) => unknown)(...args)).toThrow(TypeError)
  })
})
