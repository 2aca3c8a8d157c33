import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { NebiusAuthError } from '../common/errors.js'
import {
  json,
  startServer,
  tokenResponse,
  type TestServer,
} from '../exchange/exchange-server.test-support.js'
import { externalJwt } from '../providers/external-jwt.test-support.js'
import { fromEnvironment } from './from-environment.js'

const userToken = 'v1.user.dXNlci1zaWduYXR1cmUtc2VjcmV0LXBhcnQ'
let home: string
const servers: TestServer[] = []
const providers: { close(): void }[] = []

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'nebius-workload-identity-'))
  await mkdir(join(home, '.nebius'))
})
afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  for (const server of servers.splice(0)) await server.close()
  await rm(home, { recursive: true, force: true })
})

/** An IAM stand-in that records each exchange's form and issues a numbered token. */
async function startIam(): Promise<{ url: string; forms: URLSearchParams[] }> {
  const forms: URLSearchParams[] = []
  const server = await startServer((request, response) => {
    forms.push(new URLSearchParams(request.body))
    json(response, 200, tokenResponse(`v1.issued${forms.length}.c2lnbmF0dXJlLXNlY3JldA`))
  })
  servers.push(server)
  return { url: server.url, forms }
}

function provider(endpoint: string, env: Record<string, string> = {}) {
  const created = fromEnvironment({ endpoint, env: { HOME: home, PATH: '', ...env } })
  providers.push(created)
  return created
}

async function writeConfig(lines: string[]): Promise<void> {
  await writeFile(
    join(home, '.nebius', 'config.yaml'),
    `profiles:\n  ci:\n${lines.map((line) => `    ${line}\n`).join('')}`,
  )
}

const fields = (form: URLSearchParams | undefined) => ({
  subject: form?.get('subject_token'),
  actor: form?.get('actor_token'),
  actorType: form?.get('actor_token_type'),
})

describe('fromEnvironment: workload identity in the CLI config', () => {
  it('exchanges the federated subject credentials file of a service account profile, re-read per exchange', async () => {
    const iam = await startIam()
    const first = externalJwt(Date.now() + 3_600_000)
    await writeFile(join(home, 'oidc-token'), first)
    await writeConfig([
      'auth-type: service account',
      'service-account-id: serviceaccount-e00ci',
      'federated-subject-credentials-file-path: ~/oidc-token',
    ])
    const environment = provider(iam.url)
    const { token } = await environment.getToken()
    const second = externalJwt(Date.now() + 3_600_000)
    await writeFile(join(home, 'oidc-token'), second)
    await environment.getToken({ rejected: token })
    expect(iam.forms.map(fields)).toEqual([
      { subject: 'serviceaccount-e00ci', actor: first, actorType: 'urn:ietf:params:oauth:token-type:jwt' },
      { subject: 'serviceaccount-e00ci', actor: second, actorType: 'urn:ietf:params:oauth:token-type:jwt' },
    ])
  })

  it('reports a federated profile without service-account-id as ERR_CONFIG_INVALID', async () => {
    const iam = await startIam()
    await writeConfig(['federated-subject-credentials-file-path: ~/oidc-token'])
    const error = await provider(iam.url)
      .getToken()
      .catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_CONFIG_INVALID')
  })

  it('impersonates with the token file the profile yields', async () => {
    const iam = await startIam()
    await writeFile(join(home, 'user-token'), userToken)
    await writeConfig([
      'token-file: ~/user-token',
      'impersonate-service-account-id: serviceaccount-e00deploy',
    ])
    const { token } = await provider(iam.url).getToken()
    expect(token).toBe('v1.issued1.c2lnbmF0dXJlLXNlY3JldA')
    expect(iam.forms.map(fields)).toEqual([
      {
        subject: 'serviceaccount-e00deploy',
        actor: userToken,
        actorType: 'urn:ietf:params:oauth:token-type:access_token',
      },
    ])
  })

  it('impersonates with the token of federated credentials: two exchanges, the first as actor', async () => {
    const iam = await startIam()
    const jwt = externalJwt(Date.now() + 3_600_000)
    await writeFile(join(home, 'oidc-token'), jwt)
    await writeConfig([
      'auth-type: service account',
      'service-account-id: serviceaccount-e00ci',
      'federated-subject-credentials-file-path: ~/oidc-token',
      'impersonate-service-account-id: serviceaccount-e00deploy',
    ])
    const { token } = await provider(iam.url).getToken()
    expect(token).toBe('v1.issued2.c2lnbmF0dXJlLXNlY3JldA')
    expect(iam.forms.map(fields)).toEqual([
      { subject: 'serviceaccount-e00ci', actor: jwt, actorType: 'urn:ietf:params:oauth:token-type:jwt' },
      {
        subject: 'serviceaccount-e00deploy',
        actor: 'v1.issued1.c2lnbmF0dXJlLXNlY3JldA',
        actorType: 'urn:ietf:params:oauth:token-type:access_token',
      },
    ])
  })
})

