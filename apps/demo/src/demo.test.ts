import { describe, expect, it } from 'vitest'

describe('demo', () => {
  it('builds', () => {
    expect(1).toBe(1)
  })
})
