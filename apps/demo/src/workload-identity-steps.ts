/**
 * The offline demo's workload identity steps: a CI job that has no key (its OIDC token is exchanged for a
 * service account's token, as on GitHub Actions), and one service account acting as another.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  NebiusAuthError,
  federatedCredentials,
  githubActionsToken,
  impersonate,
  serviceAccount,
  type TokenProvider,
} from '@nebius-auth/core'
import { withNebiusAuth } from '@nebius-auth/fetch'
import type { Emulator, OidcIssuer } from '@nebius-auth/emulator'
import type { DemoWorld } from './offline-setup.js'
import type { Check, DemoConsole } from './output.js'

const ciSubject = 'repo:acme/app:ref:refs/heads/main'

/** GET /v1/whoami with the fetch adapter: the status and the principal the emulator saw. */
async function whoami(
  emulator: Emulator,
  provider: TokenProvider,
): Promise<{ status: number; principal?: string }> {
  const client = withNebiusAuth(fetch, { provider, origins: [emulator.url] })
  const response = await client(`${emulator.url}/v1/whoami`)
  const body = (await response.json()) as { serviceAccountId?: string }
  return { status: response.status, principal: body.serviceAccountId }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  return NebiusAuthError.isInstance(error) ? error.code : 'no error'
}

/**
 * The runner's OIDC token service, as GitHub Actions offers it to a job with `id-token: write`: a URL and a
 * request token in the environment; the answer is a JWT of the CI's issuer (here the emulator's).
 */
async function startRunnerTokenService(
  issuer: OidcIssuer,
): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const requestToken = 'runner-request-token-demo'
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://runner.invalid')
    if (request.headers.authorization !== `Bearer ${requestToken}`) {
      response.writeHead(401).end()
      return
    }
    const audience = url.searchParams.get('audience') ?? undefined
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ value: issuer.mint({ subject: ciSubject, audience }) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      }),
  }
}

/** An OIDC issuer, a federated binding, one exchange, an authorized request; a wrong subject refused. */
export async function ciJobWithoutKey(world: DemoWorld, out: DemoConsole): Promise<Check> {
  const { emulator } = world
  const issuer = emulator.oidcIssuer()
  const { serviceAccountId } = emulator.addFederatedCredentials({
    issuerUrl: issuer.issuerUrl,
    subject: ciSubject,
  })
  out.line(`  OIDC issuer  ${issuer.issuerUrl}  (discovery + JWKS, like token.actions.githubusercontent.com)`)
  out.line(`  binding      ${serviceAccountId} trusts sub "${ciSubject}" of that issuer; it has no key`)
  const runner = await startRunnerTokenService(issuer)
  try {
    const before = emulator.stats().exchanges.accepted
    const provider = federatedCredentials({
      serviceAccountId,
      token: githubActionsToken({ audience: 'nebius', env: runner.env }),
      endpoint: emulator.exchangeEndpoint,
    })
    const results = await Promise.all(Array.from({ length: 10 }, () => whoami(emulator, provider)))
    provider.close()
    const made = emulator.stats().exchanges.accepted - before
    const good = results.filter(
      (result) => result.status === 200 && result.principal === serviceAccountId,
    ).length
    out.line(
      `  job token    exchanged ${made} time(s); ${good} of ${results.length} requests answered 200 as ${serviceAccountId}`,
    )

    // A pull-request job of the same repository carries another sub: IAM refuses it.
    const intruder = federatedCredentials({
      serviceAccountId,
      token: issuer.mint({ subject: 'repo:acme/app:pull_request' }),
      endpoint: emulator.exchangeEndpoint,
    })
    const refused = await codeOf(intruder.getToken())
    intruder.close()
    out.line(`  other sub    refused: ${refused}`)
    return {
      name: 'a CI job with no key',
      ok: made === 1 && good === results.length && refused === 'ERR_EXCHANGE_REJECTED',
      detail: 'the job OIDC token exchanged once for 10 requests; another subject refused',
    }
  } finally {
    await runner.close()
  }
}

/** The demo's own service account acts as a deployer account it was allowed to impersonate. */
export async function impersonation(world: DemoWorld, out: DemoConsole): Promise<Check> {
  const { emulator } = world
  const deployer = emulator.createServiceAccount({ keyBits: 2048 }).serviceAccountId
  const stranger = emulator.createServiceAccount({ keyBits: 2048 }).serviceAccountId
  emulator.allowImpersonation({ actor: world.account.serviceAccountId, serviceAccountId: deployer })
  out.line(`  grant        ${world.account.serviceAccountId} may act as ${deployer}`)
  const actor = serviceAccount({
    credentialsFile: world.credentialsFile,
    endpoint: emulator.exchangeEndpoint,
  })
  const before = emulator.stats().exchanges.accepted
  const provider = impersonate({ serviceAccountId: deployer, actor, endpoint: emulator.exchangeEndpoint })
  const result = await whoami(emulator, provider)
  const made = emulator.stats().exchanges.accepted - before
  out.line(
    `  as deployer  ${result.status}, the API saw ${result.principal ?? 'nobody'} (${made} exchanges: actor, then impersonation)`,
  )
  const denied = impersonate({ serviceAccountId: stranger, actor, endpoint: emulator.exchangeEndpoint })
  const refused = await codeOf(denied.getToken())
  out.line(`  not granted  acting as ${stranger} refused: ${refused}`)
  for (const closable of [provider, denied, actor]) closable.close()
  return {
    name: 'impersonation',
    ok:
      result.status === 200 &&
      result.principal === deployer &&
      made === 2 &&
      refused === 'ERR_EXCHANGE_REJECTED',
    detail: 'allowed: the deployer identity; not allowed: ERR_EXCHANGE_REJECTED',
  }
}
