/**
 * Requests per second through each adapter versus the same client without it, against a local keep-alive
 * node:http server (a child process), at the same concurrency, in interleaved rounds. Both arms of a
 * client are built from the same options and share one connection pool.
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
import { cachedProvider, type TokenProvider } from '@nebius-auth/core'
import { bearer } from '@nebius-auth/core/adapter'
import { withNebiusAuth as withFetch } from '@nebius-auth/fetch'
import { withNebiusAuth as withGot } from '@nebius-auth/got'
import { withNebiusAuth as withKy } from '@nebius-auth/ky'
import { interleave, timed, type Comparison, type Measurement } from './interleave.js'

/** GETs a path relative to the server's origin and resolves to the response body. */
type Send = (path: string) => Promise<string>

const concurrency = 16
const token = 'v1.bench.token'

/** Requests per wall-clock second and per second of this process's CPU time (the client's work). */
// A full collection before each timed round, so one arm's garbage is never collected on the other's time.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void

async function requestsPerSecond(send: Send, total: number): Promise<Measurement> {
  collectGarbage()
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < total) {
      started += 1
      await send('v1/ping')
    }
  }
  const { wall, cpu } = await timed(() => Promise.all(Array.from({ length: concurrency }, worker)))
  return { wall: (total * 1e3) / wall, cpu: (total * 1e3) / cpu }
}

/** The three arms of one client: bare, with the adapter, and with the smallest interceptor a user could write. */
interface Arms {
  bare: Send
  adapted: Send
  /** A hand-written hook that sets the header from the same provider: no origin check, no 401 retry, no redaction. */
  handWritten: Send
}

function clients(base: string, provider: TokenProvider): Record<string, Arms> {
  const authorization = async (): Promise<string> => bearer((await provider.getToken()).token)
  const origins = [base]
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const axiosOptions = { baseURL: base, httpAgent: agent, responseType: 'text' as const }
  const bareAxios = axios.create(axiosOptions)
  const authAxios = withAxios(axios.create(axiosOptions), { provider, origins })
  const handAxios = axios.create(axiosOptions)
  handAxios.interceptors.request.use(async (config) => {
    config.headers.set('Authorization', await authorization())
    return config
  })
  const gotOptions = { prefixUrl: base, agent: { http: agent } }
  const bareGot = got.extend(gotOptions)
  const authGot = withGot(got.extend(gotOptions), { provider, origins })
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
  const authKy = withKy(ky.create(kyOptions), { provider, origins })
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
  const authFetch = withFetch(fetch, { provider, origins })
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

async function startServer(): Promise<{ base: string; close: () => Promise<void> }> {
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

/** Per client: the adapter against the bare client, and against a hand-written interceptor. */
export interface AdapterComparisons {
  bare: Comparison
  handWritten: Comparison
}

export async function adapterOverhead(
  rounds: number,
  requestsPerRound: number,
): Promise<Record<string, AdapterComparisons>> {
  const server = await startServer()
  const provider = cachedProvider(() => Promise.resolve({ token, expiresAt: Date.now() + 12 * 3600_000 }))
  await provider.getToken()
  const results: Record<string, AdapterComparisons> = {}
  try {
    for (const [name, { bare, adapted, handWritten }] of Object.entries(clients(server.base, provider))) {
      // A comparison is void unless the adapter really authorizes and the bare client really does not.
      const sent = [await bare('v1/whoami'), await adapted('v1/whoami'), await handWritten('v1/whoami')]
      if (sent[0] !== '-' || sent[1] !== bearer(token) || sent[2] !== bearer(token)) {
        throw new Error(`${name}: expected no Authorization bare and a bearer token in the other arms`)
      }
      const options = { rounds, warmupRounds: 2, unit: 'requests/s' }
      results[name] = {
        bare: await interleave(
          options,
          () => requestsPerSecond(bare, requestsPerRound),
          () => requestsPerSecond(adapted, requestsPerRound),
        ),
        handWritten: await interleave(
          options,
          () => requestsPerSecond(handWritten, requestsPerRound),
          () => requestsPerSecond(adapted, requestsPerRound),
        ),
      }
    }
  } finally {
    provider.close()
    await server.close()
  }
  return results
}
