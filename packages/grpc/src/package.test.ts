import { createRequire } from 'node:module'

import { describe, expect, it } from 'vitest'

describe('@nebius-auth/grpc entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/grpc')
    expect(Object.keys(entry).sort()).toEqual(['nebiusAddress', 'nebiusCredentials'])
  })

  it('loads with require() from CommonJS, as Node ≥ 20.19 allows for ES modules', () => {
    const entry = createRequire(import.meta.url)('@nebius-auth/grpc') as Record<string, unknown>
    expect(typeof entry.nebiusCredentials).toBe('function')
  })
})
