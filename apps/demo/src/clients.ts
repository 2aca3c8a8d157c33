/** The four HTTP clients, each wrapped by its nebius-auth adapter, behind one tiny call shape. */
import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { withNebiusAuth as withAxios } from '@nebius-auth/axios'
import type { NebiusAuthOptions } from '@nebius-auth/core'
import { withNebiusAuth as withFetch } from '@nebius-auth/fetch'
import { withNebiusAuth as withGot } from '@nebius-auth/got'
import { withNebiusAuth as withKy } from '@nebius-auth/ky'

/** GET `path` below `base`; resolves with the HTTP status whatever it is. */
export type Get = (path: string) => Promise<number>

export type ClientName = 'axios' | 'got' | 'ky' | 'fetch'
export const clientNames: readonly ClientName[] = ['axios', 'got', 'ky', 'fetch']

export function createClient(name: ClientName, base: string, options: NebiusAuthOptions): Get {
  switch (name) {
    case 'axios': {
      const client = withAxios(axios.create({ baseURL: base, validateStatus: () => true }), options)
      return async (path) => (await client.get(path)).status
    }
    case 'got': {
      const client = withGot(
        got.extend({ prefixUrl: base, throwHttpErrors: false, retry: { limit: 0 } }),
        options,
      )
      return async (path) => (await client.get(path.replace(/^\//, ''))).statusCode
    }
    case 'ky': {
      const client = withKy(ky.create({ prefixUrl: base, throwHttpErrors: false, retry: 0 }), options)
      return async (path) => (await client.get(path.replace(/^\//, ''))).status
    }
    case 'fetch': {
      const client = withFetch(fetch, options)
      return async (path) => {
        const response = await client(new URL(path, base))
        await response.arrayBuffer()
        return response.status
      }
    }
  }
}
