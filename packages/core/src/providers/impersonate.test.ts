import { inspect } from 'node:util'

import { afterEach, describe, expect, it } from 'vitest'

import { NebiusAuthError } from '../common/errors.js'
import {
  json,
  startServer,
  tokenResponse,
  type TestServer,
} from '../exchange/exchange-server.test-support.js'
import { impersonate, type ImpersonateOptions } from './impersonate.js'
import { staticToken } from './static-token.js'
import { cachedProvider } from '../cache/token-cache.js'

const serviceAccountId = 'serviceaccount-e00target'

let server: TestServer | undefined
const providers: { close(): void }[] = []
afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  await server?.close()
  server = undefined
})

/** An IAM stand-in that accepts only the actor tokens in `live` and records each request's form. */
async function startIam(live: Set<string>): Promise<{ url: string; forms: URLSearchParams[] }> {
  const forms: URLSearchParams[] = []
  server = await startServer((request, response) => {
    const form = new URLSearchParams(request.body)
    forms.push(form)
    if (!live.has(form.get('actor_token') ?? '')) {
      json(response, 400, { error: 'invalid_grant', error_description: 'actor_token is expired or revoked' })
      return
    }
    json(response, 200, tokenResponse(`v1.impersonated${forms.length}.c2lnbmF0dXJlLXNlY3JldA`))
  })
  return { url: server.url, forms }
}

/** A refreshing actor built on core's own cache: each exchange hands out the next numbered token. */
function countingActor(): { provider: ReturnType<typeof cachedProvider>; issued: string[] } {
  const issued: string[] = []
  const provider = cachedProvider(() => {
    const token = `v1.actor${issued.length + 1}.YWN0b3Itc2lnbmF0dXJlLXNlY3JldC1wYXJ0`
    issued.push(token)
    return Promise.resolve({ token, expiresAt: Date.now() + 3_600_000 })
  })
  providers.push(provider)
  return { provider, issued }
}

function provider(options: ImpersonateOptions) {
  const created = impersonate(options)
  providers.push(created)
  return created
}

describe('impersonate', () => {
  it('sends the actor access token with the service account ID as subject', async () => {
    const actorToken = 'v1.user.dXNlci1zaWduYXR1cmUtc2VjcmV0'
    const iam = await startIam(new Set([actorToken]))
    const { token } = await provider({
      serviceAccountId,
      actor: staticToken(actorToken),
      endpoint: iam.url,
    }).getToken()
    expect(token).toBe('v1.impersonated1.c2lnbmF0dXJlLXNlY3JldA')
    expect(Object.fromEntries(iam.forms[0] ?? [])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: serviceAccountId,
      subject_token_type: 'urn:nebius:params:oauth:token-type:subject_identifier',
      actor_token: actorToken,
      actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    })
  })

  it('refreshes a rejected actor token once through the actor and exchanges again', async () => {
    const live = new Set<string>()
    const iam = await startIam(live)
    const actor = countingActor()
    // The actor's first token is already dead at IAM (revoked, say); its second is good.
    live.add('v1.actor2.YWN0b3Itc2lnbmF0dXJlLXNlY3JldC1wYXJ0')
    const { token } = await provider({
      serviceAccountId,
      actor: actor.provider,
      endpoint: iam.url,
    }).getToken()
    expect(token).toBe('v1.impersonated2.c2lnbmF0dXJlLXNlY3JldA')
    expect(actor.issued).toHaveLength(2)
    expect(iam.forms.map((form) => form.get('actor_token'))).toEqual(actor.issued)
  })

  it('gives up after one actor refresh when IAM keeps rejecting', async () => {
    const iam = await startIam(new Set())
    const actor = countingActor()
    const error = await provider({ serviceAccountId, actor: actor.provider, endpoint: iam.url })
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXCHANGE_REJECTED')
    expect(iam.forms).toHaveLength(2)
    expect(actor.issued).toHaveLength(2)
  })

  it('does not repeat the exchange for a static actor, which cannot refresh', async () => {
    const actorToken = 'v1.revoked.cmV2b2tlZC1zaWduYXR1cmUtc2VjcmV0'
    const iam = await startIam(new Set())
    const error = await provider({ serviceAccountId, actor: staticToken(actorToken), endpoint: iam.url })
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXCHANGE_REJECTED')
    expect(iam.forms).toHaveLength(1)
    expect(inspect(error, { depth: 5, showHidden: true })).not.toContain('cmV2b2tlZC1zaWduYXR1cmUtc2VjcmV0')
  })

  it('does not refresh the actor for a failure that is not a rejection', async () => {
    server = await startServer((_request, response) => json(response, 200, { nonsense: true }))
    const actor = countingActor()
    const error = await provider({ serviceAccountId, actor: actor.provider, endpoint: server.url })
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXCHANGE_INVALID_RESPONSE')
    expect(actor.issued).toHaveLength(1)
  })

  it('shares one exchange among 1,000 concurrent cold callers', async () => {
    const live = new Set(['v1.actor1.YWN0b3Itc2lnbmF0dXJlLXNlY3JldC1wYXJ0'])
    const iam = await startIam(live)
    const actor = countingActor()
    const impersonated = provider({ serviceAccountId, actor: actor.provider, endpoint: iam.url })
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => impersonated.getToken()))
    expect(new Set(tokens.map((token) => token.token)).size).toBe(1)
    expect(iam.forms).toHaveLength(1)
    expect(actor.issued).toHaveLength(1)
  })

  it('prints as a name only', () => {
    const impersonated = provider({ serviceAccountId, actor: staticToken('v1.a.c2VjcmV0LXNpZ25hdHVyZQ') })
    expect(inspect(impersonated, { showHidden: true })).toBe('[impersonate]')
    expect(JSON.stringify(impersonated)).toBe('"[impersonate]"')
  })

  it('validates its options with TypeErrors that name the option', () => {
    const actor = staticToken('v1.a.b')
    const cases: [unknown, RegExp][] = [
      [{ actor }, /options.serviceAccountId/],
      [{ serviceAccountId }, /options.actor/],
      [{ serviceAccountId, actor: {} }, /options.actor/],
      [{ serviceAccountId, actor, endpoint: 'ftp://x' }, /options.endpoint/],
      [{ serviceAccountId, actor, cache: { refreshRatio: 3 } }, /options\.cache\.refreshRatio/],
    ]
    for (const [options, message] of cases) {
      expect(() => impersonate(options as ImpersonateOptions)).toThrow(message)
    }
  })
})
