import { inspect } from 'node:util'

import { afterEach, describe, expect, it } from 'vitest'

import { NebiusAuthError } from '../common/errors.js'
import {
  json,
  startServer,
  tokenResponse,
  type TestServer,
} from '../exchange/exchange-server.test-support.js'
import { externalJwt } from './external-jwt.test-support.js'
import { federatedCredentials } from './federated-credentials.js'
import { githubActionsToken } from './github-actions-token.js'

// What the runner sets for a job with `permissions: id-token: write`: a URL that already has a query.
const requestToken = 'ghs_requestTokenSecretValue0123456789'
const servers: TestServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

/** GitHub's token service, played by a local server: it checks the request token and answers `{ value }`. */
async function startGitHub(
  jwt: string,
  status = 200,
): Promise<{ env: Record<string, string>; server: TestServer }> {
  const server = await startServer((request, response) => {
    if (status !== 200) return json(response, status, { message: 'Forbidden' })
    if (request.headers.authorization !== `Bearer ${requestToken}`) return json(response, 401, {})
    return json(response, 200, { count: jwt.length, value: jwt })
  })
  servers.push(server)
  const base = server.url.replace('/oauth2/token/exchange', '')
  return {
    server,
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/_apis/pipelines/1/runs/2/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
  }
}

describe('githubActionsToken', () => {
  it('asks the runner for the job token with the audience and the request token', async () => {
    const jwt = externalJwt(Date.now() + 300_000)
    const github = await startGitHub(jwt)
    const token = await githubActionsToken({ audience: 'nebius', env: github.env })()
    expect(token).toBe(jwt)
    const [request] = github.server.requests
    expect(request?.method).toBe('GET')
    const url = new URL(request?.url ?? '', 'http://x')
    expect(url.pathname).toBe('/_apis/pipelines/1/runs/2/idtoken')
    expect(url.searchParams.get('api-version')).toBe('2.0')
    expect(url.searchParams.get('audience')).toBe('nebius')
  })

  it('feeds federatedCredentials, one fresh job token per exchange', async () => {
    const jwt = externalJwt(Date.now() + 300_000)
    const github = await startGitHub(jwt)
    const forms: URLSearchParams[] = []
    const iam = await startServer((request, response) => {
      forms.push(new URLSearchParams(request.body))
      json(response, 200, tokenResponse())
    })
    servers.push(iam)
    const provider = federatedCredentials({
      serviceAccountId: 'serviceaccount-e00ci',
      token: githubActionsToken({ audience: 'nebius', env: github.env }),
      endpoint: iam.url,
    })
    await provider.getToken()
    provider.close()
    expect(forms[0]?.get('actor_token')).toBe(jwt)
    expect(github.server.requests).toHaveLength(1)
  })

  it('says the job lacks id-token: write when the variables are missing', async () => {
    for (const env of [{}, { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://example.invalid/x' }]) {
      const error = await githubActionsToken({ env })().catch((caught: unknown) => caught)
      expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_GITHUB_OIDC_UNAVAILABLE')
      expect((error as Error).message).toContain('id-token: write')
    }
  })

  it('reports a refused request without the request token', async () => {
    const github = await startGitHub('', 403)
    const error = await githubActionsToken({ env: github.env })().catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_GITHUB_OIDC_FAILED')
    expect((error as Error).message).toContain('403')
    expect(inspect(error, { depth: 5, showHidden: true })).not.toContain(requestToken)
  })

  it('refuses to send the request token over clear text to another machine', async () => {
    const env = {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://example.com/idtoken',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }
    const error = await githubActionsToken({ env })().catch((caught: unknown) => caught)
    expect(NebiusAuthError.isInstance(error) && error.code).toBe('ERR_GITHUB_OIDC_UNAVAILABLE')
  })

  it('validates its options with TypeErrors that name the option', () => {
    expect(() => githubActionsToken({ audience: '' })).toThrow(/options.audience/)
    expect(() => githubActionsToken({ timeout: 0 })).toThrow(/options.timeout/)
  })
})
