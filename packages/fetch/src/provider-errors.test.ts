import { CredentialsError, findNebiusAuthError, NebiusAuthError, type TokenProvider } from '@nebius-auth/core'
import { startRecordingServer, type RecordingServer } from '@nebius-auth/adapter-fixtures'
import { afterEach, describe, expect, it } from 'vitest'

import { loadFetch } from './client.test-support.js'
import { withNebiusAuth } from './index.js'

const failing: TokenProvider = {
  getToken: () => Promise.reject(new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', 'no credentials')),
}
let server: RecordingServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function rejection(request: Promise<unknown>): Promise<unknown> {
  return request.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('fetch when the provider fails', () => {
  it('rejects with our error itself', async () => {
    server = await startRecordingServer()
    const error = await rejection(
      loadFetch().then((fetch) =>
        withNebiusAuth(fetch, { provider: failing, origins: [server?.url ?? ''] })(
          `${server?.url ?? ''}/data`,
        ),
      ),
    )
    expect(NebiusAuthError.isInstance(error)).toBe(true)
    expect(findNebiusAuthError(error)?.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(server.hits).toEqual([])
  })
})
