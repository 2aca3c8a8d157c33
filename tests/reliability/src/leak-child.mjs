// One adapter's leak check, in a process of its own: `node --expose-gc leak-child.mjs <adapter> <warm-up> <total>`.
// Plain JavaScript on purpose: a TypeScript loader in this process would put its own heap and handles
// into the very numbers being measured. It prints one JSON line and then must exit without process.exit.
import { createServer, Agent } from 'node:http'

import { withNebiusAuth as withAxiosAuth } from '@nebius-auth/axios'
import { serviceAccount } from '@nebius-auth/core'
import { startEmulator } from '@nebius-auth/emulator'
import { withNebiusAuth as withFetchAuth } from '@nebius-auth/fetch'
import { withNebiusAuth as withGotAuth } from '@nebius-auth/got'
import { withNebiusAuth as withKyAuth } from '@nebius-auth/ky'
import axios from 'axios'
import got from 'got'
import ky from 'ky'

const [adapter = 'fetch', warmUpText = '1000', totalText = '5000'] = process.argv.slice(2)
const warmUp = Number(warmUpText)
const total = Number(totalText)
const batch = 50
// Short enough that the token is refreshed several times during the run, so refresh timers are exercised.
const tokenTtl = 4

/** Active handles and requests by type, e.g. { TCPSocketWrap: 2, Timeout: 1 }. */
function resources() {
  const counts = {}
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}

// undici (fetch, ky) releases response bodies through a FinalizationRegistry, whose callbacks run only
// after a GC and a turn of the event loop: collect, let them run, and collect again, a few times over.
async function heapAfterGc() {
  for (let round = 0; round < 4; round++) {
    globalThis.gc()
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  globalThis.gc()
  return process.memoryUsage().heapUsed
}

// The standard streams are created lazily; touch them first so the baseline already holds them.
void process.stdout.writable
void process.stderr.writable
const baseline = resources()

const emulator = await startEmulator({ tokenTtl })
const account = emulator.createServiceAccount({ keyBits: 2048 })
const tokensSeen = new Set()
// A bare keep-alive API server: the emulator's own API records every request, which would look like a leak.
const server = createServer((request, response) => {
  const authorization = request.headers.authorization ?? ''
  if (tokensSeen.size < 1000) tokensSeen.add(authorization.slice('Bearer '.length))
  response.statusCode = authorization.startsWith('Bearer v1.') ? 200 : 401
  response.end('{}')
})
// No idle timeout on the server's side: the clients close idle sockets themselves (undici after 4 s). With
// node's default of 5 s, a process stalled for over 5 s (a starved machine) runs the server's timer before
// it reads the request already written to that socket, closes it, and the request fails with ECONNRESET,
// whatever the client (docs/RELIABILITY.md, "What the full counts showed").
server.keepAliveTimeout = 0
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const baseURL = `http://127.0.0.1:${server.address().port}`

let events = 0
const provider = serviceAccount({
  serviceAccountId: account.serviceAccountId,
  publicKeyId: account.publicKeyId,
  privateKey: account.privateKeyPem,
  endpoint: emulator.exchangeEndpoint,
  onEvent: () => events++,
})
const options = { provider, origins: [baseURL] }
const agent = new Agent({ keepAlive: true, maxSockets: batch })

function createClient() {
  if (adapter === 'axios') {
    const client = withAxiosAuth(
      axios.create({ baseURL, httpAgent: agent, validateStatus: () => true }),
      options,
    )
    return async () => (await client.get('/v1/whoami')).status
  }
  if (adapter === 'got') {
    const client = withGotAuth(
      got.extend({ prefixUrl: baseURL, agent: { http: agent }, retry: { limit: 0 }, throwHttpErrors: false }),
      options,
    )
    return async () => (await client.get('v1/whoami')).statusCode
  }
  if (adapter === 'ky') {
    // ky's default 10 s per attempt is a latency bound, which a starved machine can exceed with nothing
    // wrong; a minute still ends a hung request, and the failure records why.
    const client = withKyAuth(
      ky.create({ prefixUrl: baseURL, retry: 0, throwHttpErrors: false, timeout: 60_000 }),
      options,
    )
    return async () => {
      const response = await client.get('v1/whoami')
      await response.arrayBuffer()
      return response.status
    }
  }
  const client = withFetchAuth(fetch, options)
  return async () => {
    const response = await client(`${baseURL}/v1/whoami`)
    await response.arrayBuffer()
    return response.status
  }
}

const send = createClient()
let succeeded = 0
let failed = 0
const startedAt = performance.now()
// The first failures, described (not the errors themselves: those could hold anything), so a failed run
// says why it failed: the error's name, code and message along its cause chain, or the status it got.
const failureLimit = 20
const failures = []
// How many failures of each kind, over the whole run: "ECONNRESET", "ERR_EXCHANGE_UNAVAILABLE", "status 401".
const failureKinds = {}

function describeFailure(error) {
  const chain = []
  let current = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    chain.push({ name: current.name, code: current.code, message: String(current.message).slice(0, 300) })
    current = current.cause
  }
  if (chain.length === 0) chain.push({ message: String(error).slice(0, 300) })
  return chain
}

