import { readFile, stat } from 'node:fs/promises'

import { CredentialsError } from '../common/errors.js'

// Node-only: the one piece of federated credentials that touches the file system, kept apart so that
// the rest (external-token.ts, federated-credentials.ts) stays portable.

// A projected service-account token or a CI's OIDC token is a few kilobytes; anything larger is the wrong file.
const maximumSize = 64 * 1024

/**
 * Reads an external OIDC token file (a Kubernetes projected service-account token, a CI job's token)
 * afresh. Called for every exchange, because the kubelet rewrites the file as the token rotates.
 * Messages name the path and the errno code, never the content.
 *
 * @example
 * ```ts
 * const jwt = await readExternalTokenFile('/var/run/secrets/tokens/nebius-token')
 * ```
 */
export async function readExternalTokenFile(path: string): Promise<string> {
  try {
    const stats = await stat(path)
    if (!stats.isFile()) {
      throw new CredentialsError(
        'ERR_EXTERNAL_TOKEN_INVALID',
        `External token file ${path} is not a regular file`,
      )
    }
    if (stats.size > maximumSize) {
      throw new CredentialsError(
        'ERR_EXTERNAL_TOKEN_INVALID',
        `External token file ${path} is larger than ${maximumSize} bytes`,
      )
    }
    return await readFile(path, 'utf8')
  } catch (error) {
    if (CredentialsError.isInstance(error)) throw error
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    const missing = code === 'ENOENT' || code === 'ENOTDIR'
    throw new CredentialsError(
      missing ? 'ERR_CREDENTIALS_NOT_FOUND' : 'ERR_EXTERNAL_TOKEN_UNAVAILABLE',
      missing
        ? `External token file ${path} does not exist`
        : `External token file ${path} cannot be read (${code ?? 'unknown error'})`,
      { cause: error },
    )
  }
}
