/**
 * Real mode: a token from real Nebius IAM (or any exchange endpoint given with --endpoint), from a
 * credentials file, a CLI profile or the environment.
 */
import {
  fromEnvironment,
  NebiusAuthError,
  sanitizeToken,
  serviceAccount,
  type TokenProvider,
} from '@nebius-auth/core'
import { withNebiusAuth } from '@nebius-auth/fetch'
import { readFile } from 'node:fs/promises'

import { createProfileCall } from './grpc-clients.js'
import type { DemoConsole } from './output.js'

export interface RealModeOptions {
  credentials?: string | undefined
  profile?: string | undefined
  endpoint?: string | undefined
  metadataEndpoint?: string | undefined
  printToken: boolean
  url?: string | undefined
  /** Call `ProfileService/Get` over gRPC, like the Nebius docs' grpcurl example. */
  grpc: boolean
  grpcTarget?: string | undefined
  /** PEM file of a root certificate to trust for the gRPC target (default: the system's roots). */
  grpcRootCert?: string | undefined
}

/** The Nebius docs' example call: `grpcurl … cpl.iam.api.nebius.cloud:443 nebius.iam.v1.ProfileService/Get`. */
export const defaultGrpcTarget = 'cpl.iam.api.nebius.cloud:443'

/**
 * A server's or channel's error text as one line: the reason a call failed (an untrusted certificate,
 * a refused connection) is what the user needs, but never the token, should a server echo it.
 */
function oneLine(text: string, token: string): string {
  const masked = text.replaceAll(token, sanitizeToken(token))
  // eslint-disable-next-line no-control-regex -- collapsing line breaks and control characters is the point
  const line = masked.replace(/[\x00-\x1f\x7f]+/g, ' ').trim()
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}

async function callProfileService(
  options: RealModeOptions,
  provider: TokenProvider,
  token: string,
  out: DemoConsole,
): Promise<boolean> {
  const target = options.grpcTarget ?? defaultGrpcTarget
  const rootCert =
    options.grpcRootCert === undefined ? undefined : await readFile(options.grpcRootCert, 'utf8')
  // The token goes to this one target: its https origin, port 443 unless the target names another.
  const origin = `https://${/:\d+$/.test(target) ? target : `${target}:443`}`
  const profiles = createProfileCall('grpc-js', { target, rootCert }, { provider, origins: [origin] })
  try {
    const result = await profiles.get()
    const outcome =
      result.id !== undefined
        ? ` (${result.id})`
        : result.details === undefined || result.details === ''
          ? ''
          : `: ${oneLine(result.details, token)}`
    out.line(`gRPC ${target} nebius.iam.v1.ProfileService/Get → ${result.status}${outcome}`)
    return result.status === 'OK'
  } finally {
    profiles.close()
  }
}

function providerFor(options: RealModeOptions): TokenProvider & { close?: () => void } {
  const endpoint = options.endpoint === undefined ? {} : { endpoint: options.endpoint }
  if (options.credentials !== undefined)
    return serviceAccount({ credentialsFile: options.credentials, ...endpoint })
  return fromEnvironment({
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.metadataEndpoint === undefined ? {} : { metadataEndpoint: options.metadataEndpoint }),
    ...endpoint,
  })
}

function remaining(milliseconds: number): string {
  const minutes = Math.max(0, Math.floor(milliseconds / 60_000))
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** Returns the exit code. Errors are one line with the error code, on stderr. */
export async function runRealMode(
  options: RealModeOptions,
  out: DemoConsole,
  error: (line: string) => void,
): Promise<number> {
  let provider: (TokenProvider & { close?: () => void }) | undefined
  try {
    provider = providerFor(options)
    const token = await provider.getToken()
    if (options.printToken) {
      // The one place a raw token is printed, on purpose: `$(demo --print-token)` in scripts.
      process.stdout.write(`${token.token}\n`)
      return 0
    }
    out.line(`token    ${sanitizeToken(token.token)}`)
    out.line(
      `expires  ${new Date(token.expiresAt).toISOString()} (in ${remaining(token.expiresAt - Date.now())})`,
    )
    if (options.url !== undefined) {
      const target = new URL(options.url)
      const authorizedFetch = withNebiusAuth(fetch, { provider, origins: [target.origin] })
      const response = await authorizedFetch(target)
      await response.body?.cancel()
      out.line(`GET ${target.href} → ${response.status}`)
    }
    if (options.grpc && !(await callProfileService(options, provider, token.token, out))) return 1
    return 0
  } catch (caught) {
    const code = NebiusAuthError.isInstance(caught)
      ? caught.code
      : caught instanceof TypeError
        ? 'ERR_INVALID_ARGUMENT'
        : 'ERR_UNEXPECTED'
    const message = caught instanceof Error ? caught.message : String(caught)
    error(`error: ${message.split('\n')[0] ?? ''} (${code})`)
    return 1
  } finally {
    provider?.close?.()
  }
}
