import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, isAbsolute, join } from 'node:path'
import { CredentialsError } from '../common/errors.js'
import { sanitizeToken } from '../common/sanitize.js'
import { tokenProblem } from '../providers/static-token.js'
import { cached, cacheOptionsIn, type CachedOptions } from '../providers/cached.js'
import { named } from '../providers/named.js'
import type { AccessToken, TokenProvider } from '../common/types.js'

/**
 * Options of {@link cliToken}; the cache's ({@link CachedOptions}: `name`, `onEvent`, `now`, `cache`, …)
 * apply too.
 *
 * @example
 * ```ts
 * const options: CliTokenOptions = { profile: 'dev', timeout: 60_000, cacheDuration: 30 * 60_000 }
 * ```
 */
export interface CliTokenOptions extends CachedOptions {
  /** The CLI profile, passed as `--profile`. Default: none, so the CLI picks its own default profile. */
  profile?: string
  /** The executable to run, a name looked up on `PATH` or a path. Default `'nebius'`. Never run through a shell. */
  command?: string
  /** How long, in milliseconds, the CLI may run before it is killed. Default `30000` (30 s). */
  timeout?: number
  /**
   * How long, in milliseconds, a token from the CLI is used before the CLI is asked again. Default
   * `3600000` (1 hour). The CLI does not print the token's expiry; its tokens live 12 hours, but the CLI
   * may hand out one it issued hours earlier, so an hour stays well inside any token's life.
   */
  cacheDuration?: number
  /** The environment of the CLI process. Default: this process's environment. */
  env?: Record<string, string | undefined>
}

// An access token is a few kilobytes; anything far bigger is not the output of get-access-token.
const maximumOutput = 1024 * 1024
// Enough of stderr to tell what went wrong, short enough for a log line.
const maximumStderr = 500
// Known Nebius token shapes and JWTs, plus any long run of base64url characters that might be a secret.
const tokenLike = /\b(?:eyJ[\w-]*\.[\w.-]*|(?:v\d+|ne1|nd1)\.[\w.-]+)|[\w-]{40,}/g

/**
 * Makes the CLI's stderr safe for an error message: every token-like word is sanitized, whitespace is
 * collapsed to one line and the result is capped, so a CLI that echoes secrets cannot leak them.
 *
 * @internal Exported for tests.
 *
 * @example
 * ```ts
 * sanitizeCliOutput('refused v1.abc.c2lnbmF0dXJl\n') // 'refused v1.abc.**'
 * ```
 */
export function sanitizeCliOutput(text: string): string {
  const masked = text.replace(tokenLike, (match) => sanitizeToken(match))
  const line = masked.replace(/\s+/g, ' ').trim()
  return line.length > maximumStderr ? `${line.slice(0, maximumStderr)}…` : line
}

function checkOptions(options: CliTokenOptions): void {
  const { profile, command, timeout, cacheDuration, env } = options
  // A profile that looks like a flag would be parsed as one by the CLI; control characters are never a name.
  if (
    profile !== undefined &&
    (typeof profile !== 'string' || !/^[^-\s\p{Cc}][^\s\p{Cc}]*$/u.test(profile))
  ) {
    throw new TypeError(
      'cliToken: profile must be a non-empty name without whitespace, not starting with "-"',
    )
  }
  if (command !== undefined && (typeof command !== 'string' || command.trim() === '')) {
    throw new TypeError('cliToken: command must be a non-empty string')
  }
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new TypeError('cliToken: timeout must be a positive number of milliseconds')
  }
  if (cacheDuration !== undefined && !(Number.isFinite(cacheDuration) && cacheDuration > 0)) {
    throw new TypeError('cliToken: cacheDuration must be a positive number of milliseconds')
  }
  if (env !== undefined && (typeof env !== 'object' || (env as unknown) === null)) {
    throw new TypeError('cliToken: env must be an object')
  }
}

