import { describe, expect, it } from 'vitest'
import { createOriginMatcher } from './origins.js'

// The matcher remembers its last verdict by href: a client may change a URL object in place between asks.
describe('createOriginMatcher: the remembered verdict', () => {
  it('judges a URL object again once it was changed in place', () => {
    const allowed = createOriginMatcher(['https://api.example.com'])
    const target = new URL('https://api.example.com/v1/models')
    expect(allowed(target)).toBe(true)
    target.hostname = 'evil.example.net'
    expect(allowed(target)).toBe(false)
    target.hostname = 'api.example.com'
    target.port = '8443'
    expect(allowed(target)).toBe(false)
    target.port = ''
    target.protocol = 'http:'
    expect(allowed(target)).toBe(false)
  })

  it('gives a fresh URL object with the same href the same verdict', () => {
    const allowed = createOriginMatcher(['https://api.example.com'])
    expect(allowed(new URL('https://evil.example.net/'))).toBe(false)
    expect(allowed(new URL('https://evil.example.net/'))).toBe(false)
    expect(allowed(new URL('https://api.example.com/'))).toBe(true)
    expect(allowed(new URL('https://api.example.com/'))).toBe(true)
  })
})
