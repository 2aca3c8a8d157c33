import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { CredentialsError } from '../common/errors.js'
import { parseCliConfig, selectProfile, type CliProfile } from './cli-config.js'

/**
 * Options of {@link cliProfile}: the same choice of config file and profile as `fromEnvironment`.
 *
 * @example
 * ```ts
 * const options: CliProfileOptions = { profile: 'prod' }
 * ```
 */
export interface CliProfileOptions {
  /** The profile to read; wins over `NEBIUS_PROFILE` and the config's `default`. */
  profile?: string
  /** The CLI config file. Default `~/.nebius/config.yaml`; a file given here must exist. */
  configFile?: string
  /** The environment to read. Default `process.env`. `HOME` (or `USERPROFILE`) in it is the home directory. */
  env?: Record<string, string | undefined>
}

/**
 * Reads the Nebius CLI profile that `fromEnvironment` would use: the `profile` option, `NEBIUS_PROFILE`,
 * the config's `default`, then the only profile. Synchronous, so that a client's address can be decided
 * where the client is made (`nebiusAddress` in `@nebius-auth/grpc` reads the profile's `endpoint`).
 * `undefined` when there is no config file at the default path or it has no profiles. A `configFile` that
 * does not exist is `ERR_CREDENTIALS_NOT_FOUND`; an unreadable or invalid config `ERR_CONFIG_INVALID`; a
 * profile that is not there `ERR_PROFILE_NOT_FOUND` (all `CredentialsError`s). Node.js, Bun and Deno only.
 *
 * @example
 * ```ts
 * import { cliProfile } from '@nebius-auth/core'
 *
 * const endpoint = cliProfile()?.endpoint // 'api.nebius.cloud', as `nebius profile create` wrote it
 * ```
 */
export function cliProfile(options: CliProfileOptions = {}): CliProfile | undefined {
  const { profile, configFile } = options
  const env = options.env ?? process.env
  // With an injected environment, the real home directory is off limits: tests must not read it.
  const home =
    env.HOME?.trim() || env.USERPROFILE?.trim() || (options.env === undefined ? homedir() : undefined)
  const path = configFile ?? (home === undefined ? undefined : join(home, '.nebius', 'config.yaml'))
  if (path === undefined) return undefined
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (configFile === undefined) return undefined
      throw new CredentialsError('ERR_CREDENTIALS_NOT_FOUND', `CLI config ${configFile} does not exist`)
    }
    throw new CredentialsError(
      'ERR_CONFIG_INVALID',
      `CLI config ${path} cannot be read (${code ?? 'unknown error'})`,
      { cause: error },
    )
  }
  return selectProfile(parseCliConfig(text, { path, home }), { profile, env })
}
