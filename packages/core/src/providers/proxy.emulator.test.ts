/**
 * Reaching IAM through a proxy, as a user's process does: a child Node process with HTTPS_PROXY /
 * HTTP_PROXY / NO_PROXY set, a real forward proxy on 127.0.0.1, the emulator serving HTTPS with a
 * self-signed certificate trusted through NODE_EXTRA_CA_CERTS, and a VM metadata service on plain http.
 * Two opt-ins are tested: undici's EnvHttpProxyAgent as fetch's global dispatcher (any Node ≥ 20.19), and
 * Node's own NODE_USE_ENV_PROXY=1 (Node ≥ 22.21 / 24.5; Node 24 is fetched from npm when this one is older).
 */
import { execFileSync, execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { startEmulator, type Emulator } from '@nebius-auth/emulator'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { startForwardProxy, type ForwardProxy } from './connect-proxy.test-support.js'

const run = promisify(execFile)
const packageDirectory = fileURLToPath(new URL('../..', import.meta.url))
const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-proxy-'))

// What the child runs: the user's opt-in, then core's own providers with their defaults (global fetch).
const script = `
if (process.env.TEST_OPT_IN === 'undici') {
  const { EnvHttpProxyAgent, setGlobalDispatcher } = await import('undici')
  setGlobalDispatcher(new EnvHttpProxyAgent())
}
const { serviceAccount, vmMetadata } = await import('@nebius-auth/core')
const exchanged = serviceAccount({ credentialsFile: process.env.TEST_CREDENTIALS, endpoint: process.env.TEST_ENDPOINT })
const fromMetadata = vmMetadata({ endpoint: process.env.TEST_METADATA })
const [a, b] = await Promise.all([exchanged.getToken(), fromMetadata.getToken()])
exchanged.close()
process.stdout.write(JSON.stringify({ exchange: a.token.slice(0, 3), metadata: b.token.slice(0, 3) }))
`

let emulator: Emulator & { readonly rootCert: string }
let metadata: Server
let metadataEndpoint: string
let proxy: ForwardProxy
let environment: Record<string, string>

beforeAll(async () => {
  emulator = await startEmulator({ tls: true })
  const caFile = join(directory, 'emulator-ca.pem')
  writeFileSync(caFile, emulator.rootCert)
  const credentialsFile = join(directory, 'credentials.json')
  writeFileSync(
    credentialsFile,
    JSON.stringify(emulator.createServiceAccount({ keyBits: 2048 }).credentials),
    {
      mode: 0o600,
    },
  )
  metadata = createServer((_request, response) => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString()
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(
      JSON.stringify({ access_token: 'md1.metadata.bWV0YWRhdGEtc2lnbmF0dXJl', expires_at: expiresAt }),
    )
  })
  await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve))
  metadataEndpoint = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/v1/iam/sa/token`
  proxy = await startForwardProxy()
  environment = {
    PATH: process.env.PATH ?? '',
    NODE_EXTRA_CA_CERTS: caFile,
    HTTPS_PROXY: proxy.url,
    HTTP_PROXY: proxy.url,
    TEST_CREDENTIALS: credentialsFile,
    TEST_ENDPOINT: emulator.exchangeEndpoint,
    TEST_METADATA: metadataEndpoint,
  }
})
beforeEach(() => {
  proxy.targets.length = 0
})
afterAll(async () => {
  await proxy.close()
  metadata.closeAllConnections()
  metadata.close()
  await emulator.close()
  rmSync(directory, { recursive: true, force: true })
})

/** Runs the script in a fresh process (NODE_EXTRA_CA_CERTS and the proxy variables are read at start). */
async function child(node: string, extra: Record<string, string>): Promise<unknown> {
  const { stdout } = await run(node, ['--input-type=module', '-e', script], {
    cwd: packageDirectory,
    env: { ...environment, ...extra },
    timeout: 60_000,
  })
  return JSON.parse(stdout)
}

const exchangeTarget = (): string => new URL(emulator.exchangeEndpoint).host
const metadataTarget = (): string => new URL(metadataEndpoint).host
const bothTokens = { exchange: 'v1.', metadata: 'md1' }

/** The https: exchange went through a CONNECT tunnel; the http: metadata call through a tunnel or forwarded. */
function expectProxied(): void {
  expect(proxy.targets).toContain(exchangeTarget())
  const metadataHost = metadataTarget()
  expect(
    proxy.targets.some((target) => target === metadataHost || target.startsWith(`http://${metadataHost}/`)),
  ).toBe(true)
}

/** NODE_USE_ENV_PROXY landed in Node 24.5 and 22.21; older lines ignore it. */
function supportsEnvProxy(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21)
}

function nodeWithEnvProxy(): string {
  if (supportsEnvProxy(process.versions.node)) return process.execPath
  return execFileSync('npx', ['-y', 'node@24', '-p', 'process.execPath'], { encoding: 'utf8' }).trim()
}

describe("undici's EnvHttpProxyAgent as the global dispatcher", () => {
  it('sends the exchange (TLS, a custom CA) and the metadata call through the proxy', async () => {
    expect(await child(process.execPath, { TEST_OPT_IN: 'undici' })).toEqual(bothTokens)
    expectProxied()
  })

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    expect(await child(process.execPath, { TEST_OPT_IN: 'undici', NO_PROXY: '127.0.0.1' })).toEqual(
      bothTokens,
    )
    expect(proxy.targets).toEqual([])
  })
})

describe('without an opt-in', () => {
  it("goes direct: Node's fetch ignores the proxy variables by default", async () => {
    expect(await child(process.execPath, {})).toEqual(bothTokens)
    expect(proxy.targets).toEqual([])
  })
})

describe("Node's own NODE_USE_ENV_PROXY", () => {
  let node: string
  beforeAll(() => {
    node = nodeWithEnvProxy()
  }, 120_000)

  it('sends the exchange and the metadata call through the proxy', async () => {
    expect(await child(node, { NODE_USE_ENV_PROXY: '1' })).toEqual(bothTokens)
    expectProxied()
  })

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    expect(await child(node, { NODE_USE_ENV_PROXY: '1', NO_PROXY: '127.0.0.1' })).toEqual(bothTokens)
    expect(proxy.targets).toEqual([])
  })
})
