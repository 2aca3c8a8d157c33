/**
 * Every event and NODE_DEBUG line says which provider it comes from, so that a search through several
 * sources (fromEnvironment probing the VM metadata service, then giving up) reads as what it is.
 */
import { execFile } from 'node:child_process'
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

import { afterEach, describe, expect, it } from 'vitest'

import { cachedProvider } from '../cache/token-cache.js'
import type { NebiusAuthEvent } from '../common/events.js'
import { rsaPkcs8 } from '../keys/keys.test-support.js'
import { cliToken } from '../node-only/cli-token.js'
import { externalJwt } from './external-jwt.test-support.js'
import { federatedCredentials } from './federated-credentials.js'
import { fromEnvironment } from '../node-only/from-environment.js'
import { impersonate } from './impersonate.js'
import { serviceAccount } from './service-account.js'
import { staticToken } from './static-token.js'
import { vmMetadata } from './vm-metadata.js'

const run = promisify(execFile)
const coreURL = pathToFileURL(fileURLToPath(new URL('../../dist/index.js', import.meta.url))).href
const serviceAccountId = 'serviceaccount-e00names'
const providers: { close(): void }[] = []
afterEach(() => {
  for (const provider of providers.splice(0)) provider.close()
})

// An answer no source retries: the failure, and its events, come at once.
const refusing: typeof globalThis.fetch = () =>
  Promise.resolve(Response.json({ error: 'invalid_grant', error_description: 'no' }, { status: 400 }))

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The events of one failing getToken on the provider `make` builds with the listener. */
async function eventsOf(
  make: (onEvent: (event: NebiusAuthEvent) => void) => { getToken(): Promise<unknown>; close?(): void },
): Promise<NebiusAuthEvent[]> {
  const events: NebiusAuthEvent[] = []
  const provider = make((event) => events.push(event))
  if (provider.close !== undefined) providers.push({ close: provider.close.bind(provider) })
  await expect(provider.getToken()).rejects.toThrow()
  return events
}

describe('provider names in events', () => {
  it.each([
    [
      'service-account',
      (onEvent: (event: NebiusAuthEvent) => void) =>
        serviceAccount({
          serviceAccountId,
          publicKeyId: 'publickey-e00n',
          privateKey: rsaPkcs8(),
          fetch: refusing,
          onEvent,
        }),
    ],
    ['vm-metadata', (onEvent: (event: NebiusAuthEvent) => void) => vmMetadata({ fetch: refusing, onEvent })],
    [
      'federated-credentials',
      (onEvent: (event: NebiusAuthEvent) => void) =>
        federatedCredentials({
          serviceAccountId,
          token: externalJwt(Date.now() + 600_000),
          fetch: refusing,
          onEvent,
        }),
    ],
    [
      'impersonate',
      (onEvent: (event: NebiusAuthEvent) => void) =>
        impersonate({
          serviceAccountId,
          actor: staticToken('v1.actor.c2lnbmF0dXJl'),
          fetch: refusing,
          onEvent,
        }),
    ],
    [
      'cli-token',
      (onEvent: (event: NebiusAuthEvent) => void) => cliToken({ command: '/nonexistent/nebius', onEvent }),
    ],
  ])('%s names itself in every event', async (name, make) => {
    const events = await eventsOf(make)
    expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-failed'])
    for (const event of events) expect(event.provider).toBe(name)
  })

  it('uses the name option over the factory’s own', async () => {
    const events = await eventsOf((onEvent) =>
      serviceAccount({
        serviceAccountId,
        publicKeyId: 'publickey-e00n',
        privateKey: rsaPkcs8(),
        fetch: refusing,
        onEvent,
        name: 'billing-sa',
      }),
    )
    for (const event of events) expect(event.provider).toBe('billing-sa')
  })

  it('leaves a cachedProvider without a name unnamed, and names one with a name', async () => {
    const failing = () => Promise.reject(new Error('down'))
    const unnamed = await eventsOf((onEvent) => cachedProvider(failing, { onEvent }))
    for (const event of unnamed) expect(event).not.toHaveProperty('provider')
    const named = await eventsOf((onEvent) => cachedProvider(failing, { onEvent, name: 'my-source' }))
    for (const event of named) expect(event.provider).toBe('my-source')
  })

  it.each([[''], ['two words'], ['x'.repeat(65)], [42]])('refuses the name %j with a TypeError', (name) => {
    expect(() => cachedProvider(() => Promise.reject(new Error('unused')), { name: name as string })).toThrow(
      /options\.name/,
    )
  })

  it('names fromEnvironment in its own refresh-failed event', async () => {
    const metadataEndpoint = `http://127.0.0.1:${String(await closedPort())}/v1/iam/sa/token`
    const events = await eventsOf((onEvent) => fromEnvironment({ env: {}, metadataEndpoint, onEvent }))
    expect(events).toEqual([
      expect.objectContaining({
        type: 'refresh-failed',
        provider: 'from-environment',
        code: 'ERR_CREDENTIALS_NOT_FOUND',
      }),
    ])
  })
})

/** The NODE_DEBUG=nebius-auth lines, without their prefix, of one getToken of the built fromEnvironment. */
async function debugLinesOf(metadataEndpoint: string): Promise<string[]> {
  const script =
    `const { fromEnvironment } = await import(${JSON.stringify(coreURL)});` +
    `const provider = fromEnvironment({ env: {}, metadataEndpoint: ${JSON.stringify(metadataEndpoint)}, onEvent: () => {} });` +
    `await provider.getToken().catch(() => {}); provider.close()`
  const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, NODE_DEBUG: 'nebius-auth' },
  })
  return stderr
    .trim()
    .split('\n')
    .map((line) => line.replace(/^NEBIUS-AUTH \d+: /, ''))
}

describe('NODE_DEBUG=nebius-auth lines of fromEnvironment finding nothing', () => {
  it('say that the failed refresh was the VM metadata probe, with readable times', async () => {
    const metadataEndpoint = `http://127.0.0.1:${String(await closedPort())}/v1/iam/sa/token`
    expect(await debugLinesOf(metadataEndpoint)).toEqual([
      'refresh-started provider=vm-metadata reason=initial',
      expect.stringMatching(
        /^refresh-failed provider=vm-metadata code=ERR_METADATA_UNAVAILABLE duration=\d+ms retryAt=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
      ),
      expect.stringMatching(
        /^refresh-failed provider=from-environment code=ERR_CREDENTIALS_NOT_FOUND duration=\d+ms$/,
      ),
    ])
  })
})

describe('NODE_DEBUG=nebius-auth lines of fromEnvironment finding the VM metadata service', () => {
  it('print each event of the probe once, also when it is delivered after the search', async () => {
    const server = createHttpServer((_request, response) => {
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString()
      response.end(JSON.stringify({ access_token: 'v1.bWV0YWRhdGE.c2lnbmF0dXJl', expires_at: expiresAt }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      expect(await debugLinesOf(`http://127.0.0.1:${String(port)}/v1/iam/sa/token`)).toEqual([
        'refresh-started provider=vm-metadata reason=initial',
        expect.stringMatching(/^refresh-succeeded provider=vm-metadata expiresAt=\S+ duration=\d+ms$/),
      ])
    } finally {
      server.close()
    }
  })
})
