import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'

import { newId, type EmulatorState } from './state.js'
import type { CreateServiceAccountOptions, EmulatedServiceAccount, RegisteredKey } from './types.js'

/** The smallest RSA key Nebius accepts as an authorized key. */
const MINIMUM_KEY_BITS = 2048

function parsePublicKey(publicKeyPem: unknown): KeyObject {
  if (typeof publicKeyPem !== 'string') throw new TypeError('publicKeyPem must be a PEM string')
  // createPublicKey would happily derive a public key from a private one; a test that uploads its private
  // key by mistake should hear about it, as the real console would refuse it.
  if (publicKeyPem.includes('PRIVATE KEY'))
    throw new TypeError('publicKeyPem must be a public key, not a private key')
  let key: KeyObject
  try {
    key = createPublicKey({ key: publicKeyPem, format: 'pem' })
  } catch {
    throw new TypeError('publicKeyPem must be an RSA public key in PEM format')
  }
  if (key.asymmetricKeyType !== 'rsa') throw new TypeError('publicKeyPem must be an RSA public key')
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < MINIMUM_KEY_BITS) throw new TypeError(`publicKeyPem must be at least ${MINIMUM_KEY_BITS} bits`)
  return key
}

/** Registers `publicKeyPem` for `serviceAccountId` (a new account when omitted). */
export function registerKey(
  state: EmulatorState,
  publicKeyPem: string,
  serviceAccountId?: string,
): RegisteredKey {
  const publicKey = parsePublicKey(publicKeyPem)
  if (serviceAccountId !== undefined && (typeof serviceAccountId !== 'string' || serviceAccountId === '')) {
    throw new TypeError('serviceAccountId must be a non-empty string')
  }
  const owner = serviceAccountId ?? newId('serviceaccount')
  const publicKeyId = newId('publickey')
  state.serviceAccounts.add(owner)
  state.keys.set(publicKeyId, { publicKeyId, serviceAccountId: owner, publicKey })
  return { serviceAccountId: owner, publicKeyId }
}

/** Generates an RSA key pair, registers it for a new service account and returns the credentials. */
export function createServiceAccount(
  state: EmulatorState,
  options: CreateServiceAccountOptions = {},
): EmulatedServiceAccount {
  const keyBits = options.keyBits ?? 4096
  if (!Number.isSafeInteger(keyBits) || keyBits < MINIMUM_KEY_BITS || keyBits > 16384) {
    throw new TypeError(`keyBits must be an integer from ${MINIMUM_KEY_BITS} to 16384`)
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: keyBits })
  // PKCS#8 and SPKI: what `openssl genrsa` (OpenSSL 3) and `openssl rsa -pubout` write.
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const { serviceAccountId, publicKeyId } = registerKey(state, publicKeyPem)
  return {
    serviceAccountId,
    publicKeyId,
    privateKeyPem,
    publicKeyPem,
    credentials: {
      'subject-credentials': {
        type: 'JWT',
        alg: 'RS256',
        'private-key': privateKeyPem,
        kid: publicKeyId,
        iss: serviceAccountId,
        sub: serviceAccountId,
      },
    },
  }
}
