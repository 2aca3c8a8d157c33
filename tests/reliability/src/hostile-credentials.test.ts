/**
 * Scenario 3, part three: the credentials JSON parser and PEM import against arbitrary and mutated input.
 * A few real keys are generated once; the properties mutate them, so each run stays cheap.
 */
import { generateKeyPairSync } from 'node:crypto'

import { importPrivateKey, parseCredentials } from '@nebius-auth/core/advanced'
import fc from 'fast-check'
import { afterAll, it } from 'vitest'

import { pemSecrets, recordFigures, recordInspect, registerSecrets } from './support/collector.js'
import { expectTypedFailure, runs, secretAlphabet } from './support/hostile.js'

const passphrase = 'correct-horse-battery-staple-passphrase'
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const keys = {
  pkcs8: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  pkcs1: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
  encryptedPkcs8: rsa.privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase,
  }) as string,
  encryptedPkcs1: rsa.privateKey.export({
    type: 'pkcs1',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase,
  }) as string,
  ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string,
  small: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  }) as string,
  public: rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string,
}
const allSecrets = [...Object.values(keys).flatMap(pemSecrets), passphrase]
registerSecrets(allSecrets)

const tally = { credentialsResolved: 0, credentialsRejected: 0, pemResolved: 0, pemRejected: 0 }
afterAll(() => {
  recordFigures('hostile input: credentials JSON and PEM import', { runsEach: runs, ...tally })
})

const basePem = fc.constantFrom(...Object.values(keys))
/** A real key, whole or damaged the ways a copy-paste or a transport damages it. */
const mutatedPem = fc.oneof(
  basePem,
  basePem.chain((pem) => fc.nat({ max: pem.length }).map((cut) => pem.slice(0, cut))),
  basePem.chain((pem) =>
    fc
      .tuple(fc.nat({ max: pem.length - 1 }), fc.string({ minLength: 1, maxLength: 8 }))
      .map(([at, text]) => `${pem.slice(0, at)}${text}${pem.slice(at + 1)}`),
  ),
  basePem.map((pem) => pem.replace(/\n/g, '\r\n')),
  basePem.map((pem) => pem.replace(/\n/g, '\\n')),
  basePem.map((pem) => `  ${pem}\n${keys.public}`),
  fc
    .tuple(
      basePem,
      fc.constantFrom('PRIVATE KEY', 'RSA PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'CERTIFICATE', 'X'),
    )
    .map(([pem, label]) => pem.replace(/(BEGIN|END) [A-Z ]+-----/g, `$1 ${label}-----`)),
)

it('imports a PEM or rejects with a typed error that quotes neither key nor passphrase', async () => {
  await fc.assert(
    fc.asyncProperty(
      mutatedPem,
      fc.option(fc.oneof(fc.constant(passphrase), fc.stringMatching(secretAlphabet)), { nil: undefined }),
      async (pem, given) => {
        try {
          const key = await importPrivateKey(pem, given === undefined ? {} : { passphrase: given })
          tally.pemResolved++
          if (tally.pemResolved % 100 === 1) recordInspect(key)
        } catch (error) {
          tally.pemRejected++
          expectTypedFailure(error, [...allSecrets, ...(given === undefined ? [] : [given])])
        }
      },
    ),
    { numRuns: runs },
  )
})

const field = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
)
const id = fc.constantFrom('serviceaccount-e00abc', 'serviceaccount-e00xyz')
const credentialsObject = fc.record(
  {
    type: fc.oneof(fc.constantFrom('JWT', ''), field),
    alg: fc.oneof(fc.constant('RS256'), field),
    'private-key': fc.oneof(mutatedPem, fc.stringMatching(secretAlphabet), field),
    kid: fc.oneof(fc.constant('publickey-e00abc'), field),
    iss: fc.oneof(id, field),
    sub: fc.oneof(id, field),
  },
  { requiredKeys: [] },
)
const credentialsText = fc.oneof(
  credentialsObject.map((fields) => JSON.stringify({ 'subject-credentials': fields })),
  credentialsObject
    .map((fields) => JSON.stringify({ 'subject-credentials': fields }))
    .chain((text) => fc.nat({ max: text.length }).map((cut) => text.slice(0, cut))),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 100 }),
)

it('parses credentials or rejects with a typed error that never quotes the private key', async () => {
  await fc.assert(
    fc.asyncProperty(credentialsText, async (text) => {
      const inline = /"private-key":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1]
      const extra = inline === undefined ? [] : [inline, ...pemSecrets(inline.replace(/\\n/g, '\n'))]
      try {
        const key = await parseCredentials(text)
        tally.credentialsResolved++
        if (tally.credentialsResolved % 100 === 1) recordInspect(key)
      } catch (error) {
        tally.credentialsRejected++
        expectTypedFailure(error, [...allSecrets, ...extra])
      }
    }),
    { numRuns: runs },
  )
})
