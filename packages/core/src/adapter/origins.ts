/**
 * Which URLs may receive a token. Adapters call the matcher on every attempt and every redirect hop,
 * so it is built once (patterns parsed and normalised up front) and is cheap per call.
 */
import { isLoopbackHost } from '../common/loopback.js'

export { isLoopbackHost }

/**
 * Origins that receive the token: `'https://host[:port]'` strings (a leading `*.` label allowed) or a predicate.
 *
 * @example
 * ```ts
 * const list: OriginsOption = ['https://*.nebius.cloud', 'http://127.0.0.1:8080']
 * const predicate: OriginsOption = (url) => url.hostname.endsWith('.api.nebius.cloud')
 * ```
 */
export type OriginsOption = readonly string[] | ((url: URL) => boolean)

/**
 * Origins every adapter allows unless told otherwise: Nebius's own API hosts, over https only.
 *
 * @example
 * ```ts
 * withNebiusAuth(fetch, { origins: [...defaultNebiusOrigins, 'https://api.example.com'] })
 * ```
 */
export const defaultNebiusOrigins: readonly string[] = ['https://*.nebius.cloud', 'https://*.nebius.com']

interface OriginPattern {
  readonly protocol: 'https:' | 'http:'
  /** Lower-case, punycode, no trailing dot; for a wildcard, the suffix after `*.`. */
  readonly hostname: string
  readonly wildcard: boolean
  readonly port: string
}

const defaultPorts: Record<string, string> = { 'https:': '443', 'http:': '80' }
const patternSyntax = /^(https?):\/\/(\*\.)?(\[[0-9a-f:.]+\]|[^/:?#@[\]\s*]+)(?::(\d{1,5}))?\/?$/i

function normaliseHostname(hostname: string): string {
  const lower = hostname.toLowerCase()
  // "api.nebius.cloud." and "api.nebius.cloud" are the same host to DNS; compare them as one.
  return lower.endsWith('.') ? lower.slice(0, -1) : lower
}

function effectivePort(url: URL): string {
  return url.port === '' ? (defaultPorts[url.protocol] ?? '') : url.port
}

function parsePattern(pattern: string, optionName: string): OriginPattern {
  const match = patternSyntax.exec(pattern.trim())
  if (match === null) {
    throw new TypeError(
      `${optionName}: each origin must look like 'https://host[:port]' or 'https://*.domain'`,
    )
  }
  const [, scheme = '', star, rawHost = '', port] = match
  const protocol = scheme.toLowerCase() === 'https' ? 'https:' : 'http:'
  // Let WHATWG URL do IDNA/punycode and IPv4 normalisation, exactly as it will for request URLs.
  const parsedHost = new URL(`${protocol}//${rawHost}`).hostname
  const wildcard = star !== undefined
  // Judged before the trailing dot goes: `http://localhost.` is a DNS name, not this machine.
  if (protocol === 'http:' && (wildcard || !isLoopbackHost(parsedHost))) {
    throw new TypeError(
      `${optionName}: plain http origins are allowed only for loopback hosts (localhost, 127.x, [::1])`,
    )
  }
  const hostname = normaliseHostname(parsedHost)
  return { protocol, hostname, wildcard, port: port ?? defaultPorts[protocol] ?? '' }
}

function matchesPattern(pattern: OriginPattern, url: URL, hostname: string): boolean {
  if (url.protocol !== pattern.protocol || effectivePort(url) !== pattern.port) return false
  if (!pattern.wildcard) return hostname === pattern.hostname
  // `*.example.com` covers any depth of subdomain but never the apex itself.
  return hostname.length > pattern.hostname.length + 1 && hostname.endsWith(`.${pattern.hostname}`)
}

/**
 * Plain http carries the token in clear text: only a loopback name may ever receive it that way. The
 * trailing-dot equivalence of https matching does not apply here (see {@link isLoopbackHost}).
 */
function transportAllowed(url: URL): boolean {
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && isLoopbackHost(url.hostname)
}

/**
 * Builds the origin check used by every adapter. With a list, the client's base URL origin (when given)
 * is added to it only when `origins` is omitted; with a predicate, the predicate decides, but plain
 * `http:` is still refused for anything but loopback.
 *
 * @example
 * ```ts
 * const allowed = createOriginMatcher(['https://*.nebius.cloud', 'http://127.0.0.1:8080'])
 * allowed(new URL('http://127.0.0.1:8080/v1/models')) // true: listed, and a loopback host
 * allowed(new URL('https://example.com/')) // false
 * ```
 */
export function createOriginMatcher(origins?: OriginsOption, baseURL?: string | URL): (url: URL) => boolean {
  if (typeof origins === 'function') {
    // Only a literal `true` is consent: a predicate that returns a truthy string by mistake sends nothing.
    return (url) => transportAllowed(url) && (origins(url) as unknown) === true
  }
  if (origins !== undefined && !Array.isArray(origins)) {
    throw new TypeError('origins: expected an array of origin strings or a predicate function')
  }
  const patterns: OriginPattern[] = (origins ?? defaultNebiusOrigins).map((origin) => {
    if (typeof origin !== 'string') throw new TypeError('origins: every entry must be a string')
    return parsePattern(origin, 'origins')
  })
  if (origins === undefined && baseURL !== undefined) {
    const base = baseURLOrigin(baseURL)
    if (base !== undefined) patterns.push(base)
  }
  // One-entry memo by href: a list's verdict depends on the URL alone, and clients that build a fresh URL
  // object per request (got) ask about the same href again and again, while each protocol, hostname and
  // port read allocates a string. Keyed on the href, never the object: URL objects are mutable.
  const verdict = (url: URL): boolean => {
    if (!transportAllowed(url)) return false
    const hostname = normaliseHostname(url.hostname)
    return patterns.some((pattern) => matchesPattern(pattern, url, hostname))
  }
  let lastHref: string | undefined
  let lastVerdict = false
  return (url) => {
    const { href } = url
    if (href !== lastHref) {
      lastVerdict = verdict(url)
      lastHref = href
    }
    return lastVerdict
  }
}

/** The base URL's origin as a pattern, or nothing when it is relative, not http(s), or plain http off loopback. */
function baseURLOrigin(baseURL: string | URL): OriginPattern | undefined {
  let url: URL
  try {
    url = new URL(baseURL)
  } catch {
    return undefined
  }
  if (!transportAllowed(url)) return undefined
  return {
    protocol: url.protocol as OriginPattern['protocol'],
    hostname: normaliseHostname(url.hostname),
    wildcard: false,
    port: effectivePort(url),
  }
}
