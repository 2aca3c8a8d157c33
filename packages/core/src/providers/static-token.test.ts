import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { staticToken, tokenProblem } from './static-token.js'
import type { TokenProvider } from '../common/types.js'

const secret = 'v1.CmQKHHN0YXRpY2tleS1zZWNyZXQ.c2lnbmF0dXJlLXNlY3JldA'

describe('staticToken', () => {
  it('returns the token with no known expiry', async () => {
    await expect(staticToken(secret).getToken()).resolves.toEqual({
      token: secret,
      expiresAt: Number.POSITIVE_INFINITY,
    })
  })

  it('trims surrounding whitespace and a trailing newline', async () => {
    const { token } = await staticToken(`  ${secret}\n`).getToken()
    expect(token).toBe(secret)
  })

  it('returns the same token when that token was rejected, so adapters do not retry', async () => {
    const provider = staticToken(secret)
    const { token } = await provider.getToken({ rejected: secret })
    expect(token).toBe(secret)
  })

  it('rejects a call whose signal is already aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('caller gave up'))
    await expect(staticToken(secret).getToken({ signal: controller.signal })).rejects.toThrow(
      'caller gave up',
    )
  })

  it.each([
    ['an empty string', ''],
    ['only whitespace', ' \n\t '],
    ['two lines', `${secret}\n${secret}`],
    ['whitespace inside', 'v1.abc def'],
    ['a carriage return inside', 'v1.abc\rdef'],
    ['non-ASCII characters', 'v1.abc\u00e9'],
  ])('throws a TypeError for %s', (_name, value) => {
    expect(() => staticToken(value)).toThrow(TypeError)
  })

  it('throws a TypeError naming the option when the token is not a string', () => {
    expect(() => staticToken(undefined as unknown as string)).toThrow(/token must be a string/)
  })

  it('never quotes the token in its error message', () => {
    let message = ''
    try {
      staticToken(`${secret} ${secret}`)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toBe('staticToken: token contains whitespace')
  })

  it('shows no token through util.inspect or JSON.stringify', () => {
    const provider = staticToken(secret)
    expect(inspect(provider, { showHidden: true, depth: 5 })).not.toContain(secret)
    expect(JSON.stringify(provider)).not.toContain(secret)
  })
})

describe('tokenProblem', () => {
  it('accepts a token of visible ASCII characters', () => {
    expect(tokenProblem(secret)).toBeUndefined()
  })

  it('names a multi-line value as such', () => {
    expect(tokenProblem('a\nb')).toBe('spans more than one line')
  })
})

describe('staticToken close()', () => {
  it('forgets the token: a provider typed as TokenProvider can be closed', async () => {
    const provider: TokenProvider = staticToken('v1.a.b')
    provider.close?.()
    await expect(provider.getToken()).rejects.toMatchObject({ code: 'ERR_PROVIDER_CLOSED' })
  })
})

describe('staticToken warm path', () => {
  it('hands out one settled promise and offers its token through peek', async () => {
    const provider = staticToken('v1.static')
    expect(provider.getToken()).toBe(provider.getToken())
    expect(provider.peek?.()).toBe(await provider.getToken())
    provider.close()
    expect(provider.peek?.()).toBeUndefined()
  })
})
