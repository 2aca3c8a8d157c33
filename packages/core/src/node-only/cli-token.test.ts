import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NebiusAuthEvent } from '../common/events.js'
import { cliToken, findCliOnPath, sanitizeCliOutput } from './cli-token.js'

const first = 'v1.Zmlyc3QtY2xpLXRva2Vu.Zmlyc3QtY2xpLXNpZ25hdHVyZS1zZWNyZXQ'
const second = 'v1.c2Vjb25kLWNsaS10b2tlbg.c2Vjb25kLWNsaS1zaWduYXR1cmUtc2VjcmV0'

let directory: string
const providers: { close(): void }[] = []

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'nebius-cli-token-'))
  await writeFile(join(directory, 'token'), `${first}\n`)
})

afterEach(async () => {
  for (const provider of providers.splice(0)) provider.close()
  await rm(directory, { recursive: true, force: true })
})

/** Writes a fake `nebius` that logs its arguments, counts its runs, then runs `body`. */
async function fakeCli(body = 'cat "$DIR/token"'): Promise<string> {
  const path = join(directory, 'nebius')
  const script = `#!/bin/sh\nDIR='${directory}'\necho "$@" >> "$DIR/runs"\n${body}\n`
  await writeFile(path, script)
  await chmod(path, 0o755)
  return path
}

async function runs(): Promise<string[]> {
  const text = await readFile(join(directory, 'runs'), 'utf8').catch(() => '')
  return text.split('\n').filter((line) => line !== '')
}

function provider(options: Parameters<typeof cliToken>[0]): ReturnType<typeof cliToken> {
  const created = cliToken(options)
  providers.push(created)
  return created
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected a rejection')
}

