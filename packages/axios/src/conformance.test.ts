import { Readable } from 'node:stream'

import {
  conformanceBody,
  describeConformance,
  startHttpConformanceServer,
} from '@nebius-auth/adapter-fixtures/conformance'

import { axios } from './client.test-support.js'
import { withNebiusAuth } from './with-nebius-auth.js'

describeConformance({
  name: 'axios',
  startServer: startHttpConformanceServer,
  // A stream is consumed by the first send: the 401 reaches the caller, and the provider hears of it.
  streamBodies: 'not-retried',
  client(server, options) {
    const api = withNebiusAuth(axios.create({ baseURL: server.origin }), options)
    return {
      async send(request = {}) {
        const data =
          request.body === 'stream'
            ? Readable.from([Buffer.from(conformanceBody)])
            : request.body === 'data'
              ? conformanceBody
              : undefined
        const response = await api.request({
          url: '/conformance',
          method: data === undefined ? 'GET' : 'POST',
          data,
          headers: request.authorization === undefined ? {} : { Authorization: request.authorization },
          validateStatus: () => true,
        })
        if (response.status === 401) return 'refused'
        if (response.status === 200) return 'ok'
        throw new Error(`unexpected status ${String(response.status)}`)
      },
    }
  },
})
