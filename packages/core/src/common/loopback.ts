// Which host names mean this machine: the one place plain http may carry a token, for the exchange and the
// adapters alike.

/**
 * True for hosts that never leave this machine, judged by the name alone: exactly `localhost`, 127.0.0.0/8
 * and `[::1]`. `localhost.` (trailing dot) is not loopback: glibc's resolver sends a fully qualified name to
 * DNS instead of reading /etc/hosts, so it reaches whatever DNS says.
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1') // true
 * isLoopbackHost('localhost.') // false
 * isLoopbackHost('api.nebius.cloud') // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true
  return /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host)
}
