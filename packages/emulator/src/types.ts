/**
 * Options for {@link startEmulator}.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ tokenTtl: 60, port: 0 })
 * ```
 */
export interface EmulatorOptions {
  /** TCP port to listen on. Default `0`: a free port chosen by the OS. */
  readonly port?: number
  /** Interface to listen on. Default `'127.0.0.1'`, so nothing outside the machine can reach it. */
  readonly host?: string
  /** Lifetime of issued access tokens, in seconds (`expires_in`). Default `43200` (12 hours, as Nebius). */
  readonly tokenTtl?: number
  /**
   * The emulator's clock in Unix epoch milliseconds, used for JWT `iat`/`exp` checks and token expiry.
   * Default `Date.now`. Inject one to test expiry without waiting.
   */
  readonly now?: () => number
  /**
   * Also start the gRPC face: a TLS gRPC server (certificate made at start for `localhost`, `127.0.0.1` and
   * `::1`) serving `nebius.iam.v1.TokenExchangeService/Exchange`, `nebius.iam.v1.ProfileService/Get` and the
   * emulator-only `nebius_auth.emulator.v1.TestService`. Default `false`.
   */
  readonly grpc?: boolean
  /**
   * Serve the HTTP face (exchange, API, OIDC issuers) over HTTPS with a certificate made at start for
   * `localhost`, `127.0.0.1` and `::1`; `url` becomes `https://127.0.0.1:<port>` and `rootCert` holds the
   * certificate to trust (`NODE_EXTRA_CA_CERTS`, or a client's CA option). For testing TLS, custom CAs
   * and proxies. Default `false`.
   */
  readonly tls?: boolean
}

/**
 * Where the gRPC face listens and the certificate to trust, as {@link Emulator.grpc} holds them.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ grpc: true })
 * const channel = credentials.createSsl(Buffer.from(emulator.grpc.rootCert))
 * new ProfileServiceClient(emulator.grpc.address, channel)
 * ```
 */
export interface EmulatorGrpc {
  /** `localhost:<port>`: a gRPC target, TLS only. */
  readonly address: string
  /** The self-signed certificate (PEM) the server presents; pass it as the channel's root certificate. */
  readonly rootCert: string
}

/**
 * The credentials file in the official format written by the Nebius CLI and read by every Nebius SDK.
 *
 * @example
 * ```ts
 * await writeFile('credentials.json', JSON.stringify(account.credentials), { mode: 0o600 })
 * ```
 */
export interface CredentialsFile {
  readonly 'subject-credentials': {
    readonly type: 'JWT'
    readonly alg: 'RS256'
    /** The private key as PKCS#8 PEM; `JSON.stringify` writes its newlines as `\n`. */
    readonly 'private-key': string
    readonly kid: string
    readonly iss: string
    readonly sub: string
  }
}

/**
 * Options for {@link Emulator.createServiceAccount}.
 *
 * @example
 * ```ts
 * const account = emulator.createServiceAccount({ keyBits: 2048 })
 * ```
 */
export interface CreateServiceAccountOptions {
  /** RSA modulus length. Default `4096`, as the Nebius docs' `openssl genrsa` command. At least 2048. */
  readonly keyBits?: number
}

/**
 * A service account with one authorized key, as {@link Emulator.createServiceAccount} returns it.
 *
 * @example
 * ```ts
 * const { serviceAccountId, publicKeyId, privateKeyPem } = emulator.createServiceAccount()
 * ```
 */
