import { describe, expect, it } from 'vitest'

import { nebiusBaseUrl } from './nebius-base-url.js'

// An environment with no CLI config, so the real home directory is never read.
const bare = { env: {} }

describe('nebiusBaseUrl', () => {
  it('gives the https URL of a service by its api_service_name, without port 443', () => {
    expect(nebiusBaseUrl('nebius.compute.v1.InstanceService', bare)).toBe('https://compute.api.nebius.cloud')
    expect(nebiusBaseUrl('compute', bare)).toBe('https://compute.api.nebius.cloud')
    expect(nebiusBaseUrl('nebius.iam.v1.ProfileService', bare)).toBe('https://cpl.iam.api.nebius.cloud')
  })

  it('keeps a port other than 443', () => {
    expect(nebiusBaseUrl('compute', { domain: 'api.example.com:8443' })).toBe(
      'https://compute.api.example.com:8443',
    )
  })

  it('names itself in the TypeError for a name of neither shape', () => {
    expect(() => nebiusBaseUrl('https://compute.api.nebius.cloud', bare)).toThrow(
      /^nebiusBaseUrl: serviceOrName/,
    )
  })
})
