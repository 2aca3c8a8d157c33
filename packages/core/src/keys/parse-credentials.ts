// The credentials JSON that the Nebius CLI writes and every Nebius SDK reads, parsed from text: portable,
// so a Worker can take it from a secret binding. Reading it from a file is credentials-file.ts (Node).
import { CredentialsError } from '../common/errors.js'
import { importPrivateKey } from './private-key.js'
import type { ServiceAccountKey } from '../common/types.js'

function invalid(message: string): CredentialsError {
  return new CredentialsError('ERR_CREDENTIALS_INVALID', message)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function requireString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name]
  if (value === undefined) throw invalid(`credentials field "subject-credentials.${name}" is missing`)
  if (typeof value !== 'string')
    throw invalid(`credentials field "subject-credentials.${name}" must be a string`)
  if (value.trim() === '') throw invalid(`credentials field "subject-credentials.${name}" is empty`)
  return value.trim()
}

/**
 * Parses the credentials JSON that the Nebius CLI writes (`nebius iam auth-public-key generate`) and every
 * Nebius SDK reads: `{"subject-credentials": {"type": "JWT", "alg": "RS256", "private-key": "<PEM>",
 * "kid": "<public key ID>", "iss": "<SA ID>", "sub": "<SA ID>"}}`.
 *
 * Every problem is a {@link CredentialsError} naming the field: `ERR_CREDENTIALS_INVALID` for the JSON
 * and its fields, `ERR_KEY_INVALID` for the key itself. Messages never quote the input.
 *
 * @example
 * ```ts
 * const key = await parseCredentials(process.env.NEBIUS_CREDENTIALS_JSON ?? '')
 * const assertion = await signAssertion(key)
 * ```
 */
export async function parseCredentials(json: string): Promise<ServiceAccountKey> {
  if (typeof json !== 'string') throw new TypeError('json must be a string')
  let document: unknown
  try {
    document = JSON.parse(json.replace(/^\uFEFF/, ''))
  } catch {
    // SyntaxError messages quote the input around the error, which may be the private key: drop them.
    throw invalid('the credentials are not valid JSON')
  }
  if (!isRecord(document)) throw invalid('the credentials must be a JSON object')
  const fields = document['subject-credentials']
  if (fields === undefined) throw invalid('credentials field "subject-credentials" is missing')
  if (!isRecord(fields)) throw invalid('credentials field "subject-credentials" must be an object')

  const type = fields.type
  if (type !== undefined && type !== '' && type !== 'JWT') {
    throw invalid('credentials field "subject-credentials.type" must be "JWT", "" or absent')
  }
  if (fields.alg !== 'RS256') {
    throw invalid(
      fields.alg === undefined
        ? 'credentials field "subject-credentials.alg" is missing'
        : 'credentials field "subject-credentials.alg" must be "RS256"',
    )
  }
  const issuer = requireString(fields, 'iss')
  const subject = requireString(fields, 'sub')
  // Nebius assertions are self-issued (RFC 7523 §3): the service account is both issuer and subject.
  if (issuer !== subject)
    throw invalid('credentials fields "subject-credentials.iss" and ".sub" must be equal')
  const publicKeyId = requireString(fields, 'kid')
  const pem = requireString(fields, 'private-key')

  try {
    return { serviceAccountId: subject, publicKeyId, privateKey: await importPrivateKey(pem) }
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unusable'
    throw new CredentialsError(
      'ERR_KEY_INVALID',
      `credentials field "subject-credentials.private-key": ${reason}`,
      {
        cause: error,
      },
    )
  }
}
