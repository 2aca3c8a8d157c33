import { generateKeyPairSync } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  ACCESS_TOKEN_TYPE,
  AUDIENCE,
  exchangeForm,
  postExchange,
  signHs256,
  signRs256,
  unsigned,
  validJwt,
  validJwtParts,
} from './jwt.test-support.js'
import { startEmulator } from './server.js'
import type { EmulatedServiceAccount, Emulator } from './types.js'

let emulator: Emulator
let account: EmulatedServiceAccount
let other: EmulatedServiceAccount

beforeAll(async () => {
  emulator = await startEmulator()
  account = emulator.createServiceAccount({ keyBits: 2048 })
  other = emulator.createServiceAccount({ keyBits: 2048 })
})
afterAll(() => emulator.close())

/** Posts `body` and checks the RFC 6749 §5.2 error shape; returns `error_description`. */
async function expectRejection(
  body: string,
  status: number,
  error: string,
  contentType?: string,
): Promise<string> {
  const response = await postExchange(emulator.exchangeEndpoint, body, contentType)
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('application/json')
  expect(response.headers.get('cache-control')).toBe('no-store')
  const json = (await response.json()) as { error: string; error_description: string }
  expect(json.error).toBe(error)
  expect(typeof json.error_description).toBe('string')
  return json.error_description
}

/** Signs claims for `account` with `changes` applied (undefined deletes a claim). */
function jwtWith(claimChanges: Record<string, unknown>, headerChanges: Record<string, unknown> = {}): string {
  const { header, claims } = validJwtParts(account)
  const apply = (
    target: Record<string, unknown>,
    changes: Record<string, unknown>,
  ): Record<string, unknown> => {
    const result = { ...target, ...changes }
    for (const [name, value] of Object.entries(changes))
      if (value === undefined) Reflect.deleteProperty(result, name)
    return result
  }
  return signRs256(apply(header, headerChanges), apply(claims, claimChanges), account.privateKeyPem)
}

const now = (): number => Math.floor(Date.now() / 1000)

describe('POST /oauth2/token/exchange', () => {
  it('issues an opaque Bearer token for a JWT signed by node:crypto alone', async () => {
    const response = await postExchange(emulator.exchangeEndpoint, exchangeForm(validJwt(account)))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const json = (await response.json()) as Record<string, unknown>
    expect(json).toEqual({
      access_token: expect.stringMatching(/^v1\.[\w-]+\.[\w-]+$/),
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: 43200,
    })
    const whoami = await fetch(`${emulator.url}/v1/whoami`, {
      headers: { Authorization: `Bearer ${json.access_token as string}` },
    })
    expect(await whoami.json()).toEqual({ serviceAccountId: account.serviceAccountId })
  })

  it('accepts a charset parameter on the form content type', async () => {
    const response = await postExchange(
      emulator.exchangeEndpoint,
      exchangeForm(validJwt(account)),
      'application/x-www-form-urlencoded; charset=utf-8',
    )
    expect(response.status).toBe(200)
  })
})

