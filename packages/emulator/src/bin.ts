#!/usr/bin/env node
/**
 * `nebius-auth-emulator --port <n> --ttl <s> [--dir <folder>] [--host <h>] [--key-bits <n>] [--grpc]`
 *
 * Starts the emulator, creates one service account, writes its credentials file (mode 0600) and prints
 * where everything is. With `--grpc` it also starts the TLS gRPC face and writes the certificate to trust
 * beside the credentials. Ctrl-C (SIGINT) or SIGTERM stops it and removes the temporary folder it made.
 *
 * @example
 * ```sh
 * npx nebius-auth-emulator --port 8080 --ttl 120
 * ```
 *
 * @packageDocumentation
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { startEmulator } from './server.js'

const USAGE = `Usage: nebius-auth-emulator [--port <n>] [--host <h>] [--ttl <seconds>] [--dir <folder>] [--key-bits <n>] [--grpc]

  --port      port to listen on (default: a free port)
  --host      interface to listen on (default: 127.0.0.1)
  --ttl       lifetime of issued access tokens in seconds (default: 43200)
  --dir       folder for credentials.json (default: a fresh temporary folder, removed on exit)
  --key-bits  RSA key size of the service account (default: 4096)
  --grpc      also serve gRPC over TLS (TokenExchangeService, ProfileService, TestService)
`

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new TypeError(`--${name} must be a non-negative integer`)
  return Number(value)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      ttl: { type: 'string' },
      dir: { type: 'string' },
      'key-bits': { type: 'string' },
      grpc: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help === true) {
    process.stdout.write(USAGE)
    return
  }
  const emulator = await startEmulator({
    port: integerOption(values.port, 'port'),
    host: values.host,
    tokenTtl: integerOption(values.ttl, 'ttl'),
    grpc: values.grpc === true,
  })
  const account = emulator.createServiceAccount({ keyBits: integerOption(values['key-bits'], 'key-bits') })
  const temporary = values.dir === undefined
  const folder = temporary
    ? await mkdtemp(join(tmpdir(), 'nebius-auth-emulator-'))
    : resolve(values.dir ?? '.')
  const credentialsFile = join(folder, 'credentials.json')
  await writeFile(credentialsFile, `${JSON.stringify(account.credentials, null, 2)}\n`, { mode: 0o600 })
  // `mode` only applies when the file is created; an existing file in --dir keeps its mode otherwise.
  await chmod(credentialsFile, 0o600)
  const grpcLines: string[] = []
  if (emulator.grpc !== undefined) {
    const rootCertFile = join(folder, 'grpc-root.pem')
    await writeFile(rootCertFile, emulator.grpc.rootCert)
    grpcLines.push(
      `gRPC target (TLS): ${emulator.grpc.address}`,
      `gRPC root certificate: ${rootCertFile}`,
      `  trust it with credentials.createSsl(readFileSync('${rootCertFile}')) in grpc-js,`,
      `  or: grpcurl -cacert ${rootCertFile} -H "authorization: Bearer $TOKEN" ${emulator.grpc.address} nebius.iam.v1.ProfileService/Get`,
    )
  }

  // Listen for signals before printing the banner: whoever waits for it may signal us at once.
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void emulator
      .close()
      .then(() => (temporary ? rm(folder, { recursive: true, force: true }) : undefined))
      .then(() => {
        process.stdout.write('nebius-auth-emulator stopped\n')
      })
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)

  process.stdout.write(
    [
      `nebius-auth-emulator listening on ${emulator.url}`,
      `exchange endpoint: ${emulator.exchangeEndpoint}`,
      `service account ID: ${account.serviceAccountId}`,
      `public key ID: ${account.publicKeyId}`,
      `credentials file: ${credentialsFile}`,
      ...grpcLines,
      '',
      'Point a @nebius-auth/core provider at it with the endpoint option:',
      `  serviceAccount({ credentialsFile: ${JSON.stringify(credentialsFile)}, endpoint: ${JSON.stringify(emulator.exchangeEndpoint)} })`,
      "or, for fromEnvironment() and adapters without a provider, with nebius-auth's own variable (not the Nebius CLI's):",
      `  export NEBIUS_AUTH_EXCHANGE_ENDPOINT=${emulator.exchangeEndpoint}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  )
}

main().catch((error: unknown) => {
  process.stderr.write(
    `nebius-auth-emulator: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`,
  )
  process.exitCode = 1
})
