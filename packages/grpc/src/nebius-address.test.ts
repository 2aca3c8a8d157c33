import { temporaryCliHome } from '@nebius-auth/adapter-fixtures/local-stand-ins'
import { createOriginMatcher } from '@nebius-auth/core/adapter'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { nebiusAddress } from './nebius-address.js'

// An environment with no CLI config, so the real home directory is never read.
const bare = { env: {} }

describe('nebiusAddress', () => {
  it('names a service by the api_service_name its proto declares, on api.nebius.cloud:443', () => {
    expect(nebiusAddress('nebius.compute.v1.InstanceService', bare)).toBe('compute.api.nebius.cloud:443')
    expect(nebiusAddress('nebius.iam.v1.ProfileService', bare)).toBe('cpl.iam.api.nebius.cloud:443')
    expect(nebiusAddress('nebius.iam.v1.TokenExchangeService', bare)).toBe('tokens.iam.api.nebius.cloud:443')
    expect(nebiusAddress('nebius.mk8s.v1alpha1.ClusterService', bare)).toBe('mk8s.api.nebius.cloud:443')
    expect(nebiusAddress('nebius.msp.postgresql.v1alpha1.ClusterService', bare)).toBe(
      'postgresql.msp.api.nebius.cloud:443',
    )
  })

  it('takes a service not in its table by its package, as the SDKs do without the option', () => {
    expect(nebiusAddress('nebius.newthing.v1.WidgetService', bare)).toBe('newthing.api.nebius.cloud:443')
  })

  it('passes a short api_service_name through', () => {
    expect(nebiusAddress('compute', bare)).toBe('compute.api.nebius.cloud:443')
    expect(nebiusAddress('cpl.iam', bare)).toBe('cpl.iam.api.nebius.cloud:443')
    expect(nebiusAddress('api.calculator.billing-data-plane', bare)).toBe(
      'api.calculator.billing-data-plane.api.nebius.cloud:443',
    )
  })

  it('uses options.domain, adding port 443 when it has none', () => {
    expect(nebiusAddress('compute', { domain: 'api.example.com' })).toBe('compute.api.example.com:443')
    expect(nebiusAddress('compute', { domain: ' API.Example.com:8443 ' })).toBe(
      'compute.api.example.com:8443',
    )
  })

  it('refuses a name of neither shape with a TypeError', () => {
    for (const name of [
      '',
      'Compute',
      'nebius.compute.v1',
      'compute.api.nebius.cloud:443',
      'compute.api.nebius.cloud',
      '/nebius.iam.v1.ProfileService/Get',
      'a..b',
    ]) {
      expect(() => nebiusAddress(name, bare), name).toThrow(TypeError)
    }
    expect(() => nebiusAddress(42 as unknown as string, bare)).toThrow(/serviceOrName must be a string/)
  })

  it('refuses OperationService, which every service serves at its own address', () => {
    expect(() => nebiusAddress('nebius.common.v1.OperationService', bare)).toThrow(
      /each service's own address/,
    )
  })

  it('refuses a domain that is not host[:port], naming the option and not the value', () => {
    for (const domain of ['https://api.example.com', 'api.example.com/x', 'api.example.com:99999', '']) {
      expect(() => nebiusAddress('compute', { domain }), domain).toThrow(TypeError)
    }
    expect(() => nebiusAddress('compute', { domain: 'evil/path' })).toThrow(/^nebiusAddress: domain must be/)
  })

  it('gives an address whose https origin, listed in origins, lets the token through', () => {
    const address = nebiusAddress('compute', { domain: 'api.example.com' })
    const allowed = createOriginMatcher([`https://${address}`])
    expect(allowed(new URL('https://compute.api.example.com'))).toBe(true)
    expect(allowed(new URL('https://other.api.example.com'))).toBe(false)
  })
})

describe("nebiusAddress and the CLI profile's endpoint", () => {
  let home: string
  let removeHome: () => Promise<void>
  beforeAll(async () => {
    ;({ home, remove: removeHome } = await temporaryCliHome([
      'default: main',
      'profiles:',
      '  main:',
      '    endpoint: api.nebius.cloud',
      '  own:',
      '    endpoint: api.own-region.example:443',
      '  none:',
      '    token-file: /dev/null',
      '  broken:',
      '    endpoint: https://api.example.com',
    ]))
  })
  afterAll(() => removeHome())

  it('takes the domain from the default profile', () => {
    expect(nebiusAddress('compute', { env: { HOME: home } })).toBe('compute.api.nebius.cloud:443')
  })

  it('takes NEBIUS_PROFILE over the default and options.profile over both', () => {
    const env = { HOME: home, NEBIUS_PROFILE: 'own' }
    expect(nebiusAddress('cpl.iam', { env })).toBe('cpl.iam.api.own-region.example:443')
    expect(nebiusAddress('cpl.iam', { env, profile: 'main' })).toBe('cpl.iam.api.nebius.cloud:443')
  })

  it('lets options.domain win over the profile', () => {
    expect(
      nebiusAddress('compute', { env: { HOME: home, NEBIUS_PROFILE: 'own' }, domain: 'api.nebius.cloud' }),
    ).toBe('compute.api.nebius.cloud:443')
  })

  it('falls back to api.nebius.cloud:443 for a profile without an endpoint', () => {
    expect(nebiusAddress('compute', { env: { HOME: home }, profile: 'none' })).toBe(
      'compute.api.nebius.cloud:443',
    )
  })

  it("says it is the profile's endpoint that is not host[:port]", () => {
    expect(() => nebiusAddress('compute', { env: { HOME: home }, profile: 'broken' })).toThrow(
      /^nebiusAddress: the CLI profile's endpoint must be a host name/,
    )
  })

  it("passes core's error on for a profile that is not there", () => {
    expect(() => nebiusAddress('compute', { env: { HOME: home }, profile: 'absent' })).toThrow(
      expect.objectContaining({ code: 'ERR_PROFILE_NOT_FOUND' }),
    )
  })
})
