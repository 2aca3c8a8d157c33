import { describe, expect, it } from 'vitest'

describe('@nebius-auth/redis entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/redis')
    expect(Object.keys(entry).sort()).toEqual(['redisStore'])
  })
})
