/**
 * Pushes known secrets through every error path of the key, credentials, signing, exchange and provider
 * code, and scans everything a user could print for them: messages, `String`, `util.inspect` (with causes),
 * `JSON.stringify`, events and the provider object itself.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { afterAll, afterEach, describe, expect, it } from 'vitest'

import { readCredentialsFile } from '../keys/credentials-file.js'
import { parseCredentials } from '../keys/parse-credentials.js'
import type { NebiusAuthEvent } from './events.js'
import { json, startServer, type Handler, type TestServer } from '../exchange/exchange-server.test-support.js'
import { rsaEncryptedPkcs8, rsaPkcs8, rsaPublicPem } from '../keys/keys.test-support.js'
import { importPrivateKey } from '../keys/private-key.js'
import { signAssertion } from '../keys/rs256-signer.js'
import { serviceAccount } from '../providers/service-account.js'
import { exchangeToken } from '../exchange/token-exchange.js'

const passphrase = 'p4ssphrase-that-must-never-leak'
const accessToken = 'v1.cHVibGlj.dG9rZW4tc2lnbmF0dXJlLXRoYXQtbXVzdC1ub3QtbGVhaw'
const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-secrecy-'))
afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** The strings that must never appear: the whole PEM body, each of its lines, the passphrase, tokens. */
function secretsOf(extra: string[] = []): string[] {
  const pemLines = rsaPkcs8()
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'))
  const encryptedLines = rsaEncryptedPkcs8(passphrase)
    .split('\n')
    .filter((line) => line.length >= 40 && !line.startsWith('-----'))
  return [
    passphrase,
    accessToken,
    accessToken.split('.')[2]!,
    pemLines.join(''),
    ...pemLines,
    ...encryptedLines,
    ...extra,
  ]
}

function everythingPrintable(error: unknown): string {
  return [
    error instanceof Error ? error.message : '',
    String(error),
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
  ].join('\n')
}

