import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type * as Yaml from 'yaml'
import { CredentialsError } from '../common/errors.js'

/**
 * One profile of the Nebius CLI's `~/.nebius/config.yaml`, with the fields nebius-auth uses. Paths have
 * `~` expanded, and a relative path is taken relative to the config file's folder (when the config was
 * read from a file), never to the program's working directory. `privateKey` (an inline PEM) is non-enumerable, so logging a profile does not print it.
 *
 * @example
 * ```ts
 * const profile: CliProfile | undefined = selectProfile(config, { env: process.env })
 * if (profile?.tokenFile !== undefined) tokenFile(profile.tokenFile)
 * ```
 */
export interface CliProfile {
  readonly name: string
  /** `'service account'` or `'federation'`; other values are kept as written. */
  readonly authType?: string
  readonly serviceAccountId?: string
  readonly publicKeyId?: string
  readonly privateKeyFilePath?: string
  readonly privateKey?: string
  readonly serviceAccountCredentialsFilePath?: string
  readonly tokenFile?: string
  /** `federated-subject-credentials-file-path`: a file holding an external OIDC JWT (federated credentials). */
  readonly federatedSubjectCredentialsFilePath?: string
  /** `impersonate-service-account-id`: the service account that whatever the profile yields acts as. */
  readonly impersonateServiceAccountId?: string
  /** The API domain, such as `api.nebius.cloud`: service addresses are `{api_service_name}.{endpoint}`. */
  readonly endpoint?: string
}

/**
 * A parsed CLI config: the default profile's name and every profile by name.
 *
 * @example
 * ```ts
 * const config: CliConfig = parseCliConfig(text, { path, home })
 * console.log(config.default, [...config.profiles.keys()])
 * ```
 */
export interface CliConfig {
  readonly path: string
  readonly default?: string
  readonly profiles: ReadonlyMap<string, CliProfile>
}

/**
 * Which profile a caller asked for: the `profile` option, else `NEBIUS_PROFILE` from `env`.
 *
 * @example
 * ```ts
 * selectProfile(config, { profile: 'prod', env: process.env } satisfies ProfileChoice)
 * ```
 */
export interface ProfileChoice {
  /** The `profile` option; it wins over everything. */
  profile?: string
  /** The environment; `NEBIUS_PROFILE` comes next. */
  env?: Record<string, string | undefined>
}

// YAML key → CliProfile property. Keys not listed (parent-id, federation-endpoint, …) are ignored.
const fields = {
  'auth-type': 'authType',
  'service-account-id': 'serviceAccountId',
  'public-key-id': 'publicKeyId',
  'private-key-file-path': 'privateKeyFilePath',
  'private-key': 'privateKey',
  'service-account-credentials-file-path': 'serviceAccountCredentialsFilePath',
  'token-file': 'tokenFile',
  'federated-subject-credentials-file-path': 'federatedSubjectCredentialsFilePath',
  'impersonate-service-account-id': 'impersonateServiceAccountId',
  endpoint: 'endpoint',
} as const
type ProfileField = (typeof fields)[keyof typeof fields]
const pathFields = new Set<ProfileField>([
  'privateKeyFilePath',
  'serviceAccountCredentialsFilePath',
  'tokenFile',
  'federatedSubjectCredentialsFilePath',
])

let yaml: typeof Yaml | undefined

/**
 * The yaml library, loaded on the first parse: it is most of core's import time, and only a CLI config needs
 * it. `require` keeps `parseCliConfig` synchronous; yaml's `node` export is the same CommonJS file that an
 * `import` would load, so there is still one copy of it.
 */
function loadYaml(): typeof Yaml {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml
  return yaml
}