export interface EmulatedServiceAccount {
  /** `serviceaccount-e00…` */
  readonly serviceAccountId: string
  /** `publickey-e00…`, the JWT `kid`. */
  readonly publicKeyId: string
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`). */
  readonly privateKeyPem: string
  /** SPKI PEM (`BEGIN PUBLIC KEY`). */
  readonly publicKeyPem: string
  readonly credentials: CredentialsFile
}

/**
 * The IDs under which {@link Emulator.registerKey} stored a public key.
 *
 * @example
 * ```ts
 * const { serviceAccountId, publicKeyId } = emulator.registerKey(publicKeyPem)
 * ```
 */
export interface RegisteredKey {
  readonly serviceAccountId: string
  readonly publicKeyId: string
}

/**
 * A fault injected into the next `count` token exchanges (see {@link Emulator.fail}).
 *
 * Without `status` and `drop`, a fault only delays: the exchange is then handled normally.
 *
 * @example
 * ```ts
 * emulator.fail({ count: 2, status: 503, retryAfter: 1 })
 * emulator.fail({ drop: true })
 * emulator.fail({ status: 502, body: '<html>Bad gateway</html>', contentType: 'text/html' })
 * emulator.fail({ status: 200, body: { size: 10 * 1024 * 1024 } })
 * ```
 */
export interface Fault {
  /** How many exchanges this fault applies to. Default `1`. */
  readonly count?: number
  /** Status code to answer with instead of handling the exchange. */
  readonly status?: number
  /**
   * Body to answer with: text, bytes, or `{ size }` for that many bytes of filler (e.g. a 10 MB body).
   * Default: an RFC 6749 §5.2 JSON error matching `status`. `''` sends an empty body.
   */
  readonly body?: string | Uint8Array | { readonly size: number }
  /** Content type of `body`. Default `application/json` for the default body, none for a custom one. */
  readonly contentType?: string
  /** Milliseconds to wait before answering (or dropping, or handling normally). Default `0`. */
  readonly delay?: number
  /** Destroy the socket without answering. */
  readonly drop?: boolean
  /** `Retry-After` header value: seconds, or an HTTP date string. */
  readonly retryAfter?: number | string
}

/**
 * Counters since the emulator started.
 *
 * @example
 * ```ts
 * expect(emulator.stats().exchanges.accepted).toBe(1)
 * ```
 */
export interface EmulatorStats {
  readonly exchanges: {
    /** Exchanges that issued a token. */
    readonly accepted: number
    /** Exchanges refused with an RFC 6749 error (bad request or bad JWT). */
    readonly rejected: number
    /** Exchanges answered (or dropped) by an injected fault. */
    readonly failed: number
  }
  /** Requests to the protected API (`/v1/…`), whatever their outcome. */
  readonly apiRequests: number
  /** Protected API requests answered 401. */
  readonly unauthorized: number
}

/**
 * One request the emulator received, in arrival order.
 *
 * @example
 * ```ts
 * expect(emulator.requests().map((request) => request.authorization)).toEqual([undefined, `Bearer ${token}`])
 * ```
 */
export interface RecordedRequest {
  readonly method: string
  /** The request target as received: path and query string. */
  readonly path: string
  /** The `Authorization` header; several headers are joined with `', '` so duplicates show up. */
  readonly authorization: string | undefined
  /** Arrival time, Unix epoch milliseconds on the emulator's clock. */
  readonly time: number
}

/**
 * Options for {@link Emulator.addFederatedCredentials}: which external OIDC tokens may act for a service
 * account (tokens of `issuerUrl` whose `sub` is `subject`).
 *
 * @example
 * ```ts
 * emulator.addFederatedCredentials({
 *   serviceAccountId,
 *   issuerUrl: 'https://token.actions.githubusercontent.com',
 *   subject: 'repo:acme/app:ref:refs/heads/main',
 * })
 * ```
 */
export interface AddFederatedCredentialsOptions {
  /** The service account. Default: a new one. */
  readonly serviceAccountId?: string
  /** The issuer, exactly as tokens carry it in `iss`; `https:` (or `http:` to a loopback host). */
  readonly issuerUrl: string
  /** The `sub` claim a token must carry, e.g. `system:serviceaccount:<namespace>:<name>` on Kubernetes. */
  readonly subject: string
  /**
   * The issuer's public keys as a JWK Set (RS256/ES256). Default: fetched from
   * `${issuerUrl}/.well-known/openid-configuration` → `jwks_uri` when a token is presented.
   */
  readonly jwks?: { readonly keys: readonly object[] }
}

/**
 * A federated credential as {@link Emulator.addFederatedCredentials} stored it.
 *
 * @example
 * ```ts
 * const { serviceAccountId } = emulator.addFederatedCredentials({ issuerUrl, subject })
 * ```
 */
export interface FederatedCredentialsBinding {
  readonly serviceAccountId: string
  readonly issuerUrl: string
  readonly subject: string
}

/**
 * Options for {@link Emulator.allowImpersonation}.
 *
 * @example
 * ```ts
 * emulator.allowImpersonation({ actor: developer.serviceAccountId, serviceAccountId: deployer.serviceAccountId })
 * ```
 */
export interface AllowImpersonationOptions {
  /** The principal whose access tokens may act, e.g. a service account ID. */
  readonly actor: string
  /** The service account it may act as. */
  readonly serviceAccountId: string
}

/**
 * Options for {@link OidcIssuer.mint}.
 *
 * @example
 * ```ts
 * const jwt = issuer.mint({ subject: 'repo:acme/app:ref:refs/heads/main', audience: 'nebius', expiresIn: 600 })
 * ```
 */
export interface MintOptions {
  /** The `sub` claim. */
  readonly subject: string
  /** The `aud` claim. Default: none. */
  readonly audience?: string | readonly string[]
  /** Seconds from `issuedAt` to `exp`; negative for an already expired token. Default `300`. */
  readonly expiresIn?: number
  /** `iat` (and `nbf`), epoch ms. Default: the emulator's clock. */
  readonly issuedAt?: number
  /** Extra or overriding claims (`iss` too, for a token that lies about its issuer). */
  readonly claims?: Readonly<Record<string, unknown>>
}

/**
 * An OIDC issuer served by the emulator (see {@link Emulator.oidcIssuer}): what a CI system or a
 * Kubernetes cluster is to IAM, on 127.0.0.1.
 *
 * @example
 * ```ts
 * const issuer = emulator.oidcIssuer()
 * const { serviceAccountId } = emulator.addFederatedCredentials({ issuerUrl: issuer.issuerUrl, subject: 'ci' })
 * const jwt = issuer.mint({ subject: 'ci' })
 * ```
 */
export interface OidcIssuer {
  /** `${emulator.url}/oidc/<n>`; discovery is at `${issuerUrl}/.well-known/openid-configuration`. */
  readonly issuerUrl: string
  /** `${issuerUrl}/jwks` */
  readonly jwksUri: string
  /** The public JWK Set, for `addFederatedCredentials({ jwks })`. */
  jwks(): { keys: object[] }
  /** An RS256 JWT signed with the current key. */
  mint(options: MintOptions): string
  /** Start signing with a new key; the old one stays published. */
  rotateKey(): void
}

/**
 * A running emulator (see {@link startEmulator}).
 *
 * @example
 * ```ts
 * const emulator = await startEmulator()
 * const account = emulator.createServiceAccount()
 * // … point the code under test at emulator.exchangeEndpoint and emulator.url …
 * await emulator.close()
 * ```
 */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`, without a trailing slash. */
  readonly url: string
  /** `${url}/oauth2/token/exchange` */
  readonly exchangeEndpoint: string
  /** The gRPC face, when started with `{ grpc: true }`. */
  readonly grpc?: EmulatorGrpc
  /** The self-signed certificate (PEM) of the HTTPS face, when started with `{ tls: true }`. */
  readonly rootCert?: string
  /** Make a service account with a fresh RSA key pair and register its public key. */
  createServiceAccount(options?: CreateServiceAccountOptions): EmulatedServiceAccount
  /** Register an RSA public key (SPKI or PKCS#1 PEM, ≥ 2048 bits); a new service account unless one is named. */
  registerKey(publicKeyPem: string, serviceAccountId?: string): RegisteredKey
  /**
   * Let external OIDC tokens act for a service account (federated credentials): exchanges with
   * `subject_token` = the account ID and `actor_token` = a JWT of `issuerUrl` whose `sub` is `subject`,
   * signature, `iss`, `sub` and `exp` checked, succeed; anything else is `invalid_grant`.
   */
  addFederatedCredentials(options: AddFederatedCredentialsOptions): FederatedCredentialsBinding
  /** Let the access tokens of `actor` be exchanged for `serviceAccountId`'s own (impersonation). */
  allowImpersonation(options: AllowImpersonationOptions): void
  /** A new OIDC issuer on this emulator: discovery, JWKS, and tokens minted on demand. */
  oidcIssuer(): OidcIssuer
  /** Revoke one access token, or every current one without an argument; returns how many were revoked. */
  revoke(token?: string): number
  /** Inject a fault into the next exchanges; several calls queue up in order. */
  fail(fault?: Fault): void
  /** Drop every queued fault. */
  clearFaults(): void
  /** Set the lifetime, in seconds, of tokens issued from now on. */
  setTokenTtl(seconds: number): void
  stats(): EmulatorStats
  /** A copy of every request received so far. */
  requests(): RecordedRequest[]
  /** Forget the recorded requests. */
  clearRequests(): void
  /** Stop listening and close every connection, keep-alive ones included. */
  close(): Promise<void>
}
