import { inspect } from 'node:util'

import { staticToken } from '@nebius-auth/core'
import { afterEach, describe, expect, it } from 'vitest'

import { got } from './client.test-support.js'
import { withNebiusAuth } from './index.js'
import { secretPart, startScriptedServer, type ScriptedServer } from './servers.test-support.js'

const token = `v1.payload.${secretPart}`

let server: ScriptedServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

// The hooks keep what they did to a request (the token included) behind a handle in `options.context`,
// which got shows wherever options are logged.
describe('the record a request carries in options.context', () => {
  it('shows no token, not even with hidden properties shown', async () => {
    server = await startScriptedServer([])
    const base = got.extend({ prefixUrl: server.url, retry: { limit: 0 } })
    const instance = withNebiusAuth(base, { provider: staticToken(token), origins: [server.url] })
    const response = await instance.get('v1/ping')
    const { context } = response.request.options
    expect(Object.getOwnPropertySymbols(context)).toHaveLength(1)
    expect(inspect(context, { depth: 10, showHidden: true })).not.toContain(secretPart)
    expect(JSON.stringify(context)).not.toContain(secretPart)
  })
})