describe('cliToken', () => {
  it('runs `iam get-access-token` and returns the trimmed token', async () => {
    const command = await fakeCli()
    const { token } = await provider({ command }).getToken()
    expect(token).toBe(first)
    expect(await runs()).toEqual(['iam get-access-token'])
  })

  it('passes the profile as --profile', async () => {
    const command = await fakeCli()
    await provider({ command, profile: 'dev' }).getToken()
    expect(await runs()).toEqual(['iam get-access-token --profile dev'])
  })

  it('does not run the CLI at construction', async () => {
    await fakeCli()
    provider({ command: join(directory, 'nebius') })
    expect(await runs()).toEqual([])
  })

  it('reuses the token for the cache duration and reports that as its expiry', async () => {
    const command = await fakeCli()
    let clock = 1_000_000
    const cli = provider({ command, cacheDuration: 60_000, now: () => clock })
    expect((await cli.getToken()).expiresAt).toBe(1_060_000)
    clock += 30_000
    await cli.getToken()
    expect(await runs()).toHaveLength(1)
  })

  it('runs the CLI again once the cached token has expired', async () => {
    const command = await fakeCli()
    let clock = 1_000_000
    const cli = provider({ command, cacheDuration: 60_000, now: () => clock })
    await cli.getToken()
    await writeFile(join(directory, 'token'), second)
    clock += 60_001
    expect((await cli.getToken()).token).toBe(second)
  })

  it('runs the CLI again when its token was rejected', async () => {
    const command = await fakeCli()
    const cli = provider({ command })
    await cli.getToken()
    await writeFile(join(directory, 'token'), second)
    expect((await cli.getToken({ rejected: first })).token).toBe(second)
    expect(await runs()).toHaveLength(2)
  })

  it('refuses the same token again after it was rejected, rather than handing it back', async () => {
    const command = await fakeCli()
    const cli = provider({ command })
    await cli.getToken()
    expect((await errorOf(cli.getToken({ rejected: first }))).code).toBe('ERR_TOKEN_REJECTED')
  })

  it('shares one CLI run among concurrent callers', async () => {
    const command = await fakeCli('sleep 0.2; cat "$DIR/token"')
    const cli = provider({ command })
    const tokens = await Promise.all(Array.from({ length: 10 }, () => cli.getToken()))
    expect(tokens.every(({ token }) => token === first)).toBe(true)
    expect(await runs()).toHaveLength(1)
  })

  it('reports a missing command as ERR_CLI_NOT_FOUND', async () => {
    const error = await errorOf(provider({ command: join(directory, 'no-such-nebius') }).getToken())
    expect(error.code).toBe('ERR_CLI_NOT_FOUND')
  })

  it('reports a non-zero exit as ERR_CLI_FAILED with the exit code and stderr', async () => {
    const command = await fakeCli('echo "profile dev not found" >&2; exit 3')
    const error = await errorOf(provider({ command }).getToken())
    expect(error.code).toBe('ERR_CLI_FAILED')
    expect(error.message).toContain('exited with code 3: profile dev not found')
  })

  it('never puts the token printed on stdout into a failure message', async () => {
    const command = await fakeCli('cat "$DIR/token"; echo oops >&2; exit 1')
    const error = await errorOf(provider({ command }).getToken())
    expect(error.message).not.toContain(first)
    expect(error.message).not.toContain('Zmlyc3QtY2xpLXNpZ25hdHVyZS1zZWNyZXQ')
  })

  it('sanitizes a token the CLI echoes on stderr', async () => {
    const command = await fakeCli(`echo "token ${second} was refused" >&2; exit 1`)
    const error = await errorOf(provider({ command }).getToken())
    expect(error.message).toContain('token v1.c2Vjb25kLWNsaS10b2tlbg.** was refused')
    expect(error.message).not.toContain('c2Vjb25kLWNsaS1zaWduYXR1cmUtc2VjcmV0')
  })

  it('caps a long stderr', async () => {
    const command = await fakeCli(`printf 'error %.0s' $(seq 1 500) >&2; exit 1`)
    const error = await errorOf(provider({ command }).getToken())
    expect(error.message.length).toBeLessThan(700)
  })

  it('kills a CLI that runs past the timeout and reports ERR_CLI_FAILED', async () => {
    const command = await fakeCli('exec sleep 5')
    const startedAt = Date.now()
    const error = await errorOf(provider({ command, timeout: 200 }).getToken())
    expect(error.code).toBe('ERR_CLI_FAILED')
    expect(error.message).toContain('timed out after 200 ms')
    expect(Date.now() - startedAt).toBeLessThan(3000)
  })

  it('gives a CLI that waits for input an immediate end of input', async () => {
    const command = await fakeCli('read answer; echo "$answer"')
    const error = await errorOf(provider({ command, timeout: 5000 }).getToken())
    expect(error.code).toBe('ERR_CLI_FAILED')
    expect(error.message).toContain('printed no usable token')
  })

  it.each([
    ['nothing', 'true'],
    ['two lines', `printf '%s\\n%s\\n' "${first}" "${second}"`],
    ['a sentence', 'echo "please log in first"'],
  ])('reports output of %s as ERR_CLI_FAILED without quoting it', async (_name, body) => {
    const command = await fakeCli(body)
    const error = await errorOf(provider({ command }).getToken())
    expect(error.code).toBe('ERR_CLI_FAILED')
    expect(error.message).not.toContain(first)
    expect(error.message).not.toContain('please')
  })

  it('runs the CLI with the given environment', async () => {
    const command = await fakeCli('echo "$NEBIUS_FAKE_TOKEN"')
    const { token } = await provider({ command, env: { NEBIUS_FAKE_TOKEN: second } }).getToken()
    expect(token).toBe(second)
  })

  it('lets a caller abort its own wait', async () => {
    const command = await fakeCli('sleep 0.3; cat "$DIR/token"')
    const cli = provider({ command })
    const waiting = cli.getToken()
    const error = await errorOf(cli.getToken({ signal: AbortSignal.timeout(20) }))
    expect((error as Error).name).toBe('TimeoutError')
    await expect(waiting).resolves.toMatchObject({ token: first })
  })

  it.each([
    ['a profile that looks like a flag', { profile: '--help' }],
    ['a profile with whitespace', { profile: 'dev prod' }],
    ['an empty profile', { profile: '' }],
    ['an empty command', { command: ' ' }],
    ['a zero timeout', { timeout: 0 }],
    ['a negative cacheDuration', { cacheDuration: -1 }],
    ['an env that is not an object', { env: 'PATH=/bin' as unknown as Record<string, string> }],
  ])('throws a TypeError at construction for %s', (_name, options) => {
    expect(() => cliToken(options)).toThrow(TypeError)
  })

  it('shows no token through util.inspect or JSON.stringify', async () => {
    const command = await fakeCli()
    const cli = provider({ command })
    await cli.getToken()
    expect(inspect(cli, { showHidden: true, depth: 5 })).not.toContain(first)
    expect(JSON.stringify(cli)).not.toContain(first)
  })

  it.runIf(process.platform !== 'win32')(
    'reports a command file without execute permission as ERR_CLI_FAILED',
    async () => {
      const command = await fakeCli()
      await chmod(command, 0o644)
      const error = await errorOf(provider({ command }).getToken())
      expect(error.code).toBe('ERR_CLI_FAILED')
      expect(error.message).toContain('could not be started (EACCES)')
    },
  )

  it.runIf(process.platform !== 'win32')('reports output over 1 MiB as ERR_CLI_FAILED', async () => {
    const command = await fakeCli('yes v1.aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbb | head -c 1100000')
    const error = await errorOf(provider({ command }).getToken())
    expect(error.code).toBe('ERR_CLI_FAILED')
    expect(error.message).toContain('printed more than 1048576 bytes')
  })

  it.runIf(process.platform !== 'win32')('reports a CLI killed by a signal as ERR_CLI_FAILED', async () => {
    const command = await fakeCli('kill -9 $$')
    const error = await errorOf(provider({ command }).getToken())
    expect(error.code).toBe('ERR_CLI_FAILED')
    expect(error.message).toContain('was killed by SIGKILL')
  })

  it.runIf(process.platform !== 'win32')('stops a running CLI when the provider closes', async () => {
    const command = await fakeCli('echo $$ > "$DIR/pid"\nexec sleep 10')
    const cli = provider({ command })
    const waiting = errorOf(cli.getToken())
    const pidFile = join(directory, 'pid')
    let pid = ''
    while (pid === '') {
      await new Promise((resolve) => setTimeout(resolve, 10))
      pid = (await readFile(pidFile, 'utf8').catch(() => '')).trim()
    }
    cli.close()
    expect((await waiting).code).toBe('ERR_PROVIDER_CLOSED')
    const alive = (): boolean => {
      try {
        process.kill(Number(pid), 0)
        return true
      } catch {
        return false
      }
    }
    for (let attempt = 0; attempt < 100 && alive(); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(alive()).toBe(false)
  })
})

describe('cliToken events', () => {
  it('reports refreshes through onEvent without the token', async () => {
    const command = await fakeCli()
    const events: NebiusAuthEvent[] = []
    await provider({ command, onEvent: (event) => events.push(event) }).getToken()
    expect(events.map(({ type }) => type)).toEqual(['refresh-started', 'refresh-succeeded'])
    expect(JSON.stringify(events)).not.toContain(first)
  })
})

describe('findCliOnPath', () => {
  it('finds the first executable nebius in the PATH directories', async () => {
    const [a, b] = [join(directory, 'a'), join(directory, 'b')]
    await mkdir(a)
    await mkdir(b)
    await writeFile(join(a, 'nebius'), '#!/bin/sh\n', { mode: 0o644 })
    await writeFile(join(b, 'nebius'), '#!/bin/sh\n', { mode: 0o755 })
    await expect(findCliOnPath({ PATH: `${a}:${b}` })).resolves.toBe(join(b, 'nebius'))
  })

  it('skips a relative PATH entry even when it holds a nebius', async () => {
    await fakeCli()
    await expect(findCliOnPath({ PATH: `:${relative(process.cwd(), directory)}` })).resolves.toBeUndefined()
  })

  it('skips a directory named nebius', async () => {
    await mkdir(join(directory, 'nebius'))
    await expect(findCliOnPath({ PATH: directory })).resolves.toBeUndefined()
  })

  it('gives undefined without a PATH', async () => {
    await expect(findCliOnPath({})).resolves.toBeUndefined()
  })
})

describe('sanitizeCliOutput', () => {
  it('masks a JWT and a long opaque secret', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU'
    const opaque = 'A'.repeat(20) + 'b'.repeat(30)
    const result = sanitizeCliOutput(`bad ${jwt} and ${opaque}`)
    expect(result).not.toContain('c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU')
    expect(result).not.toContain(opaque)
  })

  it('keeps ordinary text and collapses it to one line', () => {
    expect(sanitizeCliOutput('  error:\n  profile "dev" not found \n')).toBe('error: profile "dev" not found')
  })
})
