import { createRequire } from 'node:module'

import { describe, expect, it } from 'vitest'

describe('@nebius-auth/connect entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/connect')
    expect(Object.keys(entry).sort()).toEqual(['nebiusAuthInterceptor', 'nebiusBaseUrl'])
  })

  it('loads with require() from CommonJS, as Node ≥ 20.19 allows for ES modules', () => {
    const entry = createRequire(import.meta.url)('@nebius-auth/connect') as Record<string, unknown>
    expect(typeof entry.nebiusAuthInterceptor).toBe('function')
  })
})
