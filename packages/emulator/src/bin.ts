#!/usr/bin/env node
/**
 * `nebius-auth-emulator --port <n> --ttl <s> [--dir <folder>] [--host <h>] [--key-bits <n>] [--grpc]`
 *
 * Starts the emulator, creates one service account, writes its credentials file (mode 0600) and prints
 * where everything is. With `--grpc` it also starts the TLS gRPC face and writes the certificate to trust
 * beside the credentials. Ctrl-C (SIGINT) or SIGTERM stops it and removes the temporary folder it made.
 * Any error exits with status 1 after closing what had started; only a wrong option also prints the usage.
 *
 * @example
 * ```sh
 * npx nebius-auth-emulator --port 8080 --ttl 120
 * ```
 *
 * @packageDocumentation
 */
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

import { startEmulator } from './server.js'

const USAGE = `Usage: nebius-auth-emulator [--port <n>] [--host <h>] [--ttl <seconds>] [--dir <folder>] [--key-bits <n>] [--grpc]

  --port      port to listen on (default: a free port)
  --host      interface to listen on (default: 127.0.0.1)
  --ttl       lifetime of issued access tokens in seconds (default: 43200)
  --dir       existing folder for credentials.json (default: a fresh temporary folder, removed on exit)
  --key-bits  RSA key size of the service account, 2048 to 16384 (default: 4096)
  --grpc      also serve gRPC over TLS (TokenExchangeService, ProfileService, TestService)
`

/** A wrong command line: the one kind of error that the usage text helps with. */
class UsageError extends Error {}

interface BinOptions {
  readonly port: number | undefined
  readonly host: string | undefined
  readonly tokenTtl: number | undefined
  readonly keyBits: number | undefined
  readonly dir: string | undefined
  readonly grpc: boolean
  readonly help: boolean
}

/** A whole number from `min` to `max` (no sign, no fraction, no exponent), or undefined when absent. */
function integerOption(
  value: string | undefined,
  name: string,
  min: number,
  max?: number,
): number | undefined {
  if (value === undefined) return undefined
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!(number >= min && number <= (max ?? Number.MAX_SAFE_INTEGER))) {
    const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`
    throw new UsageError(`--${name} must be an integer ${range}`)
  }
  return number
}

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  ttl: { type: 'string' },
  dir: { type: 'string' },
  'key-bits': { type: 'string' },
  grpc: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

// parseArgs's own errors (unknown option, missing value) are usage errors too.
function readArgs(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true }).values
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

/** Reads and checks every option before anything starts, so a wrong one never leaves a port held. */
function parseOptions(args: string[]): BinOptions {
  const values = readArgs(args)
  if (values.host === '') throw new UsageError('--host must not be empty')
  return {
    port: integerOption(values.port, 'port', 0, 65535),
    host: values.host,
    tokenTtl: integerOption(values.ttl, 'ttl', 1),
    // The emulator's own bounds for createServiceAccount: core refuses keys under 2048 bits anyway.
    keyBits: integerOption(values['key-bits'], 'key-bits', 2048, 16384),
    dir: values.dir === undefined ? undefined : resolve(values.dir),
    grpc: values.grpc === true,
    help: values.help === true,
  }
}

/** --dir must name an existing folder: say so before starting rather than after. */
async function checkFolder(folder: string): Promise<void> {
  const stats = await stat(folder).catch((error: unknown) => {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : String(error)
    throw new Error(`--dir ${folder}: ${reason}`)
  })
  if (!stats.isDirectory()) throw new Error(`--dir ${folder}: not a folder`)
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  if (options.help) {
    process.stdout.write(USAGE)
    return
  }
  if (options.dir !== undefined) await checkFolder(options.dir)
  const emulator = await startEmulator({
    port: options.port,
    host: options.host,
    tokenTtl: options.tokenTtl,
    grpc: options.grpc,
  })
  const temporary = options.dir === undefined
  let folder: string | undefined = options.dir
  // Closes what started and removes the temporary folder; safe to call twice.
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= emulator
      .close()
      .then(() =>
        temporary && folder !== undefined ? rm(folder, { recursive: true, force: true }) : undefined,
      ))

  try {
    const account = emulator.createServiceAccount({ keyBits: options.keyBits })
    folder ??= await mkdtemp(join(tmpdir(), 'nebius-auth-emulator-'))
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
      void close().then(() => {
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
  } catch (error) {
    await close()
    throw error
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`nebius-auth-emulator: ${message}\n${error instanceof UsageError ? USAGE : ''}`)
  // Everything that started is closed by now, so the process ends on its own with this status.
  process.exitCode = 1
})
