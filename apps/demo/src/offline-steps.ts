/**
 * The offline demo's steps. Each one does something real against the emulator and returns a Check that
 * says whether the library behaved exactly as described; the exit status is the AND of all checks.
 */
import { generateKeyPairSync } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { NebiusAuthError, sanitizeToken, serviceAccount, type NebiusAuthEvent } from '@nebius-auth/core'
import { clientNames, createClient, type ClientName } from './clients.js'
import { createProfileCall, grpcClientNames, type GrpcClientName } from './grpc-clients.js'
import type { DemoWorld } from './offline-setup.js'
import { seconds, table, type Check, type DemoConsole } from './output.js'

const whoami = '/v1/whoami'

function providerFor(
  world: DemoWorld,
  extra: { onEvent?: (event: NebiusAuthEvent) => void; cache?: { refreshRatio?: number } } = {},
) {
  return serviceAccount({
    credentialsFile: world.credentialsFile,
    endpoint: world.emulator.exchangeEndpoint,
    ...extra,
  })
}

function exchanges(world: DemoWorld): number {
  return world.emulator.stats().exchanges.accepted
}

/** 20 concurrent requests per client on a cold provider: all 200, exactly one token exchange each. */
export async function everyClient(world: DemoWorld, out: DemoConsole): Promise<Check> {
  const rows: string[][] = [['client', 'requests', 'token exchanges', 'result']]
  let ok = true
  for (const name of clientNames) {
    const provider = providerFor(world)
    const get = createClient(name, world.emulator.url, { provider, origins: [world.emulator.url] })
    const before = exchanges(world)
    const statuses = await Promise.all(Array.from({ length: 20 }, () => get(whoami)))
    const made = exchanges(world) - before
    const good = statuses.filter((status) => status === 200).length
    ok &&= good === statuses.length && made === 1
    rows.push([
      name,
      String(statuses.length),
      String(made),
      good === statuses.length ? `${good} × 200` : `${good} × 200 of ${statuses.length}`,
    ])
    provider.close()
  }
  for (const name of grpcClientNames) {
    const provider = providerFor(world)
    const profiles = createProfileCall(name, grpcEndpoint(world), { provider, origins: grpcOrigins(world) })
    const before = exchanges(world)
    const results = await Promise.all(Array.from({ length: 20 }, () => profiles.get()))
    const made = exchanges(world) - before
    const good = results.filter((result) => result.status === 'OK').length
    ok &&= good === results.length && made === 1
    rows.push([
      name,
      String(results.length),
      String(made),
      good === results.length ? `${good} × OK (gRPC)` : `${good} × OK of ${results.length} (gRPC)`,
    ])
    profiles.close()
    provider.close()
  }
  for (const row of table(rows)) out.line(`  ${row}`)
  return {
    name: 'six clients, one exchange each',
    ok,
    detail: 'each client: 20 concurrent calls on a cold provider; gRPC: ProfileService/Get over TLS',
  }
}

function grpcEndpoint(world: DemoWorld) {
  return { target: world.grpc.address, rootCert: world.grpc.rootCert }
}

function grpcOrigins(world: DemoWorld): string[] {
  return [`https://${world.grpc.address}`]
}

/** A revoked token on a gRPC call: UNAUTHENTICATED, one refresh, one retry, OK. */
export async function revokedTokenGrpc(
  world: DemoWorld,
  out: DemoConsole,
  client: GrpcClientName = 'grpc-js',
): Promise<Check> {
  const provider = providerFor(world)
  const profiles = createProfileCall(client, grpcEndpoint(world), { provider, origins: grpcOrigins(world) })
  await profiles.get()
  const before = world.emulator.stats()
  const revoked = world.emulator.revoke()
  const result = await profiles.get()
  const after = world.emulator.stats()
  profiles.close()
  provider.close()
  const unauthenticated = after.unauthorized - before.unauthorized
  const refreshed = after.exchanges.accepted - before.exchanges.accepted
  const sent = after.apiRequests - before.apiRequests
  out.line(
    `  revoked ${revoked} token(s); ${client}: ${unauthenticated} × UNAUTHENTICATED → ${refreshed} refresh → ${sent - 1} retry → ${result.status}`,
  )
  return {
    name: 'revoked token recovered over gRPC',
    ok: result.status === 'OK' && unauthenticated === 1 && refreshed === 1 && sent === 2,
    detail: 'UNAUTHENTICATED → one refresh → one retry → OK',
  }
}

/** A 3-second token is replaced in the background at 90 % of its life while requests keep flowing. */
export async function backgroundRefresh(world: DemoWorld, out: DemoConsole): Promise<Check> {
  world.emulator.setTokenTtl(3)
  const events: NebiusAuthEvent[] = []
  const provider = providerFor(world, { onEvent: (event) => events.push(event) })
  const get = createClient('fetch', world.emulator.url, { provider, origins: [world.emulator.url] })
  const before = exchanges(world)
  const start = Date.now()
  const first = await provider.getToken()
  let requests = 0
  let failed = 0
  while (Date.now() - start < 3_600) {
    requests += 1
    if ((await get(whoami)) !== 200) failed += 1
    await sleep(100)
  }
  const second = await provider.getToken()
  provider.close()
  world.emulator.setTokenTtl(43_200)
  const background = events.find((event) => event.type === 'refresh-started' && event.reason === 'background')
  const made = exchanges(world) - before
  out.line(
    `  token 1 ${sanitizeToken(first.token)} lives ${seconds(first.expiresAt - start)}; refreshed in the background at 90 %`,
  )
  out.line(
    `  token 2 ${sanitizeToken(second.token)}; ${requests} requests over ${seconds(Date.now() - start)}, ${failed} failed, ${made} exchanges`,
  )
  const ok = failed === 0 && background !== undefined && second.token !== first.token && made >= 2
  return {
    name: 'background refresh',
    ok,
    detail: 'a short-lived token replaced before expiry, no request failed',
  }
}