function expectNoSecrets(text: string, secrets: string[]): void {
  const leaked = secrets.filter((secret) => text.includes(secret))
  expect(leaked).toEqual([])
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

async function assertionFor(): Promise<string> {
  return signAssertion({
    serviceAccountId: 'serviceaccount-e00sa',
    publicKeyId: 'publickey-e00kid',
    privateKey: await importPrivateKey(rsaPkcs8()),
  })
}

function credentialsWith(overrides: Record<string, unknown>): string {
  return JSON.stringify({
    'subject-credentials': {
      alg: 'RS256',
      'private-key': rsaPkcs8(),
      kid: 'publickey-e00kid',
      iss: 'serviceaccount-e00sa',
      sub: 'serviceaccount-e00sa',
      ...overrides,
    },
  })
}

describe('secrets in key and credentials errors', () => {
  it.each([
    ['a corrupted key', () => importPrivateKey(rsaPkcs8().replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n'))],
    [
      'a wrong passphrase',
      () => importPrivateKey(rsaEncryptedPkcs8(passphrase), { passphrase: `${passphrase}x` }),
    ],
    ['a missing passphrase', () => importPrivateKey(rsaEncryptedPkcs8(passphrase))],
    ['truncated credentials JSON holding the key', () => parseCredentials(credentialsWith({}).slice(0, -40))],
    [
      'credentials JSON with a stray comma after the key',
      () => parseCredentials(credentialsWith({}).replace('",', '",,')),
    ],
    ['credentials with a bad alg', () => parseCredentials(credentialsWith({ alg: 'none' }))],
    [
      'credentials with the key in kid',
      () => parseCredentials(credentialsWith({ kid: 42, 'private-key': rsaPkcs8() })),
    ],
    [
      'credentials with the key as a public key',
      () => parseCredentials(credentialsWith({ 'private-key': rsaPublicPem() })),
    ],
  ])('keeps key material out of %s', async (_name, run) => {
    expectNoSecrets(everythingPrintable(await caught(run())), secretsOf())
  })

  it('keeps key material out of a credentials file error', async () => {
    const path = join(directory, 'broken.json')
    writeFileSync(path, credentialsWith({}).slice(0, -10))
    expectNoSecrets(everythingPrintable(await caught(readCredentialsFile(path))), secretsOf())
  })
})

describe('secrets in exchange errors', () => {
  async function exchangeAgainst(handler: Handler): Promise<{ error: unknown; assertion: string }> {
    server = await startServer(handler)
    const assertion = await assertionFor()
    const error = await caught(
      exchangeToken(assertion, { endpoint: server.url, random: () => 0.5, sleep: () => Promise.resolve() }),
    )
    return { error, assertion }
  }

  function assertionSecrets(assertion: string): string[] {
    return secretsOf([assertion, assertion.split('.')[2]!])
  }

  it('redacts an error_description that echoes the assertion', async () => {
    const { error, assertion } = await exchangeAgainst((request, response) => {
      const subject = new URLSearchParams(request.body).get('subject_token') ?? ''
      json(response, 400, { error: 'invalid_grant', error_description: `rejected: ${subject}` })
    })
    expectNoSecrets(everythingPrintable(error), assertionSecrets(assertion))
  })

  it('redacts an error code that echoes the signature', async () => {
    const { error, assertion } = await exchangeAgainst((request, response) => {
      const subject = new URLSearchParams(request.body).get('subject_token') ?? ''
      json(response, 401, { error: subject.split('.')[2] })
    })
    expectNoSecrets(everythingPrintable(error), assertionSecrets(assertion))
  })

  it('keeps an HTML error page that echoes the request body out of the error', async () => {
    const { error, assertion } = await exchangeAgainst((request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' }).end(`<html><pre>${request.body}</pre></html>`)
    })
    expectNoSecrets(everythingPrintable(error), assertionSecrets(assertion))
  })

  it.each([
    ['a token without token_type', { access_token: accessToken, expires_in: 60 }],
    [
      'a token with expires_in as text',
      { access_token: accessToken, token_type: 'Bearer', expires_in: 'soon' },
    ],
    ['a token with a bad token_type', { access_token: accessToken, token_type: 'MAC', expires_in: 60 }],
  ])('keeps the access token out of the error for %s', async (_name, body) => {
    const { error, assertion } = await exchangeAgainst((_request, response) => json(response, 200, body))
    expectNoSecrets(everythingPrintable(error), assertionSecrets(assertion))
  })

  it('keeps a 200 non-JSON body that echoes the assertion out of the error', async () => {
    const { error, assertion } = await exchangeAgainst((request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`echo ${request.body}`)
    })
    expectNoSecrets(everythingPrintable(error), assertionSecrets(assertion))
  })
})

describe('secrets in providers and events', () => {
  it('keeps key, passphrase and token out of the provider, its errors and its events', async () => {
    const events: NebiusAuthEvent[] = []
    const keyFile = join(directory, 'key.pem')
    writeFileSync(keyFile, rsaEncryptedPkcs8(passphrase))
    chmodSync(keyFile, 0o644)
    server = await startServer((_request, response) =>
      json(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 }),
    )
    const options = {
      serviceAccountId: 'serviceaccount-e00sa',
      publicKeyId: 'publickey-e00kid',
      endpoint: server.url,
      onEvent: (event: NebiusAuthEvent) => events.push(event),
    }
    const wrong = serviceAccount({ ...options, privateKeyFile: keyFile, passphrase: 'wrong-passphrase' })
    const good = serviceAccount({ ...options, privateKeyFile: keyFile, passphrase })
    const inline = serviceAccount({ ...options, privateKey: rsaPkcs8() })
    try {
      const error = await caught(wrong.getToken())
      const token = await good.getToken()
      await inline.getToken()
      expect(token.token).toBe(accessToken)
      const shown = [
        everythingPrintable(error),
        // The AccessToken that getToken returns is token-cache.ts's own frozen copy and is not scanned
        // here; exchangeToken's result is (token-exchange.test.ts).
        ...[wrong, good, inline].map(
          (value) => `${inspect(value, { showHidden: true })}${JSON.stringify(value)}`,
        ),
        JSON.stringify(events),
        inspect(events),
      ].join('\n')
      expect(events.length).toBeGreaterThan(0)
      expectNoSecrets(shown, [...secretsOf(), 'wrong-passphrase'])
    } finally {
      for (const provider of [wrong, good, inline]) provider.close()
    }
  })
})