describe('request rejections', () => {
  it('refuses a JSON body with 400 invalid_request', async () => {
    const body = JSON.stringify({ grant_type: 'x' })
    await expectRejection(body, 400, 'invalid_request', 'application/json')
  })

  it('refuses a form without grant_type with 400 invalid_request', async () => {
    await expectRejection(exchangeForm(validJwt(account), { grant_type: undefined }), 400, 'invalid_request')
  })

  it('refuses another grant_type with 400 unsupported_grant_type', async () => {
    const body = exchangeForm(validJwt(account), { grant_type: 'client_credentials' })
    await expectRejection(body, 400, 'unsupported_grant_type')
  })

  it('refuses a missing or wrong subject_token_type with 400 invalid_request', async () => {
    const jwt = validJwt(account)
    await expectRejection(exchangeForm(jwt, { subject_token_type: undefined }), 400, 'invalid_request')
    const wrong = exchangeForm(jwt, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' })
    expect(await expectRejection(wrong, 400, 'invalid_request')).toMatch(/subject_token_type/)
  })

  it('refuses a missing or wrong requested_token_type with 400 invalid_request', async () => {
    const jwt = validJwt(account)
    await expectRejection(exchangeForm(jwt, { requested_token_type: undefined }), 400, 'invalid_request')
    const wrong = exchangeForm(jwt, {
      requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
    })
    expect(await expectRejection(wrong, 400, 'invalid_request')).toMatch(/requested_token_type/)
  })

  it('refuses a missing subject_token with 400 invalid_request', async () => {
    await expectRejection(exchangeForm('', { subject_token: undefined }), 400, 'invalid_request')
  })

  it('refuses a repeated parameter with 400 invalid_request', async () => {
    const body = `${exchangeForm(validJwt(account))}&grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange`
    expect(await expectRejection(body, 400, 'invalid_request')).toMatch(/repeated/)
  })

  it('refuses a body over 64 KiB with 413 invalid_request', async () => {
    await expectRejection(exchangeForm('a'.repeat(70 * 1024)), 413, 'invalid_request')
  })

  it('answers 405 with Allow: POST to another method and 404 to another path', async () => {
    const get = await fetch(emulator.exchangeEndpoint)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    const missing = await fetch(`${emulator.url}/oauth2/token`, { method: 'POST' })
    expect(missing.status).toBe(404)
  })
})

describe('subject token rejections', () => {
  const reject = (jwt: string, status: number): Promise<string> =>
    expectRejection(exchangeForm(jwt), status, 'invalid_grant')

  it('refuses alg none with 400 invalid_grant', async () => {
    const { header, claims } = validJwtParts(account)
    expect(await reject(unsigned({ ...header, alg: 'none' }, claims), 400)).toMatch(/alg/)
  })

  it('refuses HS256 signed with the public key as the secret with 400 invalid_grant', async () => {
    const { header, claims } = validJwtParts(account)
    expect(await reject(signHs256({ ...header, alg: 'HS256' }, claims, account.publicKeyPem), 400)).toMatch(
      /alg/,
    )
  })

  it('refuses RS512 and PS256 with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({}, { alg: 'RS512' }), 400)).toMatch(/alg/)
    expect(await reject(jwtWith({}, { alg: 'PS256' }), 400)).toMatch(/alg/)
  })

  it('refuses an unknown kid with 401 invalid_grant', async () => {
    expect(await reject(jwtWith({}, { kid: 'publickey-e00unknownunknown' }), 401)).toMatch(/kid/)
  })

  it('refuses a missing kid with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({}, { kid: undefined }), 400)).toMatch(/kid/)
  })

  it('refuses a signature by another key with 401 invalid_grant', async () => {
    const { header, claims } = validJwtParts(account)
    expect(await reject(signRs256(header, claims, other.privateKeyPem), 401)).toMatch(/signature/)
  })

  it('refuses a tampered payload with 401 invalid_grant', async () => {
    const [header, , signature] = validJwt(account).split('.')
    const claims = Buffer.from(
      JSON.stringify({ ...validJwtParts(account).claims, exp: now() + 301 }),
    ).toString('base64url')
    expect(await reject(`${header}.${claims}.${signature}`, 401)).toMatch(/signature/)
  })

  it('refuses iss different from sub with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({ iss: other.serviceAccountId }), 400)).toMatch(/iss/)
  })

  it('refuses a sub that does not own the kid with 401 invalid_grant', async () => {
    const jwt = jwtWith({ iss: other.serviceAccountId, sub: other.serviceAccountId })
    expect(await reject(jwt, 401)).toMatch(/own/)
  })

  it('refuses a wrong audience with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({ aud: 'https://auth.eu.nebius.com' }), 400)).toMatch(/aud/)
  })

  it('refuses an audience array, even one holding the right audience, with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({ aud: [AUDIENCE] }), 400)).toMatch(/aud/)
  })

  it('refuses an expired JWT with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({ iat: now() - 400, exp: now() - 100 }), 400)).toMatch(/expired/)
  })

  it('refuses iat more than 60 s in the future with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({ iat: now() + 120, exp: now() + 420 }), 400)).toMatch(/future/)
  })

  it('accepts iat up to 60 s in the future (clock skew)', async () => {
    const response = await postExchange(
      emulator.exchangeEndpoint,
      exchangeForm(jwtWith({ iat: now() + 30, exp: now() + 330 })),
    )
    expect(response.status).toBe(200)
  })

  it('refuses a lifetime over an hour with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({ iat: now(), exp: now() + 3601 }), 400)).toMatch(/lifetime/)
  })

  it('refuses non-integer times with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({ exp: now() + 300.5 }), 400)).toMatch(/integer/)
    expect(await reject(jwtWith({ iat: String(now()) }), 400)).toMatch(/integer/)
  })

  it.each(['iss', 'sub', 'aud', 'iat', 'exp'])(
    'refuses a JWT missing %s with 400 invalid_grant',
    async (claim) => {
      expect(await reject(jwtWith({ [claim]: undefined }), 400)).toMatch(claim)
    },
  )

  it.each([
    ['two segments', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0'],
    ['four segments', 'a.b.c.d'],
    ['non-base64url characters', 'eyJhbGciOiJSUzI1NiJ9.eyJ+In0=.abc'],
    ['a header that is not JSON', `${Buffer.from('not json').toString('base64url')}.e30.abc`],
    ['a header that is a JSON array', `${Buffer.from('[1]').toString('base64url')}.e30.abc`],
    ['a payload that is not JSON', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.bm90.abc`],
    ['plain text', 'hello'],
  ])('refuses a malformed token (%s) with 400 invalid_grant', async (_name, jwt) => {
    await reject(jwt, 400)
  })

  it('refuses a typ other than JWT with 400 invalid_grant', async () => {
    expect(await reject(jwtWith({}, { typ: 'at+jwt' }), 400)).toMatch(/typ/)
  })

  it('refuses an EC-signed JWT claiming RS256 with 401 invalid_grant', async () => {
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    })
    const { header, claims } = validJwtParts(account)
    await reject(signRs256(header, claims, ecKey.toString()), 401)
  })

  it('counts rejections in stats', () => {
    expect(emulator.stats().exchanges.rejected).toBeGreaterThanOrEqual(20)
  })
})
