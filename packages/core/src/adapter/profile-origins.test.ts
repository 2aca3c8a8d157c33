import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { defaultNebiusOrigins } from './origins.js'
import { followingProfile, profileOrigins } from './profile-origins.js'

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'nebius-profile-origins-'))
  await mkdir(join(home, '.nebius'))
  await writeFile(
    join(home, '.nebius', 'config.yaml'),
    [
      'default: main',
      'profiles:',
      '  main:',
      '    endpoint: api.nebius.cloud',
      '  own:',
      '    endpoint: api.own-region.example',
      '  own-port:',
      '    endpoint: api.own-region.example:8443',
      '  none:',
      '    token-file: /dev/null',
      '  broken:',
      '    endpoint: https://api.example.com',
    ].join('\n'),
  )
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

describe('profileOrigins', () => {
  it("adds https://*.<domain> for the profile's own endpoint, on port 443 unless it names one", () => {
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'own' })).toEqual([
      ...defaultNebiusOrigins,
      'https://*.api.own-region.example:443',
    ])
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'own-port' })).toEqual([
      ...defaultNebiusOrigins,
      'https://*.api.own-region.example:8443',
    ])
  })

  it('keeps the defaults for the default domain, a profile without an endpoint, or no config', () => {
    expect(profileOrigins({ HOME: home })).toBe(defaultNebiusOrigins)
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'none' })).toBe(defaultNebiusOrigins)
    expect(profileOrigins({ HOME: join(home, 'nowhere') })).toBe(defaultNebiusOrigins)
  })

  it('keeps the defaults for a broken endpoint or a profile that is not there', () => {
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'broken' })).toBe(defaultNebiusOrigins)
    expect(profileOrigins({ HOME: home, NEBIUS_PROFILE: 'absent' })).toBe(defaultNebiusOrigins)
  })
})

describe('followingProfile', () => {
  it('leaves options with origins as they are, so the config is never read', () => {
    const options = { origins: ['https://api.example.com'] }
    expect(followingProfile(options, { HOME: home, NEBIUS_PROFILE: 'own' })).toBe(options)
  })

  it('leaves options that are not an object for the authorizer to refuse', () => {
    const options = 'nonsense' as unknown as Parameters<typeof followingProfile>[0]
    expect(followingProfile(options, { HOME: home })).toBe(options)
  })

  it("allows the profile's services and Nebius's own, nothing else", () => {
    const allowed = followingProfile(undefined, { HOME: home, NEBIUS_PROFILE: 'own' })?.origins as (
      url: URL,
    ) => boolean
    expect(allowed(new URL('https://compute.api.own-region.example:443'))).toBe(true)
    expect(allowed(new URL('https://compute.api.nebius.cloud'))).toBe(true)
    expect(allowed(new URL('https://compute.api.own-region.example:8443'))).toBe(false)
    expect(allowed(new URL('https://own-region.example'))).toBe(false)
  })

  it('reads the config at the first origin decision, not when the options are made', async () => {
    const later = await mkdtemp(join(tmpdir(), 'nebius-profile-later-'))
    try {
      const options = followingProfile({}, { HOME: later, NEBIUS_PROFILE: 'own' })
      await mkdir(join(later, '.nebius'))
      await writeFile(
        join(later, '.nebius', 'config.yaml'),
        'profiles:\n  own:\n    endpoint: api.own-region.example:8443\n',
      )
      const allowed = options?.origins as (url: URL) => boolean
      expect(allowed(new URL('https://compute.api.own-region.example:8443'))).toBe(true)
      expect(allowed(new URL('https://api.own-region.example:8443'))).toBe(false)
    } finally {
      await rm(later, { recursive: true, force: true })
    }
  })
})
