import { findNebiusAuthError, NebiusAuthError } from '@nebius-auth/core'
import {
  failingProvider,
  rejection,
  startRecordingServer,
  type RecordingServer,
} from '@nebius-auth/adapter-fixtures'
import { afterEach, describe, expect, it } from 'vitest'

import { loadFetch } from './client.test-support.js'
import { withNebiusAuth } from './index.js'

let server: RecordingServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('fetch when the provider fails', () => {
  it('rejects with our error itself', async () => {
    server = await startRecordingServer()
    const error = await rejection(
      loadFetch().then((fetch) =>
        withNebiusAuth(fetch, { provider: failingProvider, origins: [server?.url ?? ''] })(
          `${server?.url ?? ''}/data`,
        ),
      ),
    )
    expect(NebiusAuthError.isInstance(error)).toBe(true)
    expect(findNebiusAuthError(error)?.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
    expect(server.hits).toEqual([])
  })
})
