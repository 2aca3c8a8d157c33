import { describe, expect, it } from 'vitest'

describe('@nebius-auth/core entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/core')
    expect(Object.keys(entry).sort()).toEqual([
      'CredentialsError',
      'NebiusAuthError',
      'TokenExchangeError',
      'assertionAudience',
      'bearer',
      'cachedProvider',
      'cliToken',
      'createOriginMatcher',
      'createRequestAuthorizer',
      'defaultExchangeEndpoint',
      'defaultMetadataEndpoint',
      'defaultNebiusOrigins',
      'exchangeToken',
      'federatedCredentials',
      'fileStore',
      'fromEnvironment',
      'githubActionsToken',
      'impersonate',
      'importPrivateKey',
      'isLoopbackHost',
      'jwtTokenType',
      'parseCredentials',
      'readCredentialsFile',
      'redactClientRequest',
      'redactHeaders',
      'redactedBearer',
      'sanitizeToken',
      'serviceAccount',
      'signAssertion',
      'staticToken',
      'subjectIdentifierTokenType',
      'tokenFile',
      'vmMetadata',
    ])
  })

  it('exports every DESIGN.md function as a function', async () => {
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
})
