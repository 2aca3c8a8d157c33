import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliConfig } from './cli-config.js'
import { expandHome, parseCliConfig, readCliConfig, selectProfile } from './cli-config.js'

const pem = '-----BEGIN PRIVATE KEY-----\nTUlJQ0lUSElTSVNBU0VDUkVU\n-----END PRIVATE KEY-----'
const home = '/home/ada'

const sample = `
default: prod
profiles:
  prod:
    auth-type: service account
    endpoint: api.nebius.cloud
    service-account-id: serviceaccount-e00prod
    public-key-id: publickey-e00prod
    private-key-file-path: ~/.nebius/prod.pem
  inline:
    auth-type: service account
    service-account-id: serviceaccount-e00inline
    public-key-id: publickey-e00inline
    private-key: |
${pem
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
  user:
    auth-type: federation
    federation-endpoint: auth.eu.nebius.com
  file:
    token-file: ~/token
  empty:
`

function failure(run: () => unknown): { code?: string; message: string } {
  try {
    run()
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected a throw')
}

describe('parseCliConfig', () => {
  it('reads the default and every profile field it knows', () => {
    const config = parseCliConfig(sample, { home })
    expect(config.default).toBe('prod')
    expect(config.profiles.get('prod')).toEqual({
      name: 'prod',
      authType: 'service account',
      endpoint: 'api.nebius.cloud',
      serviceAccountId: 'serviceaccount-e00prod',
      publicKeyId: 'publickey-e00prod',
      privateKeyFilePath: '/home/ada/.nebius/prod.pem',
    })
  })

  it('keeps an inline private key readable but out of inspect and JSON', () => {
    const profile = parseCliConfig(sample, { home }).profiles.get('inline')!
    expect(profile.privateKey).toBe(pem)
    expect(inspect(profile)).not.toContain('TUlJQ0lU')
    expect(JSON.stringify(profile)).not.toContain('TUlJQ0lU')
  })

  it('expands ~ in token-file and leaves other fields alone', () => {
    expect(parseCliConfig(sample, { home }).profiles.get('file')?.tokenFile).toBe('/home/ada/token')
  })

  it('treats an empty profile as a profile with no fields', () => {
    expect(parseCliConfig(sample, { home }).profiles.get('empty')).toEqual({ name: 'empty' })
  })

  it('treats an empty file as a config without profiles', () => {
    expect(parseCliConfig('', { home }).profiles.size).toBe(0)
  })

  it('reports a YAML syntax error by position without quoting the source', () => {
    const text = `profiles:\n  inline:\n    private-key: "${pem.replaceAll('\n', '\\n')}\n  bad: [\n`
    const error = failure(() => parseCliConfig(text, { path: 'config.yaml' }))
    expect(error.code).toBe('ERR_CONFIG_INVALID')
    expect(error.message).toMatch(/line \d+, column \d+/)
    expect(error.message).not.toContain('TUlJQ0lU')
    expect(error.message).not.toContain('private-key')
  })

  it('reports a duplicate key as ERR_CONFIG_INVALID', () => {
    expect(failure(() => parseCliConfig('default: a\ndefault: b\n')).code).toBe('ERR_CONFIG_INVALID')
  })

  it('reports a field of the wrong type by name, never by value', () => {
    const error = failure(() => parseCliConfig('profiles:\n  a:\n    private-key: [TUlJQ0lU]\n'))
    expect(error.code).toBe('ERR_CONFIG_INVALID')
    expect(error.message).toContain('private-key must be a string')
    expect(error.message).not.toContain('TUlJQ0lU')
  })

  it.each([
    ['a list at the top', '- a\n- b\n'],
    ['profiles that are a list', 'profiles: [a, b]\n'],
    ['a profile that is a string', 'profiles:\n  a: hello\n'],
    ['a default that is a mapping', 'default: {a: 1}\n'],
  ])('reports %s as ERR_CONFIG_INVALID', (_name, text) => {
    expect(failure(() => parseCliConfig(text)).code).toBe('ERR_CONFIG_INVALID')
  })

  it('refuses an alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level)
      const next = String.fromCharCode(97 + level)
      lines.push(`${next}: &${next} [${Array.from({ length: 10 }, () => `*${previous}`).join(', ')}]`)
    }
    expect(failure(() => parseCliConfig(lines.join('\n'))).code).toBe('ERR_CONFIG_INVALID')
  })

  it('reports a ~ path without a known home directory as ERR_CONFIG_INVALID', () => {
    expect(failure(() => parseCliConfig('profiles:\n  a:\n    token-file: ~/t\n')).code).toBe(
      'ERR_CONFIG_INVALID',
    )
  })

  it('keeps a profile named __proto__ as an ordinary profile', () => {
    const config = parseCliConfig('profiles:\n  __proto__:\n    token-file: /t\n')
    expect(config.profiles.get('__proto__')?.tokenFile).toBe('/t')
  })
})

