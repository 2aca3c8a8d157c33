import {
  conformanceBody,
  describeConformance,
  startHttpConformanceServer,
} from '@nebius-auth/adapter-fixtures/conformance'

import { loadFetch } from './client.test-support.js'
import { withNebiusAuth } from './with-nebius-auth.js'

const fetch = await loadFetch()

describeConformance({
  name: 'fetch',
  startServer: startHttpConformanceServer,
  // A stream body is copied (teed) before the first send, so the retry sends the same bytes.
  streamBodies: 'copied',
  client(server, options) {
    const authorized = withNebiusAuth(fetch, options)
    return {
      async send(request = {}) {
        const headers =
          request.authorization === undefined ? undefined : { authorization: request.authorization }
        const body =
          request.body === 'stream'
            ? ReadableStream.from([new TextEncoder().encode(conformanceBody)])
            : request.body === 'data'
              ? conformanceBody
              : undefined
        const response = await authorized(`${server.origin}/conformance`, {
          method: body === undefined ? 'GET' : 'POST',
          headers,
          body,
          ...(request.body === 'stream' ? { duplex: 'half' } : {}),
        })
        await response.arrayBuffer()
        if (response.status === 401) return 'refused'
        if (response.status === 200) return 'ok'
        throw new Error(`unexpected status ${String(response.status)}`)
      },
    }
  },
})
