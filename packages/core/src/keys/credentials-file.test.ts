import { type KeyObject } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, describe, expect, it } from 'vitest'

import { checkFilePermissions } from '../runtime/node/files.js'
import { readCredentialsFile } from './credentials-file.js'
import { parseCredentials } from './parse-credentials.js'
import { CredentialsError } from '../common/errors.js'
import type { NebiusAuthEvent } from '../common/events.js'
import { rsaPkcs1, rsaPkcs8, rsaPublicPem } from './keys.test-support.js'

const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-credentials-'))
afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

function credentials(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'JWT',
    alg: 'RS256',
    'private-key': rsaPkcs8(),
    kid: 'publickey-e00kid',
    iss: 'serviceaccount-e00sa',
    sub: 'serviceaccount-e00sa',
    ...overrides,
  }
}

function json(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ 'subject-credentials': credentials(overrides) })
}

function writeFile(name: string, content: string, mode = 0o600): string {
  const path = join(directory, name)
  writeFileSync(path, content)
  chmodSync(path, mode)
  return path
}

async function rejection(promise: Promise<unknown>): Promise<CredentialsError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(CredentialsError)
  return error as CredentialsError
}

describe('parseCredentials', () => {
  it('returns the service account, the public key ID and an RSA key', async () => {
    const key = await parseCredentials(json())
    expect(key.serviceAccountId).toBe('serviceaccount-e00sa')
    expect(key.publicKeyId).toBe('publickey-e00kid')
    expect((key.privateKey as KeyObject).asymmetricKeyType).toBe('rsa')
  })

  it('accepts an absent type', async () => {
    await expect(parseCredentials(json({ type: undefined }))).resolves.toMatchObject({
      publicKeyId: 'publickey-e00kid',
    })
  })

  it('accepts an empty type', async () => {
    await expect(parseCredentials(json({ type: '' }))).resolves.toMatchObject({
      publicKeyId: 'publickey-e00kid',
    })
  })

  it('accepts a PKCS#1 private key', async () => {
    await expect(parseCredentials(json({ 'private-key': rsaPkcs1() }))).resolves.toBeDefined()
  })

  it('accepts a leading byte order mark', async () => {
    await expect(parseCredentials(`\uFEFF${json()}`)).resolves.toBeDefined()
  })

  it.each([
    ['type', { type: 'OAUTH' }, /subject-credentials\.type/],
    ['alg missing', { alg: undefined }, /subject-credentials\.alg" is missing/],
    ['alg', { alg: 'ES256' }, /subject-credentials\.alg" must be "RS256"/],
    ['iss missing', { iss: undefined }, /subject-credentials\.iss" is missing/],
    ['sub not a string', { sub: 42 }, /subject-credentials\.sub" must be a string/],
    ['iss differing from sub', { iss: 'serviceaccount-other' }, /\.iss" and "\.sub" must be equal/],
    ['kid missing', { kid: undefined }, /subject-credentials\.kid" is missing/],
    ['kid empty', { kid: '  ' }, /subject-credentials\.kid" is empty/],
    ['private-key missing', { 'private-key': undefined }, /subject-credentials\.private-key" is missing/],
    [
      'private-key not a string',
      { 'private-key': ['pem'] },
      /subject-credentials\.private-key" must be a string/,
    ],
  ])('names the field when %s is wrong', async (_name, overrides, pattern) => {
    const error = await rejection(parseCredentials(json(overrides)))
    expect(error.code).toBe('ERR_CREDENTIALS_INVALID')
    expect(error.message).toMatch(pattern)
  })

  it('rejects a public key in private-key with ERR_KEY_INVALID naming the field', async () => {
    const error = await rejection(parseCredentials(json({ 'private-key': rsaPublicPem() })))
    expect(error.code).toBe('ERR_KEY_INVALID')
    expect(error.message).toMatch(/subject-credentials\.private-key.*public key/)
  })

  it('rejects a missing subject-credentials object', async () => {
    const error = await rejection(parseCredentials(JSON.stringify({ other: {} })))
    expect(error.code).toBe('ERR_CREDENTIALS_INVALID')
    expect(error.message).toMatch(/"subject-credentials" is missing/)
  })

  it('rejects subject-credentials that is not an object', async () => {
    const error = await rejection(parseCredentials(JSON.stringify({ 'subject-credentials': 'x' })))
    expect(error.message).toMatch(/"subject-credentials" must be an object/)
  })

  it('rejects a JSON array', async () => {
    expect((await rejection(parseCredentials('[]'))).message).toMatch(/must be a JSON object/)
  })

  it('rejects invalid JSON without quoting the input', async () => {
    const broken = json().slice(0, -5)
    const error = await rejection(parseCredentials(broken))
    expect(error.code).toBe('ERR_CREDENTIALS_INVALID')
    expect(error.message).toBe('the credentials are not valid JSON')
    expect(error.cause).toBeUndefined()
  })

  it('rejects a value that is not a string with a TypeError', async () => {
    await expect(parseCredentials({} as unknown as string)).rejects.toThrow(TypeError)
  })
})

describe('readCredentialsFile', () => {
  it('reads a credentials file', async () => {
    const key = await readCredentialsFile(writeFile('good.json', json()))
    expect(key.serviceAccountId).toBe('serviceaccount-e00sa')
  })

  it('reports a missing file with ERR_CREDENTIALS_NOT_FOUND and the path', async () => {
    const path = join(directory, 'missing.json')
    const error = await rejection(readCredentialsFile(path))
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(error.message).toContain(path)
  })

  it('reports a directory with ERR_CREDENTIALS_NOT_FOUND', async () => {
    expect((await rejection(readCredentialsFile(directory))).code).toBe('ERR_CREDENTIALS_NOT_FOUND')
  })

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)(
    'reports an unreadable file with ERR_CREDENTIALS_NOT_FOUND',
    async () => {
      const error = await rejection(readCredentialsFile(writeFile('unreadable.json', json(), 0o000)))
      expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    },
  )

  it('prefixes field problems with the path', async () => {
    const path = writeFile('bad-alg.json', json({ alg: 'HS256' }))
    const error = await rejection(readCredentialsFile(path))
    expect(error.code).toBe('ERR_CREDENTIALS_INVALID')
    expect(error.message).toContain(`${path}: credentials field "subject-credentials.alg"`)
  })

  it.skipIf(process.platform === 'win32')(
    'emits insecure-file-permissions for a world-readable file',
    async () => {
      const events: NebiusAuthEvent[] = []
      const path = writeFile('open.json', json(), 0o644)
      await readCredentialsFile(path, { onEvent: (event) => events.push(event) })
      expect(events).toEqual([{ type: 'insecure-file-permissions', path, mode: 0o644 }])
    },
  )

  it.skipIf(process.platform === 'win32')(
    'emits insecure-file-permissions for a group-readable file',
    async () => {
      const events: NebiusAuthEvent[] = []
      await readCredentialsFile(writeFile('group.json', json(), 0o640), {
        onEvent: (event) => events.push(event),
      })
      expect(events.map((event) => event.type)).toEqual(['insecure-file-permissions'])
    },
  )

  it('emits nothing for a file only its owner can read', async () => {
    const events: NebiusAuthEvent[] = []
    await readCredentialsFile(writeFile('private.json', json(), 0o600), {
      onEvent: (event) => events.push(event),
    })
    expect(events).toEqual([])
  })
})

describe('checkFilePermissions', () => {
  it.skipIf(process.platform === 'win32')('reports mode bits without the file type', () => {
    const events: NebiusAuthEvent[] = []
    expect(checkFilePermissions('/x', 0o100604, (event) => events.push(event))).toBe(true)
    expect(events).toEqual([{ type: 'insecure-file-permissions', path: '/x', mode: 0o604 }])
  })

  it('accepts a group-writable but unreadable mode as not readable', () => {
    expect(checkFilePermissions('/x', 0o100620)).toBe(false)
  })
})
