import {
  conformanceBody,
  describeConformance,
  startHttpConformanceServer,
} from '@nebius-auth/adapter-fixtures/conformance'

import { loadKy } from './client.test-support.js'
import { withNebiusAuth } from './with-nebius-auth.js'

const { ky } = await loadKy()

describeConformance({
  name: 'ky',
  startServer: startHttpConformanceServer,
  // The adapter works in the fetch ky calls, which copies a body that sending consumes before the first send.
  streamBodies: 'copied',
  client(server, options) {
    const api = withNebiusAuth(ky.create({ retry: 0, throwHttpErrors: false }), options)
    return {
      async send(request = {}) {
        const body =
          request.body === 'stream'
            ? ReadableStream.from([new TextEncoder().encode(conformanceBody)])
            : request.body === 'data'
              ? conformanceBody
              : undefined
        const response = await api(`${server.origin}/conformance`, {
          method: body === undefined ? 'get' : 'post',
          body,
          headers: request.authorization === undefined ? {} : { authorization: request.authorization },
        })
        await response.arrayBuffer()
        if (response.status === 401) return 'refused'
        if (response.status === 200) return 'ok'
        throw new Error(`unexpected status ${String(response.status)}`)
      },
    }
  },
})
