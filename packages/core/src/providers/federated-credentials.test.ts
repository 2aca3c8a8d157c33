import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { afterAll, afterEach, describe, expect, it } from 'vitest'

import { NebiusAuthError } from '../common/errors.js'
import type { NebiusAuthEvent } from '../common/events.js'
import {
  json,
  startServer,
  tokenResponse,
  type TestServer,
} from '../exchange/exchange-server.test-support.js'
import { externalJwt } from './external-jwt.test-support.js'
import { federatedCredentials, type FederatedCredentialsOptions } from './federated-credentials.js'

const serviceAccountId = 'serviceaccount-e00federated'
const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-federated-'))
afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

let server: TestServer | undefined
const providers: { close(): void }[] = []
afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  await server?.close()
  server = undefined
})

/** An IAM stand-in that issues a token per exchange and records each request's form. */
async function startIam(): Promise<{ url: string; forms: URLSearchParams[] }> {
  const forms: URLSearchParams[] = []
  server = await startServer((request, response) => {
    forms.push(new URLSearchParams(request.body))
    json(response, 200, tokenResponse(`v1.federated${forms.length}.c2lnbmF0dXJlLXNlY3JldA`))
  })
  return { url: server.url, forms }
}

function provider(options: Omit<FederatedCredentialsOptions, 'serviceAccountId'>, endpoint: string) {
  const created = federatedCredentials({ serviceAccountId, endpoint, ...options })
  providers.push(created)
  return created
}

const inAnHour = (): number => Date.now() + 3_600_000

describe('federatedCredentials', () => {
  it('sends the service account ID as subject and the external JWT as actor', async () => {
    const iam = await startIam()
    const jwt = externalJwt(inAnHour())
    const { token } = await provider({ token: jwt }, iam.url).getToken()
    expect(token).toBe('v1.federated1.c2lnbmF0dXJlLXNlY3JldA')
    expect(Object.fromEntries(iam.forms[0] ?? [])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: serviceAccountId,
      subject_token_type: 'urn:nebius:params:oauth:token-type:subject_identifier',
      actor_token: jwt,
      actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    })
  })

  it('calls a token function for every exchange', async () => {
    const iam = await startIam()
    const issued: string[] = []
    const federated = provider(
      {
        token: () => {
          const jwt = externalJwt(inAnHour())
          issued.push(jwt)
          return jwt
        },
      },
      iam.url,
    )
    const first = await federated.getToken()
    await federated.getToken({ rejected: first.token })
    expect(issued).toHaveLength(2)
    expect(iam.forms.map((form) => form.get('actor_token'))).toEqual(issued)
  })

  it('re-reads the token file for every exchange, following a rotation', async () => {
    const iam = await startIam()
    const path = join(directory, 'rotating-token')
    const first = externalJwt(inAnHour())
    writeFileSync(path, `${first}\n`)
    const federated = provider({ tokenFile: path }, iam.url)
    const { token } = await federated.getToken()
    // The kubelet swaps the file atomically; write-then-rename does the same.
    const second = externalJwt(inAnHour())
    writeFileSync(`${path}.next`, second)
    renameSync(`${path}.next`, path)
    await federated.getToken({ rejected: token })
    expect(iam.forms.map((form) => form.get('actor_token'))).toEqual([first, second])
  })

  it('takes the token again from its source when the one it got is about to expire', async () => {
    const iam = await startIam()
    const fresh = externalJwt(inAnHour())
    const answers = [externalJwt(Date.now() + 5_000), fresh]
    let calls = 0
    const federated = provider({ token: () => answers[calls++] ?? '' }, iam.url)
    await federated.getToken()
    expect(calls).toBe(2)
    expect(iam.forms.map((form) => form.get('actor_token'))).toEqual([fresh])
  })

  it('sends no exchange for an expired string token, and names the problem without the JWT', async () => {
    const iam = await startIam()
    const jwt = externalJwt(Date.now() - 60_000)
    const error = await provider({ token: jwt }, iam.url)
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXTERNAL_TOKEN_EXPIRED')
    expect(iam.forms).toHaveLength(0)
    expect(inspect(error, { depth: 5 })).not.toContain(jwt.split('.')[2])
  })

  it('fails with ERR_EXTERNAL_TOKEN_EXPIRED when a file keeps holding an expired token', async () => {
    const iam = await startIam()
    const path = join(directory, 'stale-token')
    writeFileSync(path, externalJwt(Date.now() - 1000))
    const error = await provider({ tokenFile: path }, iam.url)
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXTERNAL_TOKEN_EXPIRED')
    expect(iam.forms).toHaveLength(0)
  })

  it('reports a missing token file as ERR_CREDENTIALS_NOT_FOUND', async () => {
    const iam = await startIam()
    const error = await provider({ tokenFile: join(directory, 'absent') }, iam.url)
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
  })

  it('wraps a throwing token function without its message', async () => {
    const iam = await startIam()
    const error = await provider(
      {
        token: () => {
          throw new Error('secret-looking detail')
        },
      },
      iam.url,
    )
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXTERNAL_TOKEN_UNAVAILABLE')
    expect((error as Error).message).not.toContain('secret-looking detail')
  })

  it('refuses what is not a JWT before any exchange', async () => {
    const iam = await startIam()
    const error = await provider({ token: () => 'not a jwt' }, iam.url)
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXTERNAL_TOKEN_INVALID')
    expect(iam.forms).toHaveLength(0)
  })

  it('shares one exchange among 1,000 concurrent cold callers', async () => {
    const iam = await startIam()
    let sourceCalls = 0
    const federated = provider(
      {
        token: () => {
          sourceCalls += 1
          return externalJwt(inAnHour())
        },
      },
      iam.url,
    )
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => federated.getToken()))
    expect(new Set(tokens.map((token) => token.token)).size).toBe(1)
    expect(iam.forms).toHaveLength(1)
    expect(sourceCalls).toBe(1)
  })

  it('keeps the JWT out of a rejection, its events and the provider printed form', async () => {
    const jwt = externalJwt(inAnHour())
    server = await startServer((request, response) => {
      // A server that echoes the actor token back in its error must not get it into the error.
      const actor = new URLSearchParams(request.body).get('actor_token') ?? ''
      json(response, 400, { error: 'invalid_grant', error_description: `bad actor ${actor}` })
    })
    const events: NebiusAuthEvent[] = []
    const federated = provider({ token: jwt, onEvent: (event) => events.push(event) }, server.url)
    const error = await federated.getToken().catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_EXCHANGE_REJECTED')
    const signature = jwt.split('.')[2] ?? ''
    for (const text of [
      inspect(error, { depth: 5, showHidden: true }),
      JSON.stringify(events),
      inspect(federated, { showHidden: true }),
      JSON.stringify(federated),
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- String() of the provider is what is tested
      String(federated),
    ])
      expect(text).not.toContain(signature)
  })

  it('validates its options with TypeErrors that name the option', () => {
    const cases: [unknown, RegExp][] = [
      [{ token: 'a.b.c' }, /serviceAccountId/],
      [{ serviceAccountId }, /exactly one of options.token and options.tokenFile/],
      [{ serviceAccountId, token: 'a.b.c', tokenFile: '/x' }, /exactly one/],
      [{ serviceAccountId, token: 42 }, /options.token must be/],
      [{ serviceAccountId, tokenFile: '' }, /options.tokenFile/],
      [{ serviceAccountId, token: 'a.b.c', endpoint: 'http://example.com/x' }, /options.endpoint/],
    ]
    for (const [options, message] of cases) {
      expect(() => federatedCredentials(options as FederatedCredentialsOptions)).toThrow(message)
    }
  })
})