function recordFailure(outcome, sent) {
  failed++
  const chain = 'error' in outcome ? describeFailure(outcome.error) : [{ status: outcome.status }]
  // The innermost code names the cause (undici wraps a socket error in a TypeError "fetch failed").
  const kind =
    chain.findLast((link) => link.code !== undefined)?.code ??
    (chain[0].status === undefined ? chain.at(-1).name : `status ${chain[0].status}`)
  failureKinds[kind] = (failureKinds[kind] ?? 0) + 1
  if (failures.length < failureLimit) {
    failures.push({ request: sent, atMs: Math.round(performance.now() - startedAt), chain })
  }
}

let sentSoFar = 0
// The slowest batch, in wall time: a client timeout (ky's 10 s) is only reached when a whole batch stalls.
const slowestBatch = { ms: 0, request: 0 }
async function run(count) {
  for (let sent = 0; sent < count; sent += batch) {
    const batchStartedAt = performance.now()
    const outcomes = await Promise.all(
      Array.from({ length: Math.min(batch, count - sent) }, () =>
        send().then(
          (status) => ({ status }),
          (error) => ({ error }),
        ),
      ),
    )
    for (const outcome of outcomes)
      if (outcome.status === 200) succeeded++
      else recordFailure(outcome, sentSoFar)
    const batchMs = performance.now() - batchStartedAt
    if (batchMs > slowestBatch.ms)
      Object.assign(slowestBatch, { ms: Math.round(batchMs), request: sentSoFar })
    sentSoFar += outcomes.length
  }
}

await run(warmUp)
const heapAfterWarmUp = await heapAfterGc()
await run(total - warmUp)
const heapAtEnd = await heapAfterGc()

provider.close()
agent.destroy()
server.closeAllConnections()
await new Promise((resolve) => server.close(resolve))
await emulator.close()

// Sockets close on the next turns of the event loop; give them up to five seconds, checking counts only.
let after = resources()
for (let round = 0; round < 50 && JSON.stringify(after) !== JSON.stringify(baseline); round++) {
  await new Promise((resolve) => setTimeout(resolve, 100))
  after = resources()
}

process.stdout.write(
  `${JSON.stringify({
    adapter,
    requests: total,
    warmUp,
    succeeded,
    failed,
    failureKinds,
    failures,
    durationMs: Math.round(performance.now() - startedAt),
    slowestBatch,
    events,
    exchanges: emulator.stats().exchanges.accepted,
    heapAfterWarmUp,
    heapAtEnd,
    baseline,
    after,
    tokens: [...tokensSeen],
    privateKeyPem: account.privateKeyPem,
  })}\n`,
)
