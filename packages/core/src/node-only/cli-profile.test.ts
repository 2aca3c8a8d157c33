import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cliProfile } from './cli-profile.js'

const config = `
default: prod
profiles:
  prod:
    endpoint: api.nebius.cloud
  staging:
    endpoint: api.staging.example.com:8443
`

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'cli-profile-'))
  await mkdir(join(home, '.nebius'))
  await writeFile(join(home, '.nebius', 'config.yaml'), config)
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

function codeOf(call: () => unknown): unknown {
  try {
    call()
    return 'returned'
  } catch (error) {
    return (error as { code?: unknown }).code
  }
}

describe('cliProfile', () => {
  it('reads the default profile of ~/.nebius/config.yaml synchronously', () => {
    expect(cliProfile({ env: { HOME: home } })).toMatchObject({ name: 'prod', endpoint: 'api.nebius.cloud' })
  })

  it('takes NEBIUS_PROFILE over the default, and the profile option over both', () => {
    expect(cliProfile({ env: { HOME: home, NEBIUS_PROFILE: 'staging' } })?.name).toBe('staging')
    expect(cliProfile({ profile: 'prod', env: { HOME: home, NEBIUS_PROFILE: 'staging' } })?.name).toBe('prod')
  })

  it('gives undefined when there is no config at the default path or no home at all', () => {
    expect(cliProfile({ env: { HOME: join(home, 'elsewhere') } })).toBeUndefined()
    expect(cliProfile({ env: {} })).toBeUndefined()
  })

  it('refuses a configFile that does not exist and a profile that is not there', () => {
    expect(codeOf(() => cliProfile({ configFile: join(home, 'nope.yaml'), env: {} }))).toBe(
      'ERR_CREDENTIALS_NOT_FOUND',
    )
    expect(codeOf(() => cliProfile({ profile: 'dev', env: { HOME: home } }))).toBe('ERR_PROFILE_NOT_FOUND')
  })

  it('reports an invalid config as ERR_CONFIG_INVALID', async () => {
    await writeFile(join(home, '.nebius', 'config.yaml'), 'profiles: [')
    expect(codeOf(() => cliProfile({ env: { HOME: home } }))).toBe('ERR_CONFIG_INVALID')
  })
})
