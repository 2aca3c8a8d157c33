/**
 * Which origin a grpc-js channel talks to, for the origin check: `https://host:port` over TLS,
 * `http://host:port` over a plaintext channel, from the channel's target (port 443 when the target has
 * none). grpc-js's own `service_url` drops the port, so the target is read instead.
 *
 * The check must read the same host grpc-js dials. Rather than guess how grpc-js and the resolver treat
 * `#`, `?`, `\`, `@`, `%`, IDNA dots or numeric shorthands (`127.1`), a target whose host is anything but a
 * plain ASCII name, a dotted IPv4 address or a bracketed IPv6 address has no origin, so it never gets a token.
 */

/** A host name as grpc-js hands it to the resolver untouched: ASCII letters, digits, dots and dashes. */
const plainHost = /^[a-z0-9.-]+$/i
const bracketedIPv6 = /^\[[0-9a-f:.]+\]$/i

/** `host:port`, `[v6]:port` or `host`; a comma-separated address list is not one origin. */
function splitHostPort(address: string): { host: string; port: string } | undefined {
  const bracketed = /^(\[[^\]]*\])(?::(\d{1,5}))?$/.exec(address)
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: bracketed[2] ?? '443' }
  const parts = address.split(':')
  if (parts.length === 1) return { host: address, port: '443' }
  if (parts.length === 2 && /^\d{1,5}$/.test(parts[1] ?? ''))
    return { host: parts[0] ?? '', port: parts[1] ?? '' }
  // A bare IPv6 address (no brackets) with no port.
  return /^[0-9a-f:]+$/i.test(address) ? { host: `[${address}]`, port: '443' } : undefined
}

/** A target split the way grpc-js's resolvers read it (gRPC naming doc). */
interface ParsedTarget {
  /** `dns://authority/…`: the DNS server that resolves the name; `''` for `dns:///…`. */
  readonly authority: string | undefined
  readonly address: string
}

/**
 * `dns:[//authority/]host[:port]`, `ipv4:`/`ipv6:` with one address, or a bare `host[:port]`. Scheme names
 * are matched as grpc-js matches them, case-sensitively: `DNS:host` is no scheme to grpc-js. Unix sockets
 * and other schemes have no origin and never get a token.
 */
function parseTarget(target: string): ParsedTarget | undefined {
  const scheme = /^([a-z0-9+.-]+):(.*)$/i.exec(target)
  if (scheme === null) return { authority: undefined, address: target }
  const [, name = '', rest = ''] = scheme
  switch (name) {
    case 'dns': {
      if (!rest.startsWith('//')) return { authority: undefined, address: rest }
      const slash = rest.indexOf('/', 2)
      if (slash === -1) return undefined
      return { authority: rest.slice(2, slash), address: rest.slice(slash + 1) }
    }
    case 'ipv4':
    case 'ipv6':
      return { authority: undefined, address: rest }
    default:
      // `localhost:50051` parses as scheme "localhost" with a port for a path: a bare host, not a scheme.
      return /^\d{1,5}$/.test(rest) ? { authority: undefined, address: target } : undefined
  }
}

/** The host exactly as the URL parser keeps it, or `undefined` when it would rewrite it into another host. */
function originURL(host: string, port: string, secure: boolean): URL | undefined {
  if (!plainHost.test(host) && !bracketedIPv6.test(host)) return undefined
  let url: URL
  try {
    url = new URL(`${secure ? 'https' : 'http'}://${host}:${port}/`)
  } catch {
    return undefined
  }
  // WHATWG URL turns `0x7f.1` or `127.1` into `127.0.0.1`; the resolver may not. An IPv6 literal is one
  // address however it is written, so only names must come through unchanged.
  if (!bracketedIPv6.test(host) && url.hostname !== host.toLowerCase()) return undefined
  return url
}

/**
 * The origin URL of a channel target, or `undefined` when the target has no single plain host (unix
 * sockets, address lists, other resolvers, hosts with characters the resolver might read differently).
 *
 * @example
 * ```ts
 * channelOrigin('dns:cpl.iam.api.nebius.cloud', true)?.host // 'cpl.iam.api.nebius.cloud' (TLS, port 443)
 * channelOrigin('localhost:50051', false)?.href // 'http://localhost:50051/'
 * channelOrigin('api.nebius.cloud#.evil.example:8443', true) // undefined
 * ```
 */
export function channelOrigin(target: string, secure: boolean): URL | undefined {
  const parsed = parseTarget(target)
  if (parsed === undefined || parsed.address.includes(',')) return undefined
  const parts = splitHostPort(parsed.address)
  if (parts === undefined || parts.host === '') return undefined
  return originURL(parts.host, parts.port, secure)
}

/**
 * Whether the target names its own DNS server (`dns://8.8.8.8/localhost:50051`): that server, not the
 * hosts file, says where even `localhost` is.
 *
 * @example
 * ```ts
 * namesDnsAuthority('dns://8.8.8.8/localhost:50051') // true
 * namesDnsAuthority('dns:///localhost:50051') // false
 * ```
 */
export function namesDnsAuthority(target: string): boolean {
  const authority = parseTarget(target)?.authority
  return authority !== undefined && authority !== ''
}
