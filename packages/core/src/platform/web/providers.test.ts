// What a web runtime gets for the Node-only functions (run here on Node by importing the web modules
// directly; tests/runtimes checks the same on workerd and the edge runtime through package conditions).
import { describe, expect, it } from 'vitest'

import { writeDebugLine } from '../../runtime/web/debug-log.js'
import { readExternalTokenFile, readSecretFile } from '../../runtime/web/files.js'
import { cliProfile, cliToken, defaultProvider, fileStore, fromEnvironment, tokenFile } from './providers.js'

function codeOf(call: () => unknown): unknown {
  try {
    call()
    return 'returned'
  } catch (error) {
    return (error as { code?: unknown }).code
  }
}

describe('the web platform', () => {
  it('throws ERR_UNSUPPORTED_RUNTIME from every Node-only provider when it is called', () => {
    expect(codeOf(() => fileStore('/tmp/tokens'))).toBe('ERR_UNSUPPORTED_RUNTIME')
    expect(codeOf(() => tokenFile('/var/run/token'))).toBe('ERR_UNSUPPORTED_RUNTIME')
    expect(codeOf(() => cliToken())).toBe('ERR_UNSUPPORTED_RUNTIME')
    expect(codeOf(() => fromEnvironment())).toBe('ERR_UNSUPPORTED_RUNTIME')
    expect(codeOf(() => cliProfile())).toBe('ERR_UNSUPPORTED_RUNTIME')
  })

  it('tells an adapter without a provider that provider is required', () => {
    expect(() => defaultProvider()).toThrow(/options\.provider is required on this runtime/)
    expect(codeOf(() => defaultProvider())).toBe('ERR_UNSUPPORTED_RUNTIME')
  })

  // readCredentialsFile reads through readSecretFile; tests/runtimes calls it on workerd and the edge runtime.
  it('rejects file reads with ERR_UNSUPPORTED_RUNTIME', async () => {
    await expect(readSecretFile('private.pem')).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_RUNTIME' })
    await expect(readExternalTokenFile('/var/run/token')).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED_RUNTIME',
    })
  })

  it('writes no debug line and never builds one', () => {
    let described = false
    writeDebugLine(() => {
      described = true
      return 'line'
    })
    expect(described).toBe(false)
  })
})
