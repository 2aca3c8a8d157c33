import { describe, expect, it } from 'vitest'

describe('@nebius-auth/core entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core')
    expect(Object.keys(entry).sort()).toEqual([
      'CredentialsError',
      'NebiusAuthError',
      'TokenExchangeError',
      'assertionAudience',
      'cached',
      'cachedProvider',
      'chain',
      'cliProfile',
      'cliToken',
      'credentialsUnavailable',
      'defaultExchangeEndpoint',
      'defaultMetadataEndpoint',
      'defaultNebiusOrigins',
      'defaultProvider',
      'exchangeToken',
      'federatedCredentials',
      'fileStore',
      'findNebiusAuthError',
      'fromEnvironment',
      'githubActionsToken',
      'impersonate',
      'importPrivateKey',
      'jwtTokenType',
      'named',
      'parseCredentials',
      'readCredentialsFile',
      'sanitizeToken',
      'serviceAccount',
      'signAssertion',
      'staticToken',
      'subjectIdentifierTokenType',
      'tokenFile',
      'vmMetadata',
    ])
  })

  it('exports every function of the public contract (docs/ARCHITECTURE.md) as a function', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core')
    const designed = [
      'importPrivateKey',
      'parseCredentials',
      'readCredentialsFile',
      'signAssertion',
      'exchangeToken',
      'cachedProvider',
      'serviceAccount',
      'staticToken',
      'tokenFile',
      'cliToken',
      'vmMetadata',
      'fromEnvironment',
      'fileStore',
      'sanitizeToken',
      'federatedCredentials',
      'githubActionsToken',
      'impersonate',
    ]
    for (const name of designed) expect(typeof entry[name], name).toBe('function')
  })

  it('keeps the adapter plumbing off the root export', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core')
    for (const name of ['bearer', 'createRequestAuthorizer', 'createOriginMatcher', 'isLoopbackHost']) {
      expect(entry[name], name).toBeUndefined()
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