function runCli(
  command: string,
  args: readonly string[],
  options: { timeout: number; env: Record<string, string | undefined> | undefined; signal: AbortSignal },
): Promise<string> {
  const { timeout, env, signal } = options
  const shown = [command, ...args].join(' ')
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { encoding: 'utf8', timeout, maxBuffer: maximumOutput, windowsHide: true, env, signal },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout)
          return
        }
        // The execFile error is never attached as `cause`: it carries stdout, which may hold the token.
        if (error.name === 'AbortError') {
          reject(signal.reason as Error)
          return
        }
        const code = error.code
        if (code === 'ENOENT') {
          reject(new CredentialsError('ERR_CLI_NOT_FOUND', `The Nebius CLI was not found: ${command}`))
          return
        }
        let reason: string
        if (typeof code === 'string') {
          reason =
            code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
              ? `printed more than ${maximumOutput} bytes`
              : `could not be started (${code})`
        } else if (error.killed) {
          reason = `timed out after ${timeout} ms`
        } else if (typeof error.signal === 'string') {
          reason = `was killed by ${error.signal}`
        } else {
          reason = `exited with code ${code ?? 'unknown'}`
        }
        const detail = sanitizeCliOutput(stderr)
        reject(
          new CredentialsError(
            'ERR_CLI_FAILED',
            `\`${shown}\` ${reason}${detail === '' ? '' : `: ${detail}`}`,
          ),
        )
      },
    )
    // Closed stdin makes a CLI that would prompt fail at once instead of waiting for the timeout.
    child.stdin?.end()
  })
}

/**
 * A provider that runs the Nebius CLI, `nebius iam get-access-token [--profile P]`, for a user account's
 * token, and caches it.
 *
 * - The CLI runs through `execFile`, never a shell, with stdin closed and a 30 s timeout: a profile that
 *   needs an interactive login fails instead of hanging (log in once with the CLI itself).
 * - The token is reused for `cacheDuration` (1 hour) and refreshed in the background near its end; the
 *   CLI does not print the real expiry, so `expiresAt` is when this provider will ask again.
 * - Concurrent callers share one CLI run. `getToken({ rejected })` with the cached token runs the CLI again;
 *   if the CLI prints that same token, the cache refuses it (`ERR_TOKEN_REJECTED`) instead of handing it back.
 * - Errors are `CredentialsError`s: `ERR_CLI_NOT_FOUND` (no such command) and `ERR_CLI_FAILED` (non-zero
 *   exit, timeout, no usable token on stdout) with the CLI's stderr, sanitized and capped to 500
 *   characters. Stdout is never put in a message.
 *
 * @param options - See {@link CliTokenOptions}.
 *
 * @example
 * ```ts
 * import { cliToken } from '@nebius-auth/core'
 *
 * const provider = cliToken({ profile: 'dev' })
 * const { token } = await provider.getToken()
 * ```
 */
export function cliToken(options: CliTokenOptions = {}): TokenProvider & { close(): void } {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new TypeError('cliToken: options must be an object')
  checkOptions(options)
  const { profile, command = 'nebius', timeout = 30_000, cacheDuration = 3_600_000, env } = options
  const now = options.now ?? Date.now
  const args = ['iam', 'get-access-token', ...(profile === undefined ? [] : ['--profile', profile])]
  const shown = `${command} ${args.join(' ')}`

  async function fetchToken(signal: AbortSignal): Promise<AccessToken> {
    const startedAt = now()
    const output = (await runCli(command, args, { timeout, env, signal })).trim()
    const problem = tokenProblem(output)
    if (problem !== undefined) {
      throw new CredentialsError(
        'ERR_CLI_FAILED',
        `\`${shown}\` printed no usable token: its output ${problem}`,
      )
    }
    return { token: output, expiresAt: startedAt + cacheDuration }
  }

  return named(options.name ?? 'cli-token', cached(fetchToken, cacheOptionsIn(options)))
}

/**
 * Finds the Nebius CLI the way a shell would, without running one: the first `nebius` (`nebius.exe` on
 * Windows) that is an executable regular file in an absolute directory of `env.PATH`. Relative entries,
 * the empty one included, are skipped, because they would run whatever sits in the working directory.
 *
 * @example
 * ```ts
 * const command = await findCliOnPath(process.env) // '/usr/local/bin/nebius' or undefined
 * if (command !== undefined) cliToken({ command })
 * ```
 */
export async function findCliOnPath(env: Record<string, string | undefined>): Promise<string | undefined> {
  const windows = process.platform === 'win32'
  const directories = (env.PATH ?? env.Path ?? '').trim().split(delimiter)
  // execFile cannot run a .cmd without a shell, and a shell is what this lookup avoids.
  const name = windows ? 'nebius.exe' : 'nebius'
  for (const directory of directories) {
    if (!isAbsolute(directory)) continue
    const candidate = join(directory, name)
    const isFile = await stat(candidate).then(
      (stats) => stats.isFile(),
      () => false,
    )
    if (!isFile) continue
    const executable = await access(candidate, windows ? constants.F_OK : constants.X_OK).then(
      () => true,
      () => false,
    )
    if (executable) return candidate
  }
  return undefined
}
