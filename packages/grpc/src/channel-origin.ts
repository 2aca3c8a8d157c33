/**
 * Which origin a grpc-js channel talks to, for the origin check: `https://host:port` over TLS,
 * `http://host:port` over a plaintext channel, from the channel's target (port 443 when the target has
 * none). grpc-js's own `service_url` drops the port, so the target is read instead.
 */

/** `host:port`, `[v6]:port` or `host`; a comma-separated address list is not one origin. */
function splitHostPort(address: string): { host: string; port: string } | undefined {
  if (address === '' || address.includes(',') || address.includes('/')) return undefined
  const bracketed = /^(\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?$/.exec(address)
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: bracketed[2] ?? '443' }
  const parts = address.split(':')
  if (parts.length === 1) return { host: address, port: '443' }
  if (parts.length === 2 && /^\d{1,5}$/.test(parts[1] ?? ''))
    return { host: parts[0] ?? '', port: parts[1] ?? '' }
  // A bare IPv6 address (no brackets) with no port.
  return /^[0-9a-fA-F:]+$/.test(address) ? { host: `[${address}]`, port: '443' } : undefined
}

/**
 * The address part of a gRPC target (gRPC naming doc): `dns:[//authority/]host[:port]`, `ipv4:`/`ipv6:` with one
 * address, or a bare `host[:port]`. Unix sockets and other schemes have no origin and never get a token.
 */
function targetAddress(target: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(target)
  if (scheme === null) return target
  const [, name = '', rest = ''] = scheme
  switch (name.toLowerCase()) {
    case 'dns':
      return rest.startsWith('//') ? rest.slice(rest.indexOf('/', 2) + 1) : rest
    case 'ipv4':
    case 'ipv6':
      return rest
    default:
      // `localhost:50051` parses as scheme "localhost" with a port for a path: a bare host, not a scheme.
      return /^\d{1,5}$/.test(rest) ? target : undefined
  }
}

/**
 * The origin URL of a channel target, or `undefined` when the target has no single host (unix sockets,
 * address lists, other resolvers).
 *
 * @example
 * ```ts
 * channelOrigin('dns:cpl.iam.api.nebius.cloud', true)?.host // 'cpl.iam.api.nebius.cloud' (TLS, port 443)
 * channelOrigin('localhost:50051', false)?.href // 'http://localhost:50051/'
 * ```
 */
export function channelOrigin(target: string, secure: boolean): URL | undefined {
  const address = targetAddress(target.trim())
  const parts = address === undefined ? undefined : splitHostPort(address)
  if (parts === undefined || parts.host === '') return undefined
  try {
    return new URL(`${secure ? 'https' : 'http'}://${parts.host}:${parts.port}/`)
  } catch {
    return undefined
  }
}
