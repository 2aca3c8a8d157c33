import { inspect } from 'node:util'

import { findNebiusAuthError, NebiusAuthError } from '@nebius-auth/core'
import {
  failingProvider,
  injectingProvider,
  rejection,
  startRecordingServer,
  type RecordingServer,
} from '@nebius-auth/adapter-fixtures'
import { afterEach, describe, expect, it } from 'vitest'

import { loadKy } from './client.test-support.js'
import { withNebiusAuth } from './index.js'

let server: RecordingServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('ky when the provider fails', () => {
  it('rejects with our error itself', async () => {
    server = await startRecordingServer()
    const error = await rejection(
      loadKy().then((client) =>
        withNebiusAuth(client.ky.create({ retry: 0, ...client.prefixOption(server?.url ?? '') }), {
          provider: failingProvider,
        }).get('data'),
      ),
    )
    expect(NebiusAuthError.isInstance(error)).toBe(true)
    expect(findNebiusAuthError(error)?.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(server.hits).toEqual([])
  })

  it('refuses a token with a line break with ERR_TOKEN_INVALID, shows none of it and sends nothing', async () => {
    server = await startRecordingServer()
    const error = await rejection(
      loadKy().then((client) =>
        withNebiusAuth(client.ky.create({ retry: 0, ...client.prefixOption(server?.url ?? '') }), {
          provider: injectingProvider(),
        }).get('data'),
      ),
    )
    expect(findNebiusAuthError(error)?.code).toBe('ERR_TOKEN_INVALID')
    expect(inspect(error, { depth: 8 })).not.toMatch(/x-evil|abc(?:\r|\\r)/)
    expect(server.hits).toEqual([])
  })
})
