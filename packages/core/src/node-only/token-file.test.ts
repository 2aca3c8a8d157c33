import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync } from 'node:fs'
import { chmod, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tokenFile } from './token-file.js'
import type { TokenProvider } from '../common/types.js'

const first = 'v1.Zmlyc3QtdG9rZW4.Zmlyc3Qtc2lnbmF0dXJl'
const second = 'v1.c2Vjb25kLXRva2Vu.c2Vjb25kLXNpZ25hdHVyZQ'

let directory: string
let path: string

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'nebius-token-file-'))
  path = join(directory, 'token')
})

afterEach(async () => {
  await rm(directory, { recursive: true, force: true })
})

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected a rejection')
}

describe('tokenFile', () => {
  it('reads and trims the token on the first call', async () => {
    await writeFile(path, `  ${first}\n`)
    await expect(tokenFile(path).getToken()).resolves.toEqual({
      token: first,
      expiresAt: Number.POSITIVE_INFINITY,
    })
  })

  it('does not touch the file at construction', async () => {
    const provider = tokenFile(path)
    await writeFile(path, first)
    await expect(provider.getToken()).resolves.toMatchObject({ token: first })
  })

  it('serves the token from memory within the check interval', async () => {
    let clock = 0
    await writeFile(path, first)
    const provider = tokenFile(path, { now: () => clock })
    await provider.getToken()
    await writeFile(path, `${second}\n`)
    clock = 999
    await expect(provider.getToken()).resolves.toMatchObject({ token: first })
  })

  it('offers its token through peek within the check interval only, so a due check goes through getToken', async () => {
    let clock = 0
    await writeFile(path, first)
    const provider = tokenFile(path, { now: () => clock })
    expect(provider.peek?.()).toBeUndefined()
    await provider.getToken()
    clock = 999
    expect(provider.peek?.()?.token).toBe(first)
    clock = 1000
    expect(provider.peek?.()).toBeUndefined()
    provider.close()
  })

  it('picks up a rewritten file once the check interval has passed', async () => {
    let clock = 0
    await writeFile(path, first)
    const provider = tokenFile(path, { now: () => clock })
    await provider.getToken()
    await writeFile(path, `${second}\n`)
    clock = 1000
    await expect(provider.getToken()).resolves.toMatchObject({ token: second })
  })

  it('picks up a file replaced by an atomic rename', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path, { checkInterval: 0 })
    await provider.getToken()
    await writeFile(join(directory, 'next'), second)
    await rename(join(directory, 'next'), path)
    await expect(provider.getToken()).resolves.toMatchObject({ token: second })
  })

  it('follows a symlink swapped to a new file', async () => {
    await writeFile(join(directory, 'a'), first)
    await writeFile(join(directory, 'b'), second)
    await symlink(join(directory, 'a'), path)
    const provider = tokenFile(path, { checkInterval: 0 })
    await provider.getToken()
    await symlink(join(directory, 'b'), join(directory, 'link-next'))
    await rename(join(directory, 'link-next'), path)
    await expect(provider.getToken()).resolves.toMatchObject({ token: second })
  })

  it('re-reads the file at once when its token was rejected', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path, { now: () => 0 })
    await provider.getToken()
    await writeFile(path, second)
    await expect(provider.getToken({ rejected: first })).resolves.toMatchObject({ token: second })
  })

  it('returns the same token after a rejection when the file did not change', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path)
    await provider.getToken()
    await expect(provider.getToken({ rejected: first })).resolves.toMatchObject({ token: first })
  })

  it('ignores a rejection of a token it no longer holds', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path, { now: () => 0 })
    await provider.getToken()
    await writeFile(path, second)
    await expect(provider.getToken({ rejected: 'v1.older.token' })).resolves.toMatchObject({ token: first })
  })

  it('shares one read among concurrent first calls', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path)
    const results = await Promise.all(Array.from({ length: 10 }, () => provider.getToken()))
    expect(new Set(results).size).toBe(1)
  })

  it('reports a missing file as ERR_CREDENTIALS_NOT_FOUND', async () => {
    const error = await errorOf(tokenFile(path).getToken())
    expect(error.code).toBe('ERR_CREDENTIALS_NOT_FOUND')
  })

  it('stops serving the token once the file is removed', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path, { checkInterval: 0 })
    await provider.getToken()
    await unlink(path)
    expect((await errorOf(provider.getToken())).code).toBe('ERR_CREDENTIALS_NOT_FOUND')
  })

  it.each([
    ['an empty file', ''],
    ['a file of whitespace', ' \n \n'],
    ['a file of two lines', `${first}\n${second}\n`],
    ['a token with a space inside', `${first} ${second}`],
  ])('reports %s as ERR_TOKEN_FILE_INVALID without quoting it', async (_name, content) => {
    await writeFile(path, content)
    const error = await errorOf(tokenFile(path).getToken())
    expect(error.code).toBe('ERR_TOKEN_FILE_INVALID')
    expect(error.message).not.toContain(first)
    expect(error.message).not.toContain(second)
  })

  it('reports a directory as ERR_TOKEN_FILE_INVALID', async () => {
    expect((await errorOf(tokenFile(directory).getToken())).code).toBe('ERR_TOKEN_FILE_INVALID')
  })

  it('refuses a file too large to be a token', async () => {
    await writeFile(path, 'x'.repeat(65 * 1024))
    expect((await errorOf(tokenFile(path).getToken())).code).toBe('ERR_TOKEN_FILE_INVALID')
  })

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file as ERR_TOKEN_FILE_UNREADABLE', async () => {
    await writeFile(path, first)
    await chmod(path, 0o000)
    expect((await errorOf(tokenFile(path).getToken())).code).toBe('ERR_TOKEN_FILE_UNREADABLE')
  })

  it('recovers once a broken file is fixed', async () => {
    await writeFile(path, '')
    const provider = tokenFile(path, { checkInterval: 0 })
    await errorOf(provider.getToken())
    await writeFile(path, first)
    await expect(provider.getToken()).resolves.toMatchObject({ token: first })
  })

  it('rejects a call whose signal is already aborted without reading', async () => {
    const controller = new AbortController()
    controller.abort(new Error('caller gave up'))
    await expect(tokenFile(path).getToken({ signal: controller.signal })).rejects.toThrow('caller gave up')
  })

  it.each([
    ['an empty path', () => tokenFile('')],
    ['a negative checkInterval', () => tokenFile('token', { checkInterval: -1 })],
    ['a non-numeric checkInterval', () => tokenFile('token', { checkInterval: Number.NaN })],
  ])('throws a TypeError at construction for %s', (_name, construct) => {
    expect(construct).toThrow(TypeError)
  })

  it('shows no token through util.inspect or JSON.stringify', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path)
    await provider.getToken()
    expect(inspect(provider, { showHidden: true, depth: 5 })).not.toContain(first)
    expect(JSON.stringify(provider)).not.toContain(first)
  })

  it('reports a symlink loop as ERR_TOKEN_FILE_UNREADABLE', async () => {
    await symlink(path, path)
    const error = await errorOf(tokenFile(path).getToken())
    expect(error.code).toBe('ERR_TOKEN_FILE_UNREADABLE')
    expect(error.message).toContain('ELOOP')
  })

  it('hands the token to a caller that passes a signal', async () => {
    await writeFile(path, first)
    const provider = tokenFile(path, { checkInterval: 0 })
    await expect(provider.getToken({ signal: new AbortController().signal })).resolves.toMatchObject({
      token: first,
    })
  })

  it.runIf(process.platform !== 'win32')(
    "ends an aborted caller's wait while the shared read goes on for the others",
    async () => {
      // Opening a FIFO for reading blocks until a writer opens it: a read that hangs for as long as the test wants.
      execFileSync('mkfifo', [path])
      const provider = tokenFile(path)
      const controller = new AbortController()
      const reason = new Error('caller gave up')
      const aborted = errorOf(provider.getToken({ signal: controller.signal }))
      const other = errorOf(provider.getToken())
      controller.abort(reason)
      expect(await aborted).toBe(reason)
      // O_NONBLOCK fails with ENXIO until the provider's read has opened the FIFO, so this never hangs.
      let writer: number | undefined
      while (writer === undefined) {
        try {
          writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }
      closeSync(writer)
      expect((await other).code).toBe('ERR_TOKEN_FILE_INVALID')
    },
  )
})

describe('tokenFile close()', () => {
  it('forgets the token and rejects later calls with ERR_PROVIDER_CLOSED', async () => {
    await writeFile(path, first)
    const provider: TokenProvider = tokenFile(path)
    await provider.getToken()
    provider.close?.()
    expect((await errorOf(provider.getToken())).code).toBe('ERR_PROVIDER_CLOSED')
  })
})
