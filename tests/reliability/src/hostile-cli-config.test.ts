/**
 * Scenario 3, part four: the Nebius CLI config parser, reached the way users reach it: fromEnvironment
 * with an injected environment whose HOME holds an arbitrary ~/.nebius/config.yaml. The exchange fetch
 * refuses every assertion (a permanent error, so no backoff waits) and the VM metadata probe goes to a
 * closed port on 127.0.0.1.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { fromEnvironment } from '@nebius-auth/core'
import fc from 'fast-check'
import { afterAll, expect, it } from 'vitest'

import { pemSecrets, recordFigures, registerSecrets } from './support/collector.js'
import { expectTypedFailure, runs, secretAlphabet } from './support/hostile.js'

const home = mkdtempSync(join(tmpdir(), 'nebius-auth-reliability-home-'))
mkdirSync(join(home, '.nebius'))
const configPath = join(home, '.nebius', 'config.yaml')
const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string
writeFileSync(join(home, 'key.pem'), pem, { mode: 0o600 })
const fileToken = 'v1.CiQxZjY3.dG9rZW4tZmlsZS1zZWNyZXQtc2lnbmF0dXJl'
writeFileSync(join(home, 'token'), fileToken, { mode: 0o600 })
const fixedSecrets = [...pemSecrets(pem), fileToken.slice(fileToken.lastIndexOf('.') + 1)]
registerSecrets(fixedSecrets)

const tally = { resolved: 0, rejected: 0 }
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  recordFigures('hostile input: CLI config via fromEnvironment', { runs, ...tally })
})

const refuse = (): Promise<Response> =>
  Promise.resolve(Response.json({ error: 'invalid_grant', error_description: 'refused' }, { status: 400 }))

const secret = fc.stringMatching(secretAlphabet)
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
)
const profile = fc.record(
  {
    'auth-type': fc.oneof(fc.constantFrom('service account', 'federation', 'Service Account'), scalar),
    'service-account-id': fc.oneof(fc.constant('serviceaccount-e00abc'), scalar),
    'public-key-id': fc.oneof(fc.constant('publickey-e00abc'), scalar),
    'private-key': fc.oneof(fc.constant(pem), secret, scalar),
    'private-key-file-path': fc.oneof(
      fc.constantFrom('~/key.pem', '~/missing.pem', '~', '/dev/null'),
      scalar,
    ),
    'service-account-credentials-file-path': fc.oneof(fc.constantFrom('~/key.pem', '~/missing.json'), scalar),
    'token-file': fc.oneof(fc.constantFrom('~/token', '~/missing-token'), scalar),
    endpoint: scalar,
  },
  { requiredKeys: [] },
)
const config = fc.record(
  {
    default: fc.oneof(fc.constantFrom('main', 'other'), scalar),
    profiles: fc.oneof(
      fc.dictionary(fc.constantFrom('main', 'other', 'x'), fc.oneof(profile, scalar), { maxKeys: 3 }),
      scalar,
    ),
  },
  { requiredKeys: [] },
)
// JSON is YAML 1.2, so a JSON document is a valid config; the mutations then break it the ways YAML breaks.
const yamlText = fc.oneof(
  config.map((value) => JSON.stringify(value, null, 1)),
  fc
    .tuple(
      config.map((value) => JSON.stringify(value, null, 1)),
      fc.nat(),
      fc.constantFrom('&a ', '*a', ': ', '- ', '[', '{', '\t', '<<: *a\n', '"', '\n  private-key: |\n'),
    )
    .map(
      ([text, at, insert]) =>
        `${text.slice(0, at % (text.length + 1))}${insert}${text.slice(at % (text.length + 1))}`,
    ),
  fc.string({ maxLength: 80 }),
)

it('resolves a provider or rejects with a typed error that quotes no key, token or inline secret', async () => {
  await fc.assert(
    fc.asyncProperty(
      yamlText,
      fc.option(fc.constantFrom('main', 'other', 'nope'), { nil: undefined }),
      fc.option(fc.oneof(secret, fc.constant(' with space secret-value-xyz '), fc.constant('')), {
        nil: undefined,
      }),
      async (text, profileName, environmentToken) => {
        writeFileSync(configPath, text)
        const provider = fromEnvironment({
          env: { HOME: home, NEBIUS_PROFILE: profileName, NEBIUS_IAM_TOKEN: environmentToken },
          fetch: refuse,
          metadataEndpoint: 'http://127.0.0.1:9/v1/iam/sa/token',
        })
        // Generated secrets are long runs with capitals or digits; YAML keys are lower-case words.
        const inlineSecrets = [...text.matchAll(/[A-Za-z0-9_-]{20,48}/g)]
          .map((match) => match[0])
          .filter((value) => /[A-Z0-9]/.test(value))
        const secrets = [
          ...fixedSecrets,
          ...inlineSecrets,
          ...(environmentToken === undefined ? [] : [environmentToken.trim()]),
        ]
        try {
          // What getToken returns is printed in full today; src/printed-tokens.test.ts pins that apart.
          await provider.getToken()
          tally.resolved++
        } catch (error) {
          tally.rejected++
          expectTypedFailure(
            error,
            secrets.filter((value) => !/^(?:serviceaccount|publickey)-e00/.test(value)),
          )
        } finally {
          provider.close()
        }
      },
    ),
    { numRuns: runs },
  )
})

it('prints no process warning for a config whose keys are mappings', async () => {
  const warnings: string[] = []
  const listener = (warning: Error): void => {
    warnings.push(warning.message)
  }
  process.on('warning', listener)
  writeFileSync(configPath, '{{a: 1}: x}\n')
  const provider = fromEnvironment({
    env: { HOME: home },
    fetch: refuse,
    metadataEndpoint: 'http://127.0.0.1:9/v1/iam/sa/token',
  })
  await provider.getToken().catch(() => undefined)
  provider.close()
  // Warnings are emitted on the next tick; one more turn lets them arrive.
  await new Promise((resolve) => setImmediate(resolve))
  process.off('warning', listener)
  // docs/ARCHITECTURE.md, "Errors and events": no output besides NODE_DEBUG; the yaml library warns unless told not to.
  expect(warnings).toEqual([])
})
