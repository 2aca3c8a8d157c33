/**
 * Whether the built package lets a process end: background work (a refresh sleeping before its retry)
 * must not keep it alive, while a caller who awaits a token must. Real child processes, since "the
 * process exits" cannot be seen from inside one.
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { afterEach, describe, expect, it } from 'vitest'

const coreURL = pathToFileURL(fileURLToPath(new URL('../dist/advanced.js', import.meta.url))).href
const servers: Server[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))))
})

/** An exchange endpoint that answers 503 with `Retry-After` first, then a token; it logs each request. */
async function flakyExchange(failures: number, retryAfter: number): Promise<{ url: string; log: string[] }> {
  const log: string[] = []
  let count = 0
  const server = createServer((request, response) => {
    request.resume()
    count++
    log.push(`request ${String(count)}`)
    if (count <= failures) {
      response.writeHead(503, { 'retry-after': String(retryAfter), connection: 'close' }).end()
      return
    }
    const body = {
      access_token: 'v1.fresh.token',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    }
    response
      .writeHead(200, { 'content-type': 'application/json', connection: 'close' })
      .end(JSON.stringify({ ...body, token_type: 'Bearer', expires_in: 3600 }))
  })
  servers.push(server)
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${String(port)}/oauth2/token/exchange`, log }
}

/** Runs `script` as an ES module with `core` and `endpoint` in scope; resolves with its exit code. */
function runChild(
  script: string,
  endpoint: string,
  log: string[],
): Promise<{ code: number | null; stdout: string }> {
  const source = `const core = await import(${JSON.stringify(coreURL)});\nconst endpoint = ${JSON.stringify(endpoint)};\n${script}`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('exit', (code) => {
      log.push('exit')
      resolve({ code, stdout })
    })
  })
}

describe('the process lifetime', () => {
  it('ends while a background refresh sleeps before its retry', async () => {
    const { url, log } = await flakyExchange(3, 8)
    const script = `
      let skew = 0
      let first = true
      const provider = core.cachedProvider(async (signal) => {
        if (first) { first = false; return { token: 'v1.first.token', expiresAt: Date.now() + 60_000 } }
        return core.exchangeToken('eyJhbGciOiJSUzI1NiJ9.e30.c2ln', { endpoint, signal })
      }, { now: () => Date.now() + skew })
      await provider.getToken()
      skew = 55_000 // past the refresh point, before the token runs out: a background refresh
      await provider.getToken()
      console.log('main done')
    `
    const { code, stdout } = await runChild(script, url, log)
    expect(code).toBe(0)
    expect(stdout).toBe('main done\n')
    // Lingering, the child would have slept 8 s and sent its second attempt before exiting.
    expect(log).toEqual(['request 1', 'exit'])
  })

  it('stays alive for a caller awaiting a token through a retry sleep', async () => {
    const { url, log } = await flakyExchange(1, 1)
    const script = `
      const provider = core.cachedProvider((signal) => core.exchangeToken('eyJhbGciOiJSUzI1NiJ9.e30.c2ln', { endpoint, signal }))
      const { token } = await provider.getToken()
      console.log(token === 'v1.fresh.token' ? 'got the token' : 'wrong token')
    `
    const { code, stdout } = await runChild(script, url, log)
    expect(stdout).toBe('got the token\n')
    expect(code).toBe(0)
    expect(log).toEqual(['request 1', 'request 2', 'exit'])
  })
})