/** A revoked token: the API answers 401, the adapter refreshes once and retries once, the caller sees 200. */
export async function revokedToken(
  world: DemoWorld,
  out: DemoConsole,
  client: ClientName = 'axios',
): Promise<Check> {
  const provider = providerFor(world)
  const get = createClient(client, world.emulator.url, { provider, origins: [world.emulator.url] })
  await get(whoami)
  const before = world.emulator.stats()
  const revoked = world.emulator.revoke()
  const status = await get(whoami)
  const after = world.emulator.stats()
  provider.close()
  const unauthorized = after.unauthorized - before.unauthorized
  const refreshed = after.exchanges.accepted - before.exchanges.accepted
  const sent = after.apiRequests - before.apiRequests
  out.line(
    `  revoked ${revoked} token(s); ${client}: ${unauthorized} × 401 → ${refreshed} refresh → ${sent - 1} retry → ${status}`,
  )
  return {
    name: 'revoked token recovered',
    ok: status === 200 && unauthorized === 1 && refreshed === 1 && sent === 2,
    detail: '401 → one refresh → one retry → 200',
  }
}

/** IAM answers 503 to every exchange: requests keep succeeding on the still-valid token until IAM is back. */
export async function exchangeOutage(world: DemoWorld, out: DemoConsole): Promise<Check> {
  world.emulator.setTokenTtl(8)
  const events: NebiusAuthEvent[] = []
  // Refresh early (30 % of 8 s) so the outage, the retries and the recovery all fit in a few seconds.
  const provider = providerFor(world, {
    cache: { refreshRatio: 0.3 },
    onEvent: (event) => events.push(event),
  })
  const get = createClient('got', world.emulator.url, { provider, origins: [world.emulator.url] })
  const start = Date.now()
  const first = await provider.getToken()
  world.emulator.fail({ count: 1_000_000, status: 503 })
  let requests = 0
  let failed = 0
  let clearedAt: number | undefined
  let eventsBeforeRecovery = 0
  // Until the refresh after the outage succeeds; bounded by the old token's expiry (plus slack for slow machines).
  while (Date.now() < first.expiresAt + 2_000) {
    requests += 1
    if ((await get(whoami)) !== 200) failed += 1
    if (clearedAt === undefined && events.some((event) => event.type === 'refresh-failed')) {
      world.emulator.clearFaults()
      clearedAt = Date.now()
      eventsBeforeRecovery = events.length
    }
    if (
      clearedAt !== undefined &&
      events.slice(eventsBeforeRecovery).some((event) => event.type === 'refresh-succeeded')
    )
      break
    await sleep(100)
  }
  world.emulator.clearFaults()
  const second = await provider.getToken()
  provider.close()
  world.emulator.setTokenTtl(43_200)
  const failures = events.filter((event) => event.type === 'refresh-failed').length
  const stale = events.filter((event) => event.type === 'stale-token-served').length
  const recovered = second.token !== first.token && second.expiresAt > first.expiresAt
  out.line(
    `  IAM down from ${seconds(0)}; ${failures} failed refresh(es), stale token served ${stale} time(s)`,
  )
  out.line(
    `  IAM back at ${seconds((clearedAt ?? Date.now()) - start)}; new token ${sanitizeToken(second.token)}; ${requests} requests, ${failed} failed`,
  )
  return {
    name: 'exchange outage ridden out',
    ok: failed === 0 && failures >= 1 && stale >= 1 && recovered,
    detail: 'no request failed while a valid token existed',
  }
}

/** Keys the library must refuse before any network call, each with its stable error code. */
export async function badKeys(world: DemoWorld, out: DemoConsole): Promise<Check> {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  })
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  })
  let ok = true
  for (const [label, pem] of [
    ['EC P-256 key', ec],
    ['RSA 1024-bit key', small],
  ] as const) {
    const file = join(world.folder, `bad-${label.split(' ')[0] ?? 'key'}.json`)
    const credentials = {
      'subject-credentials': {
        ...world.account.credentials['subject-credentials'],
        'private-key': pem.toString(),
      },
    }
    await writeFile(file, JSON.stringify(credentials), { mode: 0o600 })
    const before = world.emulator.stats().exchanges
    const provider = serviceAccount({ credentialsFile: file, endpoint: world.emulator.exchangeEndpoint })
    let code = 'no error'
    try {
      await provider.getToken()
    } catch (error) {
      code = NebiusAuthError.isInstance(error) ? error.code : 'unexpected error'
    } finally {
      provider.close()
    }
    const after = world.emulator.stats().exchanges
    const calls = after.accepted + after.rejected - before.accepted - before.rejected
    ok &&= code === 'ERR_KEY_INVALID' && calls === 0
    out.line(`  ${label.padEnd(17)} refused: ${code}, ${calls} network calls`)
  }
  return { name: 'bad keys refused', ok, detail: 'CredentialsError ERR_KEY_INVALID before any network call' }
}
