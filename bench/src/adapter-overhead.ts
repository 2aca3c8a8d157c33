/**
 * Requests per second through each adapter versus the same client without it, against a local keep-alive
 * node:http server, at the same concurrency, in interleaved rounds.
 */
import { Agent, createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { withNebiusAuth as withAxios } from '@nebius-auth/axios'
import { cachedProvider, type TokenProvider } from '@nebius-auth/core'
import { withNebiusAuth as withFetch } from '@nebius-auth/fetch'
import { withNebiusAuth as withGot } from '@nebius-auth/got'
import { withNebiusAuth as withKy } from '@nebius-auth/ky'
import { interleave, type Comparison } from './interleave.js'

type Send = () => Promise<unknown>

const concurrency = 16

async function requestsPerSecond(send: Send, total: number): Promise<number> {
  let started = 0
  const worker = async () => {
    while (started < total) {
      started += 1
      await send()
    }
  }
  const begin = process.hrtime.bigint()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9
  return total / seconds
}

function startServer(): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 30_000 }, (request, response) => {
    request.resume()
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' })
      response.end('{"ok":true}')
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

function clients(base: string, provider: TokenProvider): Record<string, { bare: Send; adapted: Send }> {
  const origins = [base]
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const axiosOptions = { baseURL: base, httpAgent: agent }
  const bareAxios = axios.create(axiosOptions)
  const authAxios = withAxios(axios.create(axiosOptions), { provider, origins })
  const gotOptions = { prefixUrl: base, agent: { http: agent } }
  const bareGot = got.extend(gotOptions)
  const authGot = withGot(got.extend(gotOptions), { provider, origins })
  const bareKy = ky.create({ prefixUrl: base })
  const authKy = withKy(ky.create({ prefixUrl: base }), { provider, origins })
  const authFetch = withFetch(fetch, { provider, origins })
  const url = `${base}/v1/ping`
  return {
    axios: { bare: () => bareAxios.get('v1/ping'), adapted: () => authAxios.get('v1/ping') },
    got: { bare: () => bareGot.get('v1/ping').text(), adapted: () => authGot.get('v1/ping').text() },
    ky: { bare: () => bareKy.get('v1/ping').text(), adapted: () => authKy.get('v1/ping').text() },
    fetch: {
      bare: async () => (await fetch(url)).text(),
      adapted: async () => (await authFetch(url)).text(),
    },
  }
}

export async function adapterOverhead(rounds: number, requestsPerRound: number): Promise<Record<string, Comparison>> {
  const server = await startServer()
  const { port } = server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  const provider = cachedProvider(() => Promise.resolve({ token: 'v1.bench.token', expiresAt: Date.now() + 12 * 3600_000 }))
  await provider.getToken()
  const results: Record<string, Comparison> = {}
  try {
    for (const [name, { bare, adapted }] of Object.entries(clients(base, provider))) {
      await requestsPerSecond(bare, 200) // warm sockets and JIT for both arms
      await requestsPerSecond(adapted, 200)
      results[name] = await interleave(
        rounds,
        () => requestsPerSecond(bare, requestsPerRound),
        () => requestsPerSecond(adapted, requestsPerRound),
        'requests/s',
      )
    }
  } finally {
    provider.close()
    server.closeAllConnections()
    server.close()
  }
  return results
}
