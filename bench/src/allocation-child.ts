/**
 * The allocation figure's own process, started by allocation.ts with `--expose-gc` and a young generation
 * large enough for a whole round: heap bytes per warm call of each adapter against the same client with a
 * hand-written interceptor (and bare, or with fixed metadata), with a provider passed explicitly and with
 * the default provider, and of a warm `getToken()` against `async () => cached`. The clients are the CPU
 * figures' own (adapter-overhead.ts, grpc-overhead.ts), against the same child-process servers. Reads its
 * counts as JSON from argv, writes the comparisons as JSON to stdout.
 */
import { checkArms, clients, concurrency, startServer, type Send } from './adapter-overhead.js'
import { checkGrpcArms, grpcClients, startGrpcServer, type Call } from './grpc-overhead.js'
import { compareAllocation, stopWatchingCollections, type AllocationComparison } from './heap-allocation.js'
import { concurrently } from './interleave.js'
import { benchDefaultProvider, explicitProvider } from './token-sources.js'

/** Counts for one run: rounds that count, calls per round for clients and for getToken. */
export interface AllocationCounts {
  rounds: number
  calls: number
  getTokenCalls: number
}

/**
 * Per figure, the comparisons against each baseline: `bare` (the bare client, or for gRPC the client with
 * fixed metadata), `handWritten`, and `defaultProvider` (both arms on the default provider).
 */
export type AllocationResults = Record<string, Record<string, AllocationComparison>>

const counts = JSON.parse(process.argv[2] ?? '{}') as AllocationCounts
const options = { rounds: counts.rounds, calls: counts.calls }
const results: AllocationResults = {}

const provider = explicitProvider()
const fallback = benchDefaultProvider()
await Promise.all([provider.getToken(), fallback.getToken()])

// The floor, as in the CPU figure: an async function that returns a constant token object.
const cached = await provider.getToken()
// eslint-disable-next-line @typescript-eslint/require-await
const floor = async () => cached
const sequential = (operation: () => Promise<unknown>) => async (calls: number) => {
  for (let index = 0; index < calls; index += 1) await operation()
}
results['warm getToken'] = {
  floor: await compareAllocation(
    { rounds: counts.rounds, calls: counts.getTokenCalls },
    sequential(() => floor()),
    sequential(() => provider.getToken()),
  ),
}

const http = await startServer()
try {
  const withDefault = clients(http.base)
  for (const [name, arms] of Object.entries(clients(http.base, provider))) {
    const defaultArms = withDefault[name]
    if (defaultArms === undefined) throw new Error(`${name}: no default-provider arms`)
    await checkArms(name, arms)
    await checkArms(`${name} with the default provider`, defaultArms)
    const round = (send: Send) => (calls: number) => concurrently(concurrency, calls, () => send('v1/ping'))
    results[name] = {
      bare: await compareAllocation(options, round(arms.bare), round(arms.adapted)),
      handWritten: await compareAllocation(options, round(arms.handWritten), round(arms.adapted)),
      defaultProvider: await compareAllocation(
        options,
        round(defaultArms.handWritten),
        round(defaultArms.adapted),
      ),
    }
  }
} finally {
  await http.close()
}

const grpc = await startGrpcServer()
const explicit = grpcClients(grpc.target, provider)
const withDefault = grpcClients(grpc.target)
try {
  for (const [name, arms] of Object.entries(explicit)) {
    const defaultArms = withDefault[name]
    if (defaultArms === undefined) throw new Error(`${name}: no default-provider arms`)
    await checkGrpcArms(name, arms)
    await checkGrpcArms(`${name} with the default provider`, defaultArms)
    const round = (call: Call) => (calls: number) => concurrently(concurrency, calls, call)
    results[name] = {
      bare: await compareAllocation(options, round(arms.fixed), round(arms.adapted)),
      handWritten: await compareAllocation(options, round(arms.handWritten), round(arms.adapted)),
      defaultProvider: await compareAllocation(
        options,
        round(defaultArms.handWritten),
        round(defaultArms.adapted),
      ),
    }
  }
} finally {
  for (const arms of [...Object.values(explicit), ...Object.values(withDefault)]) arms.close()
  await grpc.close()
}

provider.close()
fallback.close()
stopWatchingCollections()
// Keep-alive sockets of the clients' pools may hold the loop open; the answer is complete once written.
process.stdout.write(JSON.stringify(results), () => process.exit(0))
