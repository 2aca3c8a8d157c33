import { generateKeyPairSync } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fromEnvironment } from './from-environment.js'
import type { FromEnvironmentOptions } from './from-environment.js'
import type { NebiusAuthEvent } from '../common/events.js'

const secret = 'v1.ZW52aXJvbm1lbnQtdG9rZW4.ZW52aXJvbm1lbnQtc2lnbmF0dXJlLXNlY3JldA'
const exchanged = 'v1.ZXhjaGFuZ2VkLXRva2Vu.ZXhjaGFuZ2VkLXNpZ25hdHVyZS1zZWNyZXQ'
const { privateKey: pem } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
})

let home: string
let bin: string
let closedEndpoint: string
const servers: Server[] = []
const providers: { close(): void }[] = []

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'nebius-from-environment-'))
  bin = join(home, 'bin')
  await mkdir(join(home, '.nebius'), { recursive: true })
  await mkdir(bin)
  // A port that was just closed refuses connections at once, so the metadata probe fails fast.
  const { endpoint, server } = await listen(() => undefined)
  await new Promise((resolve) => server.close(resolve))
  closedEndpoint = endpoint
})

afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    server.close()
  }
  await rm(home, { recursive: true, force: true })
})

async function listen(
  handler: (response: ServerResponse) => void,
): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((_request, response) => {
    handler(response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { endpoint: `http://127.0.0.1:${port}/v1/iam/sa/token`, server }
}

async function metadataServer(): Promise<{ endpoint: string; requests: () => number }> {
  let count = 0
  const { endpoint, server } = await listen((response) => {
    count += 1
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString()
    response.end(JSON.stringify({ access_token: secret, expires_at: expiresAt }))
  })
  servers.push(server)
  return { endpoint, requests: () => count }
}

/** A fetch that plays the token exchange endpoint and records the assertions it receives. */
function exchange(): { fetch: typeof globalThis.fetch; calls: { url: string; assertion: string }[] } {
  const calls: { url: string; assertion: string }[] = []
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const body = new URLSearchParams(init?.body as string)
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    calls.push({ url, assertion: body.get('subject_token') ?? '' })
    const response = {
      access_token: exchanged,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    }
    return new Response(JSON.stringify({ ...response, token_type: 'Bearer', expires_in: 3600 }), {
      headers: { 'content-type': 'application/json' },
    })
  }
  return { fetch, calls }
}

function provider(
  options: Partial<FromEnvironmentOptions> & { env?: Record<string, string | undefined> } = {},
) {
  const created = fromEnvironment({
    metadataEndpoint: closedEndpoint,
    ...options,
    env: { HOME: home, PATH: '', ...options.env },
  })
  providers.push(created)
  return created
}

async function writeConfig(text: string): Promise<void> {
  await writeFile(join(home, '.nebius', 'config.yaml'), text)
}

async function fakeCli(body: string, name = 'nebius'): Promise<void> {
  const path = join(bin, name)
  await writeFile(path, `#!/bin/sh\necho "$@" >> '${home}/runs'\n${body}\n`)
  await chmod(path, 0o755)
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string; name: string }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: string; message: string; name: string }
  }
  throw new Error('expected a rejection')
}

