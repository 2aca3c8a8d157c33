import type { Stats } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { CredentialsError, NebiusAuthError } from '../common/errors.js'
import { tokenProblem } from '../providers/static-token.js'
import type { AccessToken, GetTokenOptions, TokenProvider } from '../common/types.js'
import { concealToken } from '../common/sanitize.js'
import { abortable, markHonoursSignal } from '../common/abortable.js'
import { named } from '../providers/named.js'

/**
 * Options of {@link tokenFile}.
 *
 * @example
 * ```ts
 * const options: TokenFileOptions = { checkInterval: 5000 }
 * ```
 */
export interface TokenFileOptions {
  /**
   * How long, in milliseconds, a token read from the file is served before the file is checked again
   * (one `stat`, and a read only when the file changed). Default `1000`; `0` checks on every call.
   */
  checkInterval?: number
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  now?: () => number
}

// A token is a few kilobytes at most; a bigger file is the wrong file, and reading it would waste memory.
const maximumSize = 64 * 1024

interface Snapshot {
  readonly accessToken: AccessToken
  /** Identity of the file version the token came from: a changed value means the file was rewritten. */
  readonly version: string
  checkedAt: number
}

function versionOf(stats: Stats): string {
  // ino catches an atomic rename (and Kubernetes' symlink swap); mtime, ctime and size catch in-place writes.
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`
}

function fileError(path: string, error: unknown): CredentialsError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', `Token file ${path} does not exist`, {
      cause: error,
    })
  }
  return new CredentialsError(
    'ERR_TOKEN_FILE_UNREADABLE',
    `Token file ${path} cannot be read (${code ?? 'unknown error'})`,
    {
      cause: error,
    },
  )
}

async function readToken(path: string): Promise<{ token: string; version: string }> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw fileError(path, error)
  }
  try {
    // Reading through the same handle that was stat'ed ties the content to exactly that file version.
    const stats = await handle.stat()
    if (!stats.isFile())
      throw new CredentialsError('ERR_TOKEN_FILE_INVALID', `Token file ${path} is not a regular file`)
    if (stats.size > maximumSize) {
      throw new CredentialsError(
        'ERR_TOKEN_FILE_INVALID',
        `Token file ${path} is larger than ${maximumSize} bytes`,
      )
    }
    const token = (await handle.readFile('utf8')).trim()
    const problem = tokenProblem(token)
    // The content is a secret, so the message describes it and never quotes it.
    if (problem !== undefined)
      throw new CredentialsError('ERR_TOKEN_FILE_INVALID', `Token file ${path} ${problem}`)
    return { token, version: versionOf(stats) }
  } catch (error) {
    throw CredentialsError.isInstance(error) ? error : fileError(path, error)
  } finally {
    await handle.close()
  }
}

/**
 * A provider that reads an access token from a file, such as a token that a sidecar or a cron job keeps
 * fresh, and follows the file as it changes.
 *
 * - Nothing is read at construction: the file is read on the first `getToken`.
 * - The warm path stays cheap: a token is served from memory for `checkInterval` (1 s), then one `stat`
 *   decides whether the file changed (inode, size, mtime, ctime) and only then is it read again. Polling
 *   was chosen over `fs.watch` because watchers miss atomic renames and symlink swaps on some platforms
 *   and file systems (NFS, containers' bind mounts), and they need closing.
 * - `getToken({ rejected })` with the token this provider holds re-reads the file at once.
 * - The token is trimmed; its expiry is unknown, so `expiresAt` is `Infinity`.
 * - Errors are `CredentialsError`s: `ERR_CREDENTIALS_NOT_FOUND` (no file), `ERR_TOKEN_FILE_INVALID`
 *   (empty, several lines, whitespace inside, not a regular file, over 64 KiB) or
 *   `ERR_TOKEN_FILE_UNREADABLE` (permissions and other I/O errors). Messages never quote the content.
 *
 * @param path - The file's path.
 * @param options - See {@link TokenFileOptions}.
 *
 * @example
 * ```ts
 * import { tokenFile } from '@nebius-auth/core'
 *
 * const provider = tokenFile('/var/run/secrets/nebius/token')
 * const { token } = await provider.getToken()
 * ```
 */
export function tokenFile(path: string, options: TokenFileOptions = {}): TokenProvider & { close(): void } {
  if (typeof path !== 'string' || path === '')
    throw new TypeError('tokenFile: path must be a non-empty string')
  const { checkInterval = 1000, now = Date.now } = options
  if (!Number.isFinite(checkInterval) || checkInterval < 0) {
    throw new TypeError('tokenFile: checkInterval must be a finite number of milliseconds, 0 or more')
  }
  if (typeof now !== 'function') throw new TypeError('tokenFile: now must be a function')

  let snapshot: Snapshot | undefined
  let closed = false
  const throwIfClosed = (): void => {
    if (closed) throw new NebiusAuthError('ERR_PROVIDER_CLOSED', 'The token provider was closed')
  }
  // One check at a time: concurrent callers share it rather than each stat-ing and reading the file.
  let pending: Promise<Snapshot> | undefined

  async function check(force: boolean): Promise<Snapshot> {
    const startedAt = now()
    const current = snapshot
    if (current !== undefined && !force) {
      let stats: Stats
      try {
        stats = await stat(path)
      } catch (error) {
        // A token whose file was removed is not served on: the removal may be a revocation.
        snapshot = undefined
        throw fileError(path, error)
      }
      if (versionOf(stats) === current.version) {
        current.checkedAt = startedAt
        return current
      }
    }
    try {
      const { token, version } = await readToken(path)
      // Concealed: printing what getToken returned shows only the sanitized token.
      const accessToken: AccessToken = Object.freeze(
        concealToken({ token, expiresAt: Number.POSITIVE_INFINITY }),
      )
      snapshot = { accessToken, version, checkedAt: startedAt }
      return snapshot
    } catch (error) {
      snapshot = undefined
      throw error
    }
  }

  function shared(force: boolean): Promise<Snapshot> {
    pending ??= check(force).finally(() => {
      pending = undefined
    })
    return pending
  }

  // Marked as honouring the signal: an aborted call rejects at once, the shared check going on for others.
  const provider = markHonoursSignal({
    async getToken(callOptions: GetTokenOptions = {}): Promise<AccessToken> {
      const { signal, rejected } = callOptions
      signal?.throwIfAborted()
      throwIfClosed()
      const current = snapshot
      const refused = current !== undefined && rejected === current.accessToken.token
      if (current !== undefined && !refused && now() - current.checkedAt < checkInterval) {
        return current.accessToken
      }
      // The caller's signal ends only the caller's wait; the shared check finishes for everyone else.
      const { accessToken } = await abortable(shared(refused), signal)
      // close() may have run while the file was read: its token must not be handed out any more.
      throwIfClosed()
      return accessToken
    },
    peek(): AccessToken | undefined {
      const current = snapshot
      return current !== undefined && !closed && now() - current.checkedAt < checkInterval
        ? current.accessToken
        : undefined
    },
    /** Forgets the token read from the file; later calls reject with `ERR_PROVIDER_CLOSED`. */
    close(): void {
      closed = true
      snapshot = undefined
    },
  })
  return named('token-file', provider)
}
