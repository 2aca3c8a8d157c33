import { describe, expect, it } from 'vitest'

describe('@nebius-auth/core entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core')
    expect(Object.keys(entry).sort()).toEqual([
      'CredentialsError',
      'NebiusAuthError',
      'TokenExchangeError',
      'cached',
      'chain',
      'cliProfile',
      'cliToken',
      'credentialsUnavailable',
      'defaultNebiusOrigins',
      'defaultProvider',
      'federatedCredentials',
      'fileStore',
      'findNebiusAuthError',
      'fromEnvironment',
      'githubActionsToken',
      'impersonate',
      'named',
      'sanitizeToken',
      'serviceAccount',
      'staticToken',
      'tokenFile',
      'vmMetadata',
    ])
  })

  it('exports every provider, combinator and helper of the public contract as a function', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core')
    const designed = [
      'serviceAccount',
      'staticToken',
      'tokenFile',
      'cliToken',
      'cliProfile',
      'vmMetadata',
      'fromEnvironment',
      'defaultProvider',
      'federatedCredentials',
      'githubActionsToken',
      'impersonate',
      'cached',
      'chain',
      'named',
      'fileStore',
      'sanitizeToken',
      'credentialsUnavailable',
      'findNebiusAuthError',
    ]
    for (const name of designed) expect(typeof entry[name], name).toBe('function')
  })

  it('keeps the adapter plumbing and the building blocks off the root export', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core')
    for (const name of [
      'bearer',
      'createRequestAuthorizer',
      'isLoopbackHost',
      'signAssertion',
      'cachedProvider',
    ]) {
      expect(entry[name], name).toBeUndefined()
    }
  })
})

describe('@nebius-auth/core/advanced entry', () => {
  it('exports exactly the building blocks under the providers', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core/advanced')
    expect(Object.keys(entry).sort()).toEqual([
      'assertionAudience',
      'cachedProvider',
      'defaultExchangeEndpoint',
      'defaultMetadataEndpoint',
      'exchangeToken',
      'importPrivateKey',
      'jwtTokenType',
      'parseCredentials',
      'readCredentialsFile',
      'signAssertion',
      'subjectIdentifierTokenType',
    ])
    for (const name of [
      'importPrivateKey',
      'parseCredentials',
      'readCredentialsFile',
      'signAssertion',
      'exchangeToken',
      'cachedProvider',
    ]) {
      expect(typeof entry[name], name).toBe('function')
    }
  })
})

describe('@nebius-auth/core/adapter entry', () => {
  it('exports exactly the kit the adapters share', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core/adapter')
    expect(Object.keys(entry).sort()).toEqual([
      'NebiusAuthError',
      'authorizeFetch',
      'bearer',
      'createOriginMatcher',
      'createRequestAuthorizer',
      'defaultNebiusOrigins',
      'followingProfile',
      'isLoopbackHost',
      'isOurAuthorization',
      'isReplayableBody',
      'nebiusServiceAddress',
      'parseURL',
      'recentTokens',
      'redactClientRequest',
      'redactHeaders',
      'redactTokenBytes',
      'redactTokens',
      'redactedBearer',
      'signalWithTimeout',
    ])
  })

  it('shares one copy of each helper with the root export', async () => {
    const root = await import('@nebius-auth/core')
    const adapter = await import('@nebius-auth/core/adapter')
    expect(adapter.defaultNebiusOrigins).toBe(root.defaultNebiusOrigins)
    expect(adapter.NebiusAuthError).toBe(root.NebiusAuthError)
  })
})