describe('fromEnvironment: NEBIUS_IAM_TOKEN', () => {
  it('uses the trimmed token from NEBIUS_IAM_TOKEN', async () => {
    const token = await provider({ env: { NEBIUS_IAM_TOKEN: ` ${secret}\n` } }).getToken()
    expect(token).toEqual({ token: secret, expiresAt: Number.POSITIVE_INFINITY })
  })

  it('prefers NEBIUS_IAM_TOKEN over a CLI config profile', async () => {
    await writeConfig('profiles:\n  dev:\n    token-file: /nonexistent\n')
    const { token } = await provider({ env: { NEBIUS_IAM_TOKEN: secret } }).getToken()
    expect(token).toBe(secret)
  })

  it('reports a NEBIUS_IAM_TOKEN with whitespace inside as ERR_ENV_TOKEN_INVALID without quoting it', async () => {
    const error = await errorOf(provider({ env: { NEBIUS_IAM_TOKEN: `${secret} ${secret}` } }).getToken())
    expect(error.code).toBe('ERR_ENV_TOKEN_INVALID')
    expect(error.message).not.toContain(secret)
  })

  it('treats a blank NEBIUS_IAM_TOKEN as not set', async () => {
    const error = await errorOf(provider({ env: { NEBIUS_IAM_TOKEN: '  ' } }).getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
  })
})

describe('fromEnvironment: the CLI config', () => {
  it("uses the profile's token-file, with ~ meaning the injected home", async () => {
    await writeFile(join(home, 'token'), secret)
    await writeConfig('profiles:\n  dev:\n    token-file: ~/token\n')
    await expect(provider().getToken()).resolves.toMatchObject({ token: secret })
  })

  it('prefers the profile option over NEBIUS_PROFILE', async () => {
    await writeFile(join(home, 'a'), `${secret}a`)
    await writeFile(join(home, 'b'), `${secret}b`)
    await writeConfig('profiles:\n  a:\n    token-file: ~/a\n  b:\n    token-file: ~/b\n')
    const { token } = await provider({ profile: 'a', env: { NEBIUS_PROFILE: 'b' } }).getToken()
    expect(token).toBe(`${secret}a`)
  })

  it('uses NEBIUS_PROFILE over the default', async () => {
    await writeFile(join(home, 'a'), `${secret}a`)
    await writeFile(join(home, 'b'), `${secret}b`)
    await writeConfig('default: a\nprofiles:\n  a:\n    token-file: ~/a\n  b:\n    token-file: ~/b\n')
    const { token } = await provider({ env: { NEBIUS_PROFILE: 'b' } }).getToken()
    expect(token).toBe(`${secret}b`)
  })

  it('reports a requested profile the config lacks as ERR_PROFILE_NOT_FOUND', async () => {
    await writeConfig('profiles:\n  dev:\n    token-file: ~/token\n')
    const error = await errorOf(provider({ profile: 'prod' }).getToken())
    expect(error.code).toBe('ERR_PROFILE_NOT_FOUND')
    expect(error.message).toContain('"dev"')
  })

  it('reports an explicit config file that does not exist', async () => {
    const error = await errorOf(provider({ configFile: join(home, 'missing.yaml') }).getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
  })

  it('reports an invalid config instead of skipping it', async () => {
    await writeConfig('profiles: [\n')
    expect((await errorOf(provider().getToken())).code).toBe('ERR_CONFIG_INVALID')
  })

  it('exchanges a service account key file named in the profile, at the given endpoint', async () => {
    await writeFile(join(home, '.nebius', 'key.pem'), pem)
    await writeConfig(
      'profiles:\n  sa:\n    auth-type: service account\n    service-account-id: serviceaccount-e00a\n' +
        '    public-key-id: publickey-e00b\n    private-key-file-path: ~/.nebius/key.pem\n',
    )
    const { fetch, calls } = exchange()
    const endpoint = 'http://127.0.0.1:9/oauth2/token/exchange'
    await expect(provider({ fetch, endpoint }).getToken()).resolves.toMatchObject({ token: exchanged })
    expect(calls[0]!.url).toBe(endpoint)
    expect(decodeProtectedHeader(calls[0]!.assertion).kid).toBe('publickey-e00b')
    expect(decodeJwt(calls[0]!.assertion).iss).toBe('serviceaccount-e00a')
  })

  it('exchanges an inline private key from the profile', async () => {
    const inline = pem
      .trim()
      .split('\n')
      .map((line) => `      ${line}`)
      .join('\n')
    await writeConfig(
      'profiles:\n  sa:\n    service-account-id: serviceaccount-e00a\n    public-key-id: publickey-e00b\n' +
        `    private-key: |\n${inline}\n`,
    )
    const { fetch, calls } = exchange()
    await expect(provider({ fetch }).getToken()).resolves.toMatchObject({ token: exchanged })
    expect(calls).toHaveLength(1)
  })

  it('exchanges the credentials file named in the profile', async () => {
    const credentials = {
      'subject-credentials': {
        type: 'JWT',
        alg: 'RS256',
        'private-key': pem,
        kid: 'publickey-e00c',
        iss: 'serviceaccount-e00d',
        sub: 'serviceaccount-e00d',
      },
    }
    await writeFile(join(home, 'sa.json'), JSON.stringify(credentials), { mode: 0o600 })
    await writeConfig('profiles:\n  sa:\n    service-account-credentials-file-path: ~/sa.json\n')
    const { fetch, calls } = exchange()
    await expect(provider({ fetch }).getToken()).resolves.toMatchObject({ token: exchanged })
    expect(decodeProtectedHeader(calls[0]!.assertion).kid).toBe('publickey-e00c')
  })

  it('reports a service account profile without a public key ID as ERR_CONFIG_INVALID', async () => {
    await writeConfig(
      'profiles:\n  sa:\n    auth-type: service account\n    service-account-id: serviceaccount-e00a\n' +
        '    private-key-file-path: /key.pem\n',
    )
    const error = await errorOf(provider().getToken())
    expect(error.code).toBe('ERR_CONFIG_INVALID')
    expect(error.message).toContain('public-key-id')
  })
})

describe('fromEnvironment: the other sources', () => {
  it('uses ~/.nebius/credentials.json when there is no config', async () => {
    const credentials = {
      'subject-credentials': {
        alg: 'RS256',
        'private-key': pem,
        kid: 'publickey-e00e',
        iss: 'sa-1',
        sub: 'sa-1',
      },
    }
    await writeFile(join(home, '.nebius', 'credentials.json'), JSON.stringify(credentials), { mode: 0o600 })
    const { fetch, calls } = exchange()
    await expect(provider({ fetch }).getToken()).resolves.toMatchObject({ token: exchanged })
    expect(decodeProtectedHeader(calls[0]!.assertion).kid).toBe('publickey-e00e')
  })

  it('runs a nebius CLI found on PATH, with the requested profile', async () => {
    await fakeCli(`echo ${secret}`)
    const { token } = await provider({ profile: 'dev', env: { PATH: `relative/bin:${bin}` } }).getToken()
    expect(token).toBe(secret)
    expect(await readFile(join(home, 'runs'), 'utf8')).toBe('iam get-access-token --profile dev\n')
  })

  it('falls through a federation profile to the CLI with that profile', async () => {
    await writeConfig('default: me\nprofiles:\n  me:\n    auth-type: federation\n')
    await fakeCli(`echo ${secret}`)
    const { token } = await provider({ env: { PATH: bin, NEBIUS_PROFILE: 'me' } }).getToken()
    expect(token).toBe(secret)
    expect(await readFile(join(home, 'runs'), 'utf8')).toBe('iam get-access-token --profile me\n')
  })

  it('names a federation profile it could not use when there is no CLI', async () => {
    await writeConfig('default: me\nprofiles:\n  me:\n    auth-type: federation\n')
    const error = await errorOf(provider().getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(error.message).toContain('profile "me" (federation, needs the CLI)')
  })

  it('skips a nebius file on PATH that is not executable', async () => {
    await writeFile(join(bin, 'nebius'), `#!/bin/sh\necho ${secret}\n`, { mode: 0o644 })
    const error = await errorOf(provider({ env: { PATH: bin } }).getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
  })

  it('uses the VM metadata service when nothing else is there', async () => {
    const { endpoint, requests } = await metadataServer()
    const metadata = provider({ metadataEndpoint: endpoint })
    await expect(metadata.getToken()).resolves.toMatchObject({ token: secret })
    await metadata.getToken()
    expect(requests()).toBe(1)
  })

  it('gives up on a silent metadata service after about 500 ms', async () => {
    const { endpoint, server } = await listen(() => undefined)
    servers.push(server)
    const startedAt = Date.now()
    const error = await errorOf(provider({ metadataEndpoint: endpoint }).getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(error.message).toContain('no answer within 500 ms')
    expect(Date.now() - startedAt).toBeLessThan(2000)
  })

  it('lists every source it tried in one error', async () => {
    const error = await errorOf(provider().getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    for (const source of [
      'NEBIUS_IAM_TOKEN',
      'config.yaml',
      'credentials.json',
      'nebius CLI',
      'VM metadata',
    ]) {
      expect(error.message).toContain(source)
    }
  })

  it('never reads the real home directory when the environment has no HOME', async () => {
    const created = fromEnvironment({ env: { PATH: '' }, metadataEndpoint: closedEndpoint })
    const error = await errorOf(created.getToken())
    expect(error.message).toContain('no home directory')
  })
})

describe('fromEnvironment: resolution', () => {
  it('reads nothing and asks no one at construction', async () => {
    const { endpoint, requests } = await metadataServer()
    await writeConfig('profiles: [\n')
    provider({ metadataEndpoint: endpoint })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(requests()).toBe(0)
  })

  it('shares one resolution among concurrent first calls', async () => {
    await fakeCli(`/bin/sleep 0.1; echo ${secret}`)
    const shared = provider({ env: { PATH: bin } })
    await Promise.all(Array.from({ length: 5 }, () => shared.getToken()))
    expect(await readFile(join(home, 'runs'), 'utf8')).toBe('iam get-access-token\n')
  })

  it('searches again after a failed resolution', async () => {
    const retrying = provider()
    await errorOf(retrying.getToken())
    await writeFile(join(home, 'token'), secret)
    await writeConfig('profiles:\n  dev:\n    token-file: ~/token\n')
    await expect(retrying.getToken()).resolves.toMatchObject({ token: secret })
  })

  it('passes rejected through to the provider found', async () => {
    await writeFile(join(home, 'token'), secret)
    await writeConfig('profiles:\n  dev:\n    token-file: ~/token\n')
    const found = provider()
    await found.getToken()
    await writeFile(join(home, 'token'), exchanged)
    await expect(found.getToken({ rejected: secret })).resolves.toMatchObject({ token: exchanged })
  })

  it("lets a caller's signal end only its own wait", async () => {
    // The fake CLI runs with PATH set to its own folder only, so sleep needs its full path.
    await fakeCli(`/bin/sleep 0.3; echo ${secret}`)
    const shared = provider({ env: { PATH: bin } })
    const patient = shared.getToken()
    const error = await errorOf(shared.getToken({ signal: AbortSignal.timeout(20) }))
    expect(error.name).toBe('TimeoutError')
    await expect(patient).resolves.toMatchObject({ token: secret })
  })

  it('rejects calls after close with ERR_PROVIDER_CLOSED', async () => {
    const closed = provider({ env: { NEBIUS_IAM_TOKEN: secret } })
    closed.close()
    expect((await errorOf(closed.getToken())).code).toBe('ERR_PROVIDER_CLOSED')
  })

  it.each([
    ['env that is not an object', { env: 'HOME=/' }],
    ['an empty profile', { profile: ' ' }],
    ['a configFile that is not a string', { configFile: 1 }],
    ['a fetch that is not a function', { fetch: {} }],
  ])('throws a TypeError at construction for %s', (_name, options) => {
    expect(() => fromEnvironment(options as FromEnvironmentOptions)).toThrow(TypeError)
  })

  it('shows no token through util.inspect or JSON.stringify', async () => {
    const found = provider({ env: { NEBIUS_IAM_TOKEN: secret } })
    await found.getToken()
    expect(inspect(found, { showHidden: true, depth: 5 })).not.toContain(secret)
    expect(JSON.stringify(found)).not.toContain(secret)
  })
})

describe('fromEnvironment: messages that say what to do', () => {
  const saProfile = (keyPath: string): string =>
    'default: sa\nprofiles:\n  sa:\n    auth-type: service account\n    service-account-id: serviceaccount-e00a\n' +
    `    public-key-id: publickey-e00b\n    private-key-file-path: ${keyPath}\n`

  it('tells to drop the prefix from a NEBIUS_IAM_TOKEN that starts with "Bearer "', async () => {
    const error = await errorOf(provider({ env: { NEBIUS_IAM_TOKEN: `Bearer ${secret}` } }).getToken())
    expect(error.code).toBe('ERR_ENV_TOKEN_INVALID')
    expect(error.message).toContain('without the prefix')
    expect(error.message).not.toContain(secret)
  })

  it('names the profile and the config file that point to a missing key file', async () => {
    await writeConfig(saProfile('~/.nebius/missing.pem'))
    const error = await errorOf(provider().getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(error.message).toContain(join(home, '.nebius', 'missing.pem'))
    expect(error.message).toContain('profile "sa"')
    expect(error.message).toContain(join(home, '.nebius', 'config.yaml'))
  })

  it("reads a relative key path from the config file's folder, not the working directory", async () => {
    await writeFile(join(home, '.nebius', 'relative.pem'), pem)
    await writeConfig(saProfile('relative.pem'))
    const { fetch, calls } = exchange()
    await expect(provider({ fetch }).getToken()).resolves.toMatchObject({ token: exchanged })
    expect(calls).toHaveLength(1)
  })

  it('ends ERR_CREDENTIALS_NOT_FOUND with the next step', async () => {
    const error = await errorOf(provider().getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(error.message).toMatch(/Next step: set NEBIUS_IAM_TOKEN .*nebius profile create.*serviceAccount/)
  })

  it('reports the code it throws in its refresh-failed event, not the metadata probe of the search', async () => {
    const events: NebiusAuthEvent[] = []
    const error = await errorOf(provider({ onEvent: (event) => events.push(event) }).getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    const failures = events.filter((event) => event.type === 'refresh-failed')
    expect(failures).toEqual([expect.objectContaining({ code: 'ERR_CREDENTIALS_NOT_FOUND' })])
  })
})

describe('fromEnvironment: NEBIUS_AUTH_EXCHANGE_ENDPOINT', () => {
  async function serviceAccountProfile(): Promise<void> {
    await writeFile(join(home, '.nebius', 'key.pem'), pem)
    await writeConfig(
      'profiles:\n  sa:\n    service-account-id: serviceaccount-e00a\n    public-key-id: publickey-e00b\n' +
        '    private-key-file-path: ~/.nebius/key.pem\n',
    )
  }

  it('sends the exchange to the endpoint it names', async () => {
    await serviceAccountProfile()
    const { fetch, calls } = exchange()
    const endpoint = 'http://127.0.0.1:9/oauth2/token/exchange'
    await provider({ fetch, env: { NEBIUS_AUTH_EXCHANGE_ENDPOINT: ` ${endpoint} ` } }).getToken()
    expect(calls[0]!.url).toBe(endpoint)
  })

  it('gives way to the endpoint option', async () => {
    await serviceAccountProfile()
    const { fetch, calls } = exchange()
    const endpoint = 'http://127.0.0.1:9/option'
    await provider({
      fetch,
      endpoint,
      env: { NEBIUS_AUTH_EXCHANGE_ENDPOINT: 'http://127.0.0.1:9/variable' },
    }).getToken()
    expect(calls[0]!.url).toBe(endpoint)
  })

  it('reports a value that is not a usable endpoint as ERR_CONFIG_INVALID', async () => {
    await serviceAccountProfile()
    const error = await errorOf(
      provider({ env: { NEBIUS_AUTH_EXCHANGE_ENDPOINT: 'http://example.com/exchange' } }).getToken(),
    )
    expect(error.code).toBe('ERR_CONFIG_INVALID')
    expect(error.message).toContain('NEBIUS_AUTH_EXCHANGE_ENDPOINT')
  })
})
