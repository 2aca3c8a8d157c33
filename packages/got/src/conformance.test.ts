import { Readable } from 'node:stream'

import {
  conformanceBody,
  describeConformance,
  startHttpConformanceServer,
} from '@nebius-auth/adapter-fixtures/conformance'

import { got } from './client.test-support.js'
import { withNebiusAuth } from './nebius-auth-hooks.js'

describeConformance({
  name: 'got',
  startServer: startHttpConformanceServer,
  // A stream is consumed by the first send: the 401 reaches the caller, and the provider hears of it.
  streamBodies: 'not-retried',
  client(server, options) {
    const api = withNebiusAuth(got.extend({ prefixUrl: server.origin }), options)
    return {
      async send(request = {}) {
        const body =
          request.body === 'stream'
            ? Readable.from([Buffer.from(conformanceBody)])
            : request.body === 'data'
              ? conformanceBody
              : undefined
        const response = await api('conformance', {
          method: body === undefined ? 'GET' : 'POST',
          body,
          headers: request.authorization === undefined ? {} : { authorization: request.authorization },
          throwHttpErrors: false,
          retry: { limit: 0 },
        })
        if (response.statusCode === 401) return 'refused'
        if (response.statusCode === 200) return 'ok'
        throw new Error(`unexpected status ${String(response.statusCode)}`)
      },
    }
  },
})
