import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterEach, describe, expect, it } from 'vitest'

import { exchangeForm, postExchange, signRs256, AUDIENCE } from './jwt.test-support.js'

// The bin runs from dist, as `npx nebius-auth-emulator` would; vitest.global-setup.ts builds it first.
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js')

const children: ChildProcessWithoutNullStreams[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
})

interface Started {
  child: ChildProcessWithoutNullStreams
  output: Record<string, string>
  /** The whole banner as printed. */
  banner: string
}

/** Spawns the bin and waits for its banner; returns the printed values by label. */
async function spawnBin(...args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, '--key-bits', '2048', ...args])
  children.push(child)
  let stdout = ''
  child.stdout.setEncoding('utf8')
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      if (stdout.includes('Press Ctrl-C')) resolve()
    })
    child.once('exit', (code) => {
      reject(new Error(`bin exited with ${code}`))
    })
  })
  const output: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const match = /^(.+?)(?:: | on )(\S+)$/.exec(line)
    if (match?.[1] !== undefined && match[2] !== undefined) output[match[1]] = match[2]
  }
  return { child, output, banner: stdout }
}

/** Runs the bin to its exit; fails the test if it is still running after a few seconds. */
async function runToExit(
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, '--key-bits', '2048', ...args])
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = once(child, 'exit') as Promise<[number | null]>
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => {
      reject(new Error(`bin still running after 8 s; stderr: ${stderr}`))
    }, 8000).unref(),
  )
  const [code] = await Promise.race([exited, timeout])
  return { code, stdout, stderr }
}

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function stop(child: ChildProcessWithoutNullStreams, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null]>
  child.kill(signal)
  const [code] = await exited
  return code
}

describe('nebius-auth-emulator bin', () => {
  it('writes a 0600 credentials file that a node:crypto JWT can be exchanged with, and stops on SIGTERM', async () => {
    const { child, output, banner } = await spawnBin('--ttl', '120')
    const file = output['credentials file']!
    const endpoint = output['exchange endpoint']!
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2\/token\/exchange$/)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const { 'subject-credentials': credentials } = JSON.parse(await readFile(file, 'utf8')) as {
      'subject-credentials': Record<string, string>
    }
    expect(credentials.iss).toBe(output['service account ID'])
    // How to point a provider at it: the endpoint option, and this library's own environment variable.
    expect(banner).toContain(
      `serviceAccount({ credentialsFile: ${JSON.stringify(file)}, endpoint: ${JSON.stringify(endpoint)} })`,
    )
    expect(banner).toContain(`\n  export NEBIUS_AUTH_EXCHANGE_ENDPOINT=${endpoint}\n`)
    expect(credentials.kid).toBe(output['public key ID'])

    const iat = Math.floor(Date.now() / 1000)
    const jwt = signRs256(
      { alg: 'RS256', typ: 'JWT', kid: credentials.kid },
      { iss: credentials.iss, sub: credentials.sub, aud: AUDIENCE, iat, exp: iat + 300 },
      credentials['private-key']!,
    )
    const response = await postExchange(endpoint, exchangeForm(jwt))
    expect(response.status).toBe(200)
    expect(((await response.json()) as { expires_in: number }).expires_in).toBe(120)

    expect(await stop(child, 'SIGTERM')).toBe(0)
    expect(existsSync(dirname(file))).toBe(false)
  })

  it('writes into --dir, keeps the file, and stops on SIGINT', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'emulator-bin-test-'))
    try {
      const { child, output } = await spawnBin('--dir', folder)
      expect(output['credentials file']).toBe(join(folder, 'credentials.json'))
      expect(await stop(child, 'SIGINT')).toBe(0)
      expect(existsSync(join(folder, 'credentials.json'))).toBe(true)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it.each(
    [
      ['--port', 'abc'],
      ['--port', '65536'],
      ['--key-bits', 'abc'],
      ['--key-bits', '0'],
      ['--key-bits', '1024'],
      ['--ttl', '0'],
      ['--no-such-option'],
    ].map((args) => [args.join(' '), args] as const),
  )('exits with 1 and the usage on %s, holding no port', async (_, args) => {
    const { code, stdout, stderr } = await runToExit(...args)
    expect(code).toBe(1)
    expect(stderr).toContain(args[0])
    expect(stderr).toMatch(/Usage/)
    // It refused before starting anything: no banner, so no port was ever held.
    expect(stdout).toBe('')
  })

  it('exits with 1 and no usage when --dir does not exist', async () => {
    const missing = join(tmpdir(), `emulator-bin-missing-${process.pid}`, 'nested')
    const { code, stdout, stderr } = await runToExit('--dir', missing)
    expect(code).toBe(1)
    expect(stderr).toContain(missing)
    expect(stderr).not.toMatch(/Usage/)
    expect(stdout).toBe('')
  })

  it('closes what it started and exits with 1 when writing the credentials fails', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'emulator-bin-test-'))
    try {
      // A folder where the file should be: writeFile fails after the emulator is already listening.
      await mkdir(join(folder, 'credentials.json'))
      const { code, stderr } = await runToExit('--port', String(await freePort()), '--dir', folder, '--grpc')
      expect(code).toBe(1)
      expect(stderr).toMatch(/credentials\.json/)
      expect(stderr).not.toMatch(/Usage/)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('frees its port after a failed start, so the next start on that port succeeds', async () => {
    const port = await freePort()
    await runToExit('--port', String(port), '--dir', join(tmpdir(), `emulator-bin-missing-${process.pid}`))
    const folder = await mkdtemp(join(tmpdir(), 'emulator-bin-test-'))
    try {
      await mkdir(join(folder, 'credentials.json'))
      await runToExit('--port', String(port), '--dir', folder)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
    const { child, output } = await spawnBin('--port', String(port))
    expect(output['exchange endpoint']).toContain(`:${port}/`)
    expect(await stop(child, 'SIGTERM')).toBe(0)
  })
})

describe('nebius-auth-emulator --grpc', () => {
  it('prints the TLS gRPC target and writes the certificate that a grpc-js client can trust', async () => {
    const { child, output } = await spawnBin('--grpc')
    const target = output['gRPC target (TLS)']!
    const rootCertFile = output['gRPC root certificate']!
    expect(target).toMatch(/^localhost:\d+$/)
    const rootCert = await readFile(rootCertFile)
    const { credentials, makeGenericClientConstructor, Metadata } = await import('@grpc/grpc-js')
    const Profiles = makeGenericClientConstructor(
      {
        Get: {
          path: '/nebius.iam.v1.ProfileService/Get',
          requestStream: false,
          responseStream: false,
          requestSerialize: () => Buffer.alloc(0),
          requestDeserialize: () => ({}),
          responseSerialize: () => Buffer.alloc(0),
          responseDeserialize: () => ({}),
        },
      },
      'ProfileService',
    )
    const client = new Profiles(target, credentials.createSsl(rootCert))
    const error = await new Promise((resolve) => {
      client.makeUnaryRequest(
        '/nebius.iam.v1.ProfileService/Get',
        () => Buffer.alloc(0),
        () => ({}),
        {},
        new Metadata(),
        resolve,
      )
    })
    client.close()
    // Reached over TLS with the printed certificate, and refused for want of a token.
    expect(error).toMatchObject({ code: 16 })
    expect(await stop(child, 'SIGTERM')).toBe(0)
    expect(existsSync(rootCertFile)).toBe(false)
  })
})
