import { staticToken } from '@nebius-auth/core'
import type { AxiosRequestConfig, InternalAxiosRequestConfig } from 'axios'
import { describe, expect, it } from 'vitest'

import { axios, clientModule } from './client.test-support.js'
import { withNebiusAuth } from './index.js'

const cases: readonly (readonly [string | undefined, string, AxiosRequestConfig?])[] = [
  ['https://api.nebius.cloud', 'v1/instances'],
  ['https://api.nebius.cloud/', '/v1/instances'],
  ['https://api.nebius.cloud/base/', '//v1'],
  ['https://api.nebius.cloud/base//', 'v1'],
  ['https://api.nebius.cloud', ''],
  ['https://api.nebius.cloud', 'https://other.nebius.cloud/v1'],
  [
    'https://api.nebius.cloud',
    'https://other.nebius.cloud/v1',
    { allowAbsoluteUrls: false } as AxiosRequestConfig,
  ],
  ['https://api.nebius.cloud', '//other.nebius.cloud/v1'],
  ['https://api.nebius.cloud', 'v1', { params: { a: '1 2' } }],
  [' https://api.nebius.cloud', 'v1'],
  ['https://api.nebius.cloud', ' https://other.nebius.cloud/v1'],
  [undefined, 'https://api.nebius.cloud/v1?x=1#y'],
  [undefined, 'v1/relative'],
]

describe(`the URL the origin check sees on ${clientModule}`, () => {
  it('is the URL axios getUri gives for the same request, for every way of writing it', async () => {
    const seen: string[] = []
    const expected: string[] = []
    const instance = withNebiusAuth(axios.create(), {
      provider: staticToken('v1.test'),
      origins: (url) => {
        seen.push(url.href)
        return false
      },
    })
    // Answer locally: only the URL the adapter computes matters here, not a transport.
    const adapter = (config: InternalAxiosRequestConfig) =>
      Promise.resolve({ data: '', status: 200, statusText: 'OK', headers: {}, config })
    for (const [baseURL, url, extra] of cases) {
      const config = { baseURL, url, adapter, ...extra }
      const uri = instance.getUri(config)
      if (URL.canParse(uri)) expected.push(new URL(uri).href)
      await instance.request(config).catch(() => undefined)
    }
    expect(seen).toEqual(expected)
  })

  it('has the origin of getUri with an origin list too, where a relative path is judged by the base URL', async () => {
    const base = 'https://api.nebius.cloud/base/'
    const instance = withNebiusAuth(axios.create({ baseURL: base }), {
      provider: staticToken('v1.test'),
      origins: ['https://api.nebius.cloud'],
    })
    const sent: (string | undefined)[] = []
    const adapter = (config: InternalAxiosRequestConfig) => {
      sent.push(config.headers.get('Authorization') as string | undefined)
      return Promise.resolve({ data: '', status: 200, statusText: 'OK', headers: {}, config })
    }
    // ' https://x.example/' is not absolute to axios (isAbsoluteURL): it is a path under the base URL.
    for (const url of [
      'v1',
      '/v1',
      '',
      'https://other.nebius.cloud/v1',
      '//evil.example/v1',
      ' https://x.example/',
    ]) {
      await instance.request({ url, adapter }).catch(() => undefined)
    }
    expect(sent).toEqual([
      'Bearer v1.test',
      'Bearer v1.test',
      'Bearer v1.test',
      undefined,
      undefined,
      'Bearer v1.test',
    ])
  })
})
