const mask = '**'

// Nebius access tokens (`v1.`), their newer forms (`ne1.`, `nd1.`) and JWTs (RFC 7519 §3: the base64url
// of `{"` is `eyJ`) have the shape `<public>.<public>.<signature>`: only the last part is the secret.
const structuredToken = /^(?:v1|ne1|nd1|eyJ[A-Za-z0-9_-]*)\.[^.]+\.[^.]+$/

// The generic rule: at most this many leading characters, and never more than half of the token.
const maximumPrefix = 15

/**
 * Makes a token safe for logs, following the Nebius SDKs' rule, made stricter. The mask is `**`.
 *
 * - `v1.a.b`, `ne1.a.b`, `nd1.a.b` and JWTs (`eyJ…`): the leading, non-secret parts are kept and the
 *   signature part is masked: `v1.a.**`.
 * - `v0.x` and anything else: at most the first 15 characters, never more than half of the token, then `**`.
 *
 * The result never contains the whole secret part of the token.
 *
 * @example
 * ```ts
 * sanitizeToken('v1.CiQxZjY3.c2lnbmF0dXJl') // 'v1.CiQxZjY3.**'
 * sanitizeToken('some-opaque-token-value')  // 'some-opaque**'
 * ```
 */
export function sanitizeToken(token: string): string {
  if (typeof token !== 'string') return mask
  let secret: string | undefined
  if (structuredToken.test(token)) {
    const cut = token.lastIndexOf('.') + 1
    secret = token.slice(cut)
    const kept = token.slice(0, cut)
    if (!kept.includes(secret)) return `${kept}${mask}`
    // The public parts happen to contain the signature: fall through to the generic rule.
  }
  const kept = token.slice(0, Math.min(maximumPrefix, Math.floor(token.length / 2)))
  const result = `${kept}${mask}`
  // Even half a token must not hold a short signature whole, and a token ending in `*` could be completed
  // by the mask itself ('a*' → 'a**'): then show nothing but the mask.
  return (secret !== undefined && kept.includes(secret)) || result.includes(token) ? mask : result
}

/**
 * Replaces every occurrence of the given secrets, and of the signature part of any of them, in text that
 * came from elsewhere (a server's `error_description` may echo the assertion it refused).
 *
 * @example
 * ```ts
 * redactSecrets('bad assertion eyJh.eyJp.c2ln', [assertion]) // 'bad assertion eyJh.eyJp.**'
 * ```
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) {
    if (secret.length === 0) continue
    result = result.split(secret).join(sanitizeToken(secret))
    const signature = secret.slice(secret.lastIndexOf('.') + 1)
    // Short fragments would also match innocent words; signatures are long.
    if (signature !== secret && signature.length >= 16) result = result.split(signature).join(mask)
  }
  // Anything else that looks like a JWT is someone's credential too.
  return result.replace(/eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, (jwt) => sanitizeToken(jwt))
}

/**
 * Gives an object holding a `token` a `toJSON` and a `util.inspect` form that show the token sanitized.
 * The `token` property itself stays an ordinary, readable, enumerable property so spreading still works;
 * the two methods are non-enumerable so they do not show up either.
 *
 * @example
 * ```ts
 * const result = concealToken({ token: 'v1.abc.secret', expiresAt: 0 })
 * JSON.stringify(result) // '{"token":"v1.abc.**","expiresAt":0}'
 * result.token           // 'v1.abc.secret'
 * ```
 */
export function concealToken<T extends { token: string }>(value: T): T {
  const visible = (): Record<string, unknown> => ({ ...value, token: sanitizeToken(value.token) })
  Object.defineProperties(value, {
    toJSON: { value: visible, enumerable: false },
    // util.inspect.custom by its registered name (no node:util import); Node passes its own inspect along.
    [Symbol.for('nodejs.util.inspect.custom')]: {
      value: (_depth: number, options: object, inspect?: (value: unknown, options: object) => string) =>
        `AccessToken ${inspect === undefined ? JSON.stringify(visible()) : inspect(visible(), options)}`,
      enumerable: false,
    },
  })
  return value
}