function invalid(path: string, reason: string): CredentialsError {
  return new CredentialsError('ERR_CONFIG_INVALID', `CLI config ${path} ${reason}`)
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Expands a leading `~` (alone, or before `/` or `\`) to the home directory, as a shell would.
 * `~user` forms are left alone: the CLI does not write them.
 *
 * @example
 * ```ts
 * expandHome('~/.nebius/key.pem', '/home/ada') // '/home/ada/.nebius/key.pem'
 * ```
 */
export function expandHome(path: string, home: string | undefined): string {
  if (path !== '~' && !path.startsWith('~/') && !path.startsWith('~\\')) return path
  if (home === undefined || home === '')
    throw new TypeError('a path starts with ~ but no home directory is known')
  return join(home, path.slice(1))
}

function readProfile(
  name: string,
  value: unknown,
  path: string,
  home: string | undefined,
  folder: string | undefined,
): CliProfile {
  if (value === null || value === undefined) return { name }
  if (!isMapping(value)) throw invalid(path, `has a profile "${name}" that is not a mapping`)
  const profile: { name: string } & Partial<Record<ProfileField, string>> = { name }
  for (const [key, property] of Object.entries(fields) as [keyof typeof fields, ProfileField][]) {
    const field = value[key]
    // An empty YAML value (`token-file:`) is null: the same as leaving the field out.
    if (field === undefined || field === null) continue
    // Never the value in the message: `private-key` holds a PEM.
    if (typeof field !== 'string') throw invalid(path, `profile "${name}": ${key} must be a string`)
    const trimmed = field.trim()
    if (trimmed === '') continue
    if (!pathFields.has(property)) {
      profile[property] = trimmed
      continue
    }
    let expanded: string
    try {
      expanded = expandHome(trimmed, home)
    } catch {
      throw invalid(path, `profile "${name}": ${key} starts with ~ but no home directory is known`)
    }
    // A path written in a config file means a path next to that file, wherever the program runs from.
    profile[property] = folder === undefined || isAbsolute(expanded) ? expanded : resolve(folder, expanded)
  }
  const { privateKey } = profile
  if (privateKey !== undefined) {
    // Non-enumerable keeps the PEM out of console.log, util.inspect and JSON.stringify of the profile.
    delete profile.privateKey
    Object.defineProperty(profile, 'privateKey', { value: privateKey, enumerable: false })
  }
  return profile
}

/**
 * Parses the text of a Nebius CLI config. Errors are `CredentialsError`s with `ERR_CONFIG_INVALID`; a YAML
 * syntax error is reported by its code, line and column only, because the YAML library's own message
 * quotes the source, which may be an inline private key.
 *
 * @param text - The YAML text.
 * @param options - `path` for messages and, when given, the folder that relative paths start from; `home` to
 *   expand `~` in paths.
 *
 * @example
 * ```ts
 * const config = parseCliConfig('default: dev\nprofiles:\n  dev:\n    token-file: ~/token\n', { home: '/home/ada' })
 * config.profiles.get('dev')?.tokenFile // '/home/ada/token'
 * ```
 */
export function parseCliConfig(text: string, options: { path?: string; home?: string } = {}): CliConfig {
  const { path = 'config.yaml', home } = options
  const folder = options.path === undefined ? undefined : dirname(resolve(options.path))
  // logLevel 'error': the yaml library would otherwise print warnings that quote the config's text (which
  // may hold a private key) on stderr, and this library prints nothing but NODE_DEBUG lines.
  const document = loadYaml().parseDocument(text, { uniqueKeys: true, logLevel: 'error' })
  const [syntaxError] = document.errors
  if (syntaxError !== undefined) {
    const position = syntaxError.linePos?.[0]
    const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`
    throw invalid(path, `is not valid YAML (${syntaxError.code}${where})`)
  }
  let root: unknown
  try {
    root = document.toJS({ maxAliasCount: 100 })
  } catch {
    // Alias bombs and similar: the library's message may quote the source, so it is dropped.
    throw invalid(path, 'cannot be read as YAML data')
  }
  if (root === null || root === undefined) return { path, profiles: new Map() }
  if (!isMapping(root)) throw invalid(path, 'is not a YAML mapping')
  const { default: defaultName, profiles } = root
  if (defaultName !== undefined && defaultName !== null && typeof defaultName !== 'string') {
    throw invalid(path, 'has a default that is not a profile name')
  }
  if (profiles !== undefined && profiles !== null && !isMapping(profiles)) {
    throw invalid(path, 'has profiles that are not a mapping')
  }
  const parsed = new Map<string, CliProfile>()
  for (const [name, value] of Object.entries(profiles ?? {}))
    parsed.set(name, readProfile(name, value, path, home, folder))
  const trimmedDefault = typeof defaultName === 'string' ? defaultName.trim() : ''
  return trimmedDefault === ''
    ? { path, profiles: parsed }
    : { path, default: trimmedDefault, profiles: parsed }
}

/**
 * Reads and parses a Nebius CLI config file. A missing file gives `undefined`, so callers can move on to
 * other credential sources; an unreadable or invalid one is a `CredentialsError` (`ERR_CONFIG_INVALID`).
 *
 * @example
 * ```ts
 * const config = await readCliConfig(join(homedir(), '.nebius', 'config.yaml'), { home: homedir() })
 * ```
 */
export async function readCliConfig(
  path: string,
  options: { home?: string } = {},
): Promise<CliConfig | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new CredentialsError(
      'ERR_CONFIG_INVALID',
      `CLI config ${path} cannot be read (${code ?? 'unknown error'})`,
      {
        cause: error,
      },
    )
  }
  return parseCliConfig(text, { path, ...options })
}

function notFound(config: CliConfig, name: string, source: string): CredentialsError {
  const available = [...config.profiles.keys()].map((profile) => `"${profile}"`).join(', ')
  return new CredentialsError(
    'ERR_PROFILE_NOT_FOUND',
    `Profile "${name}" (${source}) is not in CLI config ${config.path}; ` +
      (available === '' ? 'it has no profiles' : `available: ${available}`),
  )
}

/**
 * Picks the profile to use: the `profile` option, then `NEBIUS_PROFILE`, then the config's `default`, then
 * the only profile. `undefined` when the config has no profiles and none was asked for. A named profile
 * that does not exist, or several profiles and no way to choose, is a `CredentialsError`
 * (`ERR_PROFILE_NOT_FOUND`) that lists the available profiles.
 *
 * @example
 * ```ts
 * const profile = selectProfile(config, { env: process.env })
 * ```
 */
export function selectProfile(config: CliConfig, choice: ProfileChoice = {}): CliProfile | undefined {
  const requested = choice.profile?.trim()
  const fromEnvironment = choice.env?.NEBIUS_PROFILE?.trim()
  const candidates: [string | undefined, string][] = [
    [requested, 'the profile option'],
    [fromEnvironment, 'NEBIUS_PROFILE'],
    [config.default, 'the config default'],
  ]
  for (const [name, source] of candidates) {
    if (name === undefined || name === '') continue
    const profile = config.profiles.get(name)
    if (profile === undefined) throw notFound(config, name, source)
    return profile
  }
  if (config.profiles.size <= 1) return config.profiles.values().next().value
  const available = [...config.profiles.keys()].map((profile) => `"${profile}"`).join(', ')
  throw new CredentialsError(
    'ERR_PROFILE_NOT_FOUND',
    `CLI config ${config.path} has several profiles and no default; set NEBIUS_PROFILE to one of ${available}`,
  )
}