describe('selectProfile', () => {
  const config: CliConfig = parseCliConfig(sample, { home })

  it('prefers the profile option over everything', () => {
    expect(selectProfile(config, { profile: 'user', env: { NEBIUS_PROFILE: 'file' } })?.name).toBe('user')
  })

  it('uses NEBIUS_PROFILE, trimmed, over the default', () => {
    expect(selectProfile(config, { env: { NEBIUS_PROFILE: ' file\n' } })?.name).toBe('file')
  })

  it('falls back to the default profile', () => {
    expect(selectProfile(config, { env: {} })?.name).toBe('prod')
  })

  it('uses the only profile when there is no default', () => {
    expect(selectProfile(parseCliConfig('profiles:\n  solo:\n    token-file: /t\n'))?.name).toBe('solo')
  })

  it('gives undefined for a config without profiles', () => {
    expect(selectProfile(parseCliConfig(''))).toBeUndefined()
  })

  it('reports a missing named profile with the available ones', () => {
    const error = failure(() => selectProfile(config, { profile: 'staging' }))
    expect(error.code).toBe('ERR_PROFILE_NOT_FOUND')
    expect(error.message).toContain('"prod", "inline", "user", "file", "empty"')
  })

  it('reports a default that names a missing profile', () => {
    const broken = parseCliConfig('default: gone\nprofiles:\n  here: {}\n')
    expect(failure(() => selectProfile(broken)).code).toBe('ERR_PROFILE_NOT_FOUND')
  })

  it('refuses to guess between several profiles without a default', () => {
    const several = parseCliConfig('profiles:\n  a: {}\n  b: {}\n')
    const error = failure(() => selectProfile(several))
    expect(error.code).toBe('ERR_PROFILE_NOT_FOUND')
    expect(error.message).toContain('"a", "b"')
  })
})

describe('readCliConfig', () => {
  let directory: string
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'nebius-cli-config-'))
  })
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true })
  })

  it('gives undefined for a missing file', async () => {
    await expect(readCliConfig(join(directory, 'config.yaml'))).resolves.toBeUndefined()
  })

  it('reads and parses a file, naming it in the config', async () => {
    const path = join(directory, 'config.yaml')
    await writeFile(path, sample)
    const config = await readCliConfig(path, { home })
    expect(config?.path).toBe(path)
    expect(config?.profiles.size).toBe(5)
  })

  it('reports a directory in place of the file as ERR_CONFIG_INVALID', async () => {
    await expect(readCliConfig(directory)).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' })
  })
})

describe('expandHome', () => {
  it.each([
    ['~', '/home/ada'],
    ['~/key.pem', '/home/ada/key.pem'],
    ['/etc/key.pem', '/etc/key.pem'],
    ['~ada/key.pem', '~ada/key.pem'],
    ['relative/key.pem', 'relative/key.pem'],
  ])('expands %s to %s', (path, expected) => {
    expect(expandHome(path, home)).toBe(expected)
  })
})
