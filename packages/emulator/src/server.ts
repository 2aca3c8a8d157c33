import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'

import { handleApi } from './api-handlers.js'
import { EXCHANGE_PATH, handleExchange } from './exchange-handler.js'
import { applyFault, createFaultQueue } from './faults.js'
import { authorizationHeaders, sendOAuthError } from './http-helpers.js'
import { createOidcIssuer, handleOidc, OIDC_PATH_PREFIX } from './oidc-issuer.js'
import { createServiceAccount, registerKey } from './service-accounts.js'
import { createState, validateTokenTtl, type EmulatorState } from './state.js'
import { createSelfSignedCertificate } from './tls-certificate.js'
import { startGrpcFace, type GrpcFace } from './grpc-face.js'
import type { Emulator, EmulatorGrpc, EmulatorOptions } from './types.js'
import { addFederatedCredentials, allowImpersonation } from './workload-identity-state.js'

function validateOptions(options: EmulatorOptions): void {
  const { port, host, tokenTtl, now } = options
  if (port !== undefined && (!Number.isSafeInteger(port) || port < 0 || port > 65535)) {
    throw new TypeError('options.port must be an integer from 0 to 65535')
  }
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    throw new TypeError('options.host must be a non-empty string')
  }
  if (tokenTtl !== undefined) validateTokenTtl(tokenTtl, 'options.tokenTtl')
  if (now !== undefined && typeof now !== 'function') throw new TypeError('options.now must be a function')
  if (options.grpc !== undefined && typeof options.grpc !== 'boolean') {
    throw new TypeError('options.grpc must be a boolean')
  }
  if (options.tls !== undefined && typeof options.tls !== 'boolean') {
    throw new TypeError('options.tls must be a boolean')
  }
}

function record(state: EmulatorState, request: IncomingMessage): void {
  const headers = authorizationHeaders(request)
  state.requests.push({
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    authorization: headers.length === 0 ? undefined : headers.join(', '),
    time: state.now(),
  })
}

/**
 * Starts a local Nebius IAM token exchange and protected API, on 127.0.0.1 and a free port by default.
 *
 * The exchange (`POST /oauth2/token/exchange`) verifies the subject JWT for real; the protected API
 * (`GET /v1/whoami`, `POST /v1/echo`, `/v1/redirect?to=…&status=…`) accepts only live tokens it issued.
 *
 * @param options - see {@link EmulatorOptions}; every field is optional.
 * @returns the running emulator; call `close()` when done.
 * @throws TypeError when an option is invalid.
 *
 * @example
 * ```ts
 * import { startEmulator, type Emulator } from '@nebius-auth/emulator'
 *
 * let emulator: Emulator
 * beforeAll(async () => { emulator = await startEmulator() })
 * afterAll(() => emulator.close())
 *
 * it('calls the API', async () => {
 *   const { credentials } = emulator.createServiceAccount({ keyBits: 2048 })
 *   // … exchange a JWT signed with credentials['subject-credentials']['private-key'] …
 * })
 * ```
 */
export async function startEmulator(
  options: EmulatorOptions & { readonly grpc: true },
): Promise<Emulator & { readonly grpc: EmulatorGrpc }>
export async function startEmulator(
  options: EmulatorOptions & { readonly tls: true },
): Promise<Emulator & { readonly rootCert: string }>
export async function startEmulator(options?: EmulatorOptions): Promise<Emulator>
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  validateOptions(options)
  const { port = 0, host = '127.0.0.1', tokenTtl = 43200, now = Date.now } = options
  const state = createState(now, tokenTtl)
  const faults = createFaultQueue()
  // Aborted on close() so that delayed faults stop waiting instead of holding timers.
  const closing = new AbortController()

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://emulator.invalid')
    if (url.pathname === EXCHANGE_PATH) {
      if (request.method !== 'POST') {
        request.resume()
        sendOAuthError(response, 405, 'method_not_allowed', 'use POST', { Allow: 'POST' })
        return
      }
      const fault = faults.take()
      if (fault !== undefined && (await applyFault(fault, request, response, closing.signal))) {
        state.counters.failed += 1
        return
      }
      await handleExchange(state, request, response)
    } else if (url.pathname.startsWith(OIDC_PATH_PREFIX)) {
      handleOidc(state, request, response, url)
    } else if (url.pathname.startsWith('/v1/')) {
      await handleApi(state, request, response, url)
    } else {
      request.resume()
      sendOAuthError(response, 404, 'not_found', 'no such endpoint')
    }
  }

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    record(state, request)
    route(request, response).catch(() => {
      // A request that errors mid-body (client gone) leaves nothing to answer; never crash the test run.
      if (!response.headersSent) sendOAuthError(response, 500, 'server_error', 'internal error')
      else response.destroy()
    })
  }
  const certificate =
    options.tls === true
      ? createSelfSignedCertificate([...new Set(['localhost', '127.0.0.1', '::1', host])])
      : undefined
  const server =
    certificate === undefined
      ? createServer(handle)
      : createHttpsServer({ cert: certificate.certificatePem, key: certificate.privateKeyPem }, handle)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `${certificate === undefined ? 'http' : 'https'}://${hostForUrl}:${address.port}`
  let grpc: GrpcFace | undefined
  if (options.grpc === true) {
    try {
      grpc = await startGrpcFace(state, faults, host, closing.signal)
    } catch (error) {
      server.close()
      throw error
    }
  }

  let closed: Promise<void> | undefined
  return {
    url,
    exchangeEndpoint: `${url}${EXCHANGE_PATH}`,
    ...(grpc === undefined ? {} : { grpc: { address: grpc.address, rootCert: grpc.rootCert } }),
    ...(certificate === undefined ? {} : { rootCert: certificate.certificatePem }),
    createServiceAccount: (accountOptions) => createServiceAccount(state, accountOptions),
    registerKey: (publicKeyPem, serviceAccountId) => registerKey(state, publicKeyPem, serviceAccountId),
    addFederatedCredentials: (bindingOptions) => addFederatedCredentials(state, bindingOptions),
    allowImpersonation: (grant) => {
      allowImpersonation(state, grant)
    },
    oidcIssuer: () => createOidcIssuer(state, url),
    revoke(token) {
      let count = 0
      for (const [value, tokenRecord] of state.tokens) {
        if ((token === undefined || value === token) && !tokenRecord.revoked) {
          tokenRecord.revoked = true
          count += 1
        }
      }
      return count
    },
    fail: (fault = {}) => {
      faults.add(fault)
    },
    clearFaults: () => {
      faults.clear()
    },
    setTokenTtl: (seconds) => {
      state.tokenTtl = validateTokenTtl(seconds, 'seconds')
    },
    stats: () => {
      const { accepted, rejected, failed, apiRequests, unauthorized } = state.counters
      return { exchanges: { accepted, rejected, failed }, apiRequests, unauthorized }
    },
    requests: () => state.requests.map((entry) => ({ ...entry })),
    clearRequests: () => {
      state.requests.length = 0
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort()
        grpc?.close()
        server.close(() => {
          resolve()
        })
        // Keep-alive sockets would otherwise hold the process (and server.close) open for seconds.
        server.closeAllConnections()
      })
      return closed
    },
  }
}
