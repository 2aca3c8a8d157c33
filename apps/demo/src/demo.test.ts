import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startEmulator, type Emulator } from '@nebius-auth/emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))
const demoReadme = new URL('../README.md', import.meta.url)
const rootReadme = new URL('../../../README.md', import.meta.url)

interface Outcome {
  code: number
  stdout: string
  stderr: string
}

async function demo(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { env, timeout: 60_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

describe('offline demo', () => {
  it('passes every check, prints the client table and exits 0', { timeout: 60_000 }, async () => {
    const { code, stdout } = await demo([])
    expect(stdout).toMatch(/All \d+ checks passed/)
    for (const client of ['axios', 'got', 'ky', 'fetch'])
      expect(stdout).toMatch(new RegExp(`\\n\\s+${client}\\s+20\\s+1\\s+20 × 200`))
    for (const client of ['grpc-js', 'connect'])
      expect(stdout).toMatch(new RegExp(`\\n\\s+${client}\\s+20\\s+1\\s+20 × OK \\(gRPC\\)`))
    expect(stdout).toContain('grpc-js: 1 × UNAUTHENTICATED → 1 refresh → 1 retry → OK')
    expect(stdout).toContain('ERR_KEY_INVALID')
    expect(stdout).toContain('ok: a CI job with no key')
    expect(stdout).toContain('ok: impersonation')
    expect(code).toBe(0)
    // The README's numbered list is the demo's own step titles, in order, plus the leak check.
    const titles = [...stdout.matchAll(/^(\d+)\. (.+)$/gm)].map(([, number, title]) => `${number}. ${title}`)
    expect(titles.length).toBeGreaterThanOrEqual(8)
    const readme = await readFile(demoReadme, 'utf8')
    const listed = [...readme.matchAll(/^(\d+)\. \*\*(.+?)\*\*/gm)].map(
      ([, number, title]) => `${number}. ${title}`,
    )
    expect(listed).toEqual([...titles, `${String(titles.length + 1)}. No secret in the output`])
    expect(stdout).toContain('no raw token or key in this output')
  })
})

describe('the READMEs', () => {
  it('name every option that demo --help lists', async () => {
    const { stdout } = await demo(['--help'])
    const options = [...new Set(stdout.match(/--[a-z][a-z-]+/g))]
    expect(options).toEqual(expect.arrayContaining(['--grpc-target', '--grpc-root-cert', '--print-token']))
    const readme = await readFile(demoReadme, 'utf8')
    for (const option of options) expect(readme, option).toContain(`\`${option}`)
    const root = await readFile(rootReadme, 'utf8')
    for (const option of ['--grpc-target', '--grpc-root-cert', '--print-token']) {
      expect(root, option).toContain(`\`${option}`)
    }
  })

  it('capture the token alone the way they say to, with node rather than pnpm and turbo', async () => {
    for (const readme of [await readFile(demoReadme, 'utf8'), await readFile(rootReadme, 'utf8')]) {
      expect(readme).toContain('TOKEN=$(node apps/demo/dist/main.js --print-token')
    }
  })
})

describe('real mode against the emulator', () => {
  let emulator: Emulator
  let folder: string
  let credentialsFile: string

  beforeAll(async () => {
    emulator = await startEmulator({ grpc: true })
    folder = await mkdtemp(join(tmpdir(), 'nebius-auth-demo-test-'))
    credentialsFile = join(folder, 'credentials.json')
    await writeFile(
      credentialsFile,
      JSON.stringify(emulator.createServiceAccount({ keyBits: 2048 }).credentials),
      { mode: 0o600 },
    )
  })

  afterAll(async () => {
    await emulator.close()
    await rm(folder, { recursive: true, force: true })
  })

  it('prints the sanitized token and its expiry, never the raw token', async () => {
    const { code, stdout } = await demo([
      '--credentials',
      credentialsFile,
      '--endpoint',
      emulator.exchangeEndpoint,
    ])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^token {4}\S+\*\*$/m)
    expect(stdout).toMatch(/^expires {2}\d{4}-\d\d-\d\dT/m)
    // The emulator's tokens are `v1.<payload>.<secret>`: only the masked form `v1.<payload>.**` may appear.
    expect(stdout).not.toMatch(/v1\.[\w-]+\.[\w-]+/)
  })

  it('prints the raw token alone with --print-token, and the API accepts it', async () => {
    const { code, stdout } = await demo([
      '--credentials',
      credentialsFile,
      '--endpoint',
      emulator.exchangeEndpoint,
      '--print-token',
    ])
    expect(code).toBe(0)
    const token = stdout.trim()
    expect(stdout).toBe(`${token}\n`)
    const response = await fetch(`${emulator.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(response.status).toBe(200)
  })

  it('yields a usable token to TOKEN=$(node apps/demo/dist/main.js --print-token …), as the READMEs show', async () => {
    const script = `TOKEN=$("$0" "$1" --print-token --credentials "$2" --endpoint "$3") && printf '%s' "$TOKEN"`
    const { stdout, stderr } = await run('sh', [
      '-c',
      script,
      process.execPath,
      main,
      credentialsFile,
      emulator.exchangeEndpoint,
    ])
    expect(stderr).toBe('')
    expect(stdout).toMatch(/^v1\.[\w-]+\.[\w-]+$/)
    const response = await fetch(`${emulator.url}/v1/whoami`, {
      headers: { authorization: `Bearer ${stdout}` },
    })
    expect(response.status).toBe(200)
  })

  it('makes one authenticated GET with --url and prints the status', async () => {
    const url = `${emulator.url}/v1/whoami`
    const { code, stdout } = await demo([
      '--credentials',
      credentialsFile,
      '--endpoint',
      emulator.exchangeEndpoint,
      '--url',
      url,
    ])
    expect(code).toBe(0)
    expect(stdout).toContain(`GET ${url} → 200`)
  })

  it('fails with one line and the error code when the key is rejected', async () => {
    const other = join(folder, 'unregistered.json')
    const stranger = await startEmulator()
    await writeFile(other, JSON.stringify(stranger.createServiceAccount({ keyBits: 2048 }).credentials), {
      mode: 0o600,
    })
    await stranger.close()
    const { code, stderr } = await demo(['--credentials', other, '--endpoint', emulator.exchangeEndpoint])
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('(ERR_EXCHANGE_REJECTED)')
  })

  it('fails with one line and the error code when nothing is configured', async () => {
    const home = await mkdtemp(join(tmpdir(), 'nebius-auth-empty-home-'))
    // Port 9 (discard) on loopback: the metadata probe fails at once and nothing leaves the machine.
    const { code, stderr } = await demo(
      ['--from-env', '--metadata-endpoint', 'http://127.0.0.1:9/v1/iam/sa/token'],
      {
        PATH: '',
        HOME: home,
      },
    )
    await rm(home, { recursive: true, force: true })
    expect(code).toBe(1)
    expect(stderr).toContain('(ERR_CREDENTIALS_NOT_FOUND)')
  })

  it('takes --grpc-target alone as real mode, not as the offline demo', async () => {
    const home = await mkdtemp(join(tmpdir(), 'nebius-auth-empty-home-'))
    const { code, stdout, stderr } = await demo(
      ['--grpc-target', '127.0.0.1:9', '--metadata-endpoint', 'http://127.0.0.1:9/v1/iam/sa/token'],
      { PATH: '', HOME: home },
    )
    await rm(home, { recursive: true, force: true })
    expect(stdout).not.toContain('offline')
    expect(code).toBe(1)
    expect(stderr).toContain('(ERR_CREDENTIALS_NOT_FOUND)')
  })

  it('fails with one line and the error code when the exchange endpoint is unreachable', async () => {
    const { code, stderr } = await demo([
      '--credentials',
      credentialsFile,
      '--endpoint',
      'http://127.0.0.1:9/oauth2/token/exchange',
    ])
    expect(code).toBe(1)
    expect(stderr).toContain('(ERR_EXCHANGE_UNAVAILABLE)')
  })

  it('calls ProfileService/Get over gRPC with --grpc, against the given target and root certificate', async () => {
    const rootCertFile = join(folder, 'grpc-root.pem')
    await writeFile(rootCertFile, emulator.grpc?.rootCert ?? '')
    const target = emulator.grpc?.address ?? ''
    const args = ['--credentials', credentialsFile, '--endpoint', emulator.exchangeEndpoint, '--grpc']
    const { code, stdout } = await demo([...args, '--grpc-target', target, '--grpc-root-cert', rootCertFile])
    expect(code).toBe(0)
    expect(stdout).toMatch(
      new RegExp(`gRPC ${target} nebius\\.iam\\.v1\\.ProfileService/Get → OK \\(serviceaccount-\\w+\\)`),
    )
    expect(stdout).not.toMatch(/v1\.[\w-]+\.[\w-]+/)
  })

  it('fails --grpc when the target is not trusted, without sending the token anywhere else', async () => {
    const target = emulator.grpc?.address ?? ''
    emulator.clearRequests()
    const { code, stdout } = await demo([
      '--credentials',
      credentialsFile,
      '--endpoint',
      emulator.exchangeEndpoint,
      '--grpc-target',
      target,
    ])
    expect(code).toBe(1)
    expect(stdout).toContain(`gRPC ${target} nebius.iam.v1.ProfileService/Get → UNAVAILABLE`)
    // The reason, not just the status: without it an untrusted certificate looks like a server that is down.
    expect(stdout).toMatch(/→ UNAVAILABLE: .*certificate/)
    expect(stdout.trim().split('\n').at(-1)).not.toMatch(/v1\.[\w-]+\.[\w-]+/)
    expect(emulator.requests().filter((request) => request.path.includes('ProfileService'))).toEqual([])
  })
})
