/**
 * Requests per second through each adapter versus the same client without it, against a local keep-alive
 * node:http server (a child process), at the same concurrency, in interleaved rounds. Both arms of a
 * client are built from the same options and share one connection pool. The arms are exported for the
 * allocation figure (allocation-child.ts), which drives the same clients.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent } from 'node:http'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { withNebiusAuth as withAxios } from '@nebius-auth/axios'
import type { TokenProvider } from '@nebius-auth/core'
import { bearer } from '@nebius-auth/core/adapter'
import { withNebiusAuth as withFetch } from '@nebius-auth/fetch'
import { withNebiusAuth as withGot } from '@nebius-auth/got'
import { withNebiusAuth as withKy } from '@nebius-auth/ky'
import { concurrently, interleave, timed, type Comparison, type Measurement } from './interleave.js'
import { benchDefaultProvider, benchToken, explicitProvider } from './token-sources.js'

/** GETs a path relative to the server's origin and resolves to the response body. */
export type Send = (path: string) => Promise<string>

export const concurrency = 16

/** Requests per wall-clock second and per second of this process's CPU time (the client's work). */
// A full collection before each timed round, so one arm's garbage is never collected on the other's time.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

async function requestsPerSecond(send: Send, total: number): Promise<Measurement> {
  collectGarbage()
  const { wall, cpu } = await timed(() => concurrently(concurrency, total, () => send('v1/ping')))
  return { wall: (total * 1e3) / wall, cpu: (total * 1e3) / cpu }
}

/** The three arms of one client: bare, with the adapter, and with the smallest interceptor a user could write. */
export interface Arms {
  bare: Send
  adapted: Send
  /** A hand-written hook that sets the header from the same provider: no origin check, no 401 retry, no redaction. */
  handWritten: Send
}

/**
 * The arms of every client. Without `provider`, the adapters are built without one, as a user relying on
 * the default provider writes them, and the hand-written interceptors read that same default provider,
 * so the two arms still share one token source.
 */
export function clients(base: string, provider?: TokenProvider): Record<string, Arms> {
  const source = provider ?? benchDefaultProvider()
  const authorization = async (): Promise<string> => bearer((await source.getToken()).token)
  const origins = [base]
  const adapterOptions = provider === undefined ? { origins } : { provider, origins }
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const axiosOptions = { baseURL: base, httpAgent: agent, responseType: 'text' as const }
  const bareAxios = axios.create(axiosOptions)
  const authAxios = withAxios(axios.create(axiosOptions), adapterOptions)
  const handAxios = axios.create(axiosOptions)
  handAxios.interceptors.request.use(async (config) => {
    config.headers.set('Authorization', await authorization())
    return config
  })
  const gotOptions = { prefixUrl: base, agent: { http: agent } }
  const bareGot = got.extend(gotOptions)
  const authGot = withGot(got.extend(gotOptions), adapterOptions)
  const handGot = got.extend({
    ...gotOptions,
    hooks: {
      beforeRequest: [
        async (options) => {
          options.headers.authorization = await authorization()
        },
      ],
    },
  })
  const kyOptions = { prefixUrl: base }
  const bareKy = ky.create(kyOptions)
  const authKy = withKy(ky.create(kyOptions), adapterOptions)
  const handKy = ky.create({
    ...kyOptions,
    hooks: {
      beforeRequest: [
        async (request) => {
          request.headers.set('authorization', await authorization())
        },
      ],
    },
  })
  const authFetch = withFetch(fetch, adapterOptions)
  return {
    axios: {
      bare: async (path) => (await bareAxios.get<string>(path)).data,
      adapted: async (path) => (await authAxios.get<string>(path)).data,
      handWritten: async (path) => (await handAxios.get<string>(path)).data,
    },
    got: {
      bare: (path) => bareGot.get(path).text(),
      adapted: (path) => authGot.get(path).text(),
      handWritten: (path) => handGot.get(path).text(),
    },
    ky: {
      bare: (path) => bareKy.get(path).text(),
      adapted: (path) => authKy.get(path).text(),
      handWritten: (path) => handKy.get(path).text(),
    },
    fetch: {
      bare: async (path) => (await fetch(`${base}/${path}`)).text(),
      adapted: async (path) => (await authFetch(`${base}/${path}`)).text(),
      handWritten: async (path) =>
        (await fetch(`${base}/${path}`, { headers: { authorization: await authorization() } })).text(),
    },
  }
}

export async function startServer(): Promise<{ base: string; close: () => Promise<void> }> {
  const server = spawn(process.execPath, [fileURLToPath(new URL('./ping-server.js', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const [chunk] = (await once(server.stdout, 'data')) as [Buffer]
  const port = Number(chunk.toString().trim())
  return {
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      const exited = once(server, 'exit')
      server.stdin.end()
      await exited
    },
  }
}

/**
 * A comparison is void unless the adapter really authorizes and the bare client really does not: a
 * misconfigured `origins` would otherwise measure a no-op.
 */
export async function checkArms(name: string, arms: Arms): Promise<void> {
  const sent = [
    await arms.bare('v1/whoami'),
    await arms.adapted('v1/whoami'),
    await arms.handWritten('v1/whoami'),
  ]
  if (sent[0] !== '-' || sent[1] !== bearer(benchToken) || sent[2] !== bearer(benchToken)) {
    throw new Error(`${name}: expected no Authorization bare and a bearer token in the other arms`)
  }
}

/**
 * Per client: the adapter against the bare client and against a hand-written interceptor, both with a
 * provider passed explicitly; and, with the default provider, the adapter against a hand-written
 * interceptor reading that default provider.
 */
export interface AdapterComparisons {
  bare: Comparison
  handWritten: Comparison
  defaultProvider: Comparison
}

export async function adapterOverhead(
  rounds: number,
  requestsPerRound: number,
): Promise<Record<string, AdapterComparisons>> {
  const server = await startServer()
  const provider = explicitProvider()
  const fallback = benchDefaultProvider()
  await Promise.all([provider.getToken(), fallback.getToken()])
  const results: Record<string, AdapterComparisons> = {}
  try {
    const withDefault = clients(server.base)
    for (const [name, arms] of Object.entries(clients(server.base, provider))) {
      const { bare, adapted, handWritten } = arms
      const defaultArms = withDefault[name]
      if (defaultArms === undefined) throw new Error(`${name}: no default-provider arms`)
      await checkArms(name, arms)
      await checkArms(`${name} with the default provider`, defaultArms)
      const options = { rounds, warmupRounds: 2, unit: 'requests/s' }
      const perSecond = (send: Send) => () => requestsPerSecond(send, requestsPerRound)
      results[name] = {
        bare: await interleave(options, perSecond(bare), perSecond(adapted)),
        handWritten: await interleave(options, perSecond(handWritten), perSecond(adapted)),
        defaultProvider: await interleave(
          options,
          perSecond(defaultArms.handWritten),
          perSecond(defaultArms.adapted),
        ),
      }
    }
  } finally {
    provider.close()
    fallback.close()
    await server.close()
  }
  return results
}