describe("fromEnvironment: this library's NEBIUS_AUTH_FEDERATED_* variables", () => {
  it('exchanges the token file named by NEBIUS_AUTH_FEDERATED_TOKEN_FILE', async () => {
    const iam = await startIam()
    const jwt = externalJwt(Date.now() + 3_600_000)
    await writeFile(join(home, 'projected'), `${jwt}\n`)
    await provider(iam.url, {
      NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID: 'serviceaccount-e00pod',
      NEBIUS_AUTH_FEDERATED_TOKEN_FILE: join(home, 'projected'),
    }).getToken()
    expect(iam.forms.map(fields)).toEqual([
      { subject: 'serviceaccount-e00pod', actor: jwt, actorType: 'urn:ietf:params:oauth:token-type:jwt' },
    ])
  })

  it("uses the GitHub Actions job's token with NEBIUS_AUTH_FEDERATED_AUDIENCE", async () => {
    const iam = await startIam()
    const jwt = externalJwt(Date.now() + 300_000)
    const github = await startServer((_request, response) => json(response, 200, { value: jwt }))
    servers.push(github)
    await provider(iam.url, {
      NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID: 'serviceaccount-e00ci',
      NEBIUS_AUTH_FEDERATED_AUDIENCE: 'nebius',
      ACTIONS_ID_TOKEN_REQUEST_URL: `${github.url}?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'ghs_request',
    }).getToken()
    expect(new URL(github.requests[0]?.url ?? '', 'http://x').searchParams.get('audience')).toBe('nebius')
    expect(iam.forms.map(fields)[0]?.actor).toBe(jwt)
  })

  it('comes after NEBIUS_IAM_TOKEN and before the CLI config', async () => {
    const iam = await startIam()
    await writeFile(join(home, 'user-token'), userToken)
    await writeConfig(['token-file: ~/user-token'])
    await writeFile(join(home, 'projected'), externalJwt(Date.now() + 3_600_000))
    const env = {
      NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID: 'serviceaccount-e00pod',
      NEBIUS_AUTH_FEDERATED_TOKEN_FILE: join(home, 'projected'),
    }
    expect((await provider(iam.url, env).getToken()).token).toBe('v1.issued1.c2lnbmF0dXJlLXNlY3JldA')
    const ready = 'v1.ready.cmVhZHktc2lnbmF0dXJlLXNlY3JldA'
    expect((await provider(iam.url, { ...env, NEBIUS_IAM_TOKEN: ready }).getToken()).token).toBe(ready)
  })

  it('refuses a half-configured set instead of silently using something else', async () => {
    const iam = await startIam()
    const halves: Record<string, string>[] = [
      { NEBIUS_AUTH_FEDERATED_SERVICE_ACCOUNT_ID: 'serviceaccount-e00pod' },
      { NEBIUS_AUTH_FEDERATED_TOKEN_FILE: '/var/run/secrets/tokens/nebius' },
    ]
    for (const env of halves) {
      const error = await provider(iam.url, env)
        .getToken()
        .catch((caught: unknown) => caught)
      expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_CONFIG_INVALID')
    }
    expect(iam.forms).toHaveLength(0)
  })
})
