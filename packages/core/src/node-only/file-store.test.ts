import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import { fileStore } from './file-store.js'

const hour = 3_600_000
const key = 'nebius-auth:v1:test'
let folder: string
let path: string

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'nebius-auth-file-store-'))
  path = join(folder, 'cache', 'tokens.json')
})

afterEach(async () => {
  await rm(folder, { recursive: true, force: true })
})

function token(name: string, lifetime = hour): { token: string; expiresAt: number } {
  return { token: `v1.${name}`, expiresAt: Date.now() + lifetime }
}

async function contents(): Promise<{ tokens: Record<string, unknown>; leases: Record<string, unknown> }> {
  return JSON.parse(await readFile(path, 'utf8')) as never
}

describe('fileStore options', () => {
  it('throws a TypeError for an empty path', () => {
    expect(() => fileStore('')).toThrow(TypeError)
  })

  it('throws a TypeError naming options.lockTimeout when it is invalid', () => {
    expect(() => fileStore(path, { lockTimeout: -1 })).toThrow(/options\.lockTimeout/)
  })
})

describe('fileStore tokens', () => {
  it('returns undefined when the file does not exist', async () => {
    await expect(fileStore(path).get(key)).resolves.toBeUndefined()
  })

  it('returns the token another store instance wrote, with its obtainedAt', async () => {
    const written = { ...token('one'), obtainedAt: Date.now() }
    await fileStore(path).set(key, written)
    await expect(fileStore(path).get(key)).resolves.toEqual(written)
  })

  it('creates its folder with mode 0700 and the file with mode 0600', async () => {
    await fileStore(path).set(key, token('one'))
    expect((await stat(join(folder, 'cache'))).mode & 0o777).toBe(0o700)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('leaves no temporary or lock files behind after a write', async () => {
    await fileStore(path).set(key, token('one'))
    expect(await readdir(join(folder, 'cache'))).toEqual(['tokens.json'])
  })

  it('keeps every key when many writers write at once', async () => {
    const keys = Array.from({ length: 20 }, (_, index) => `key-${index}`)
    // Correctness, not speed: 20 writers queue on one lock, which can outlast the 2 s default on a busy machine.
    await Promise.all(keys.map((name) => fileStore(path, { lockTimeout: 30_000 }).set(name, token(name))))
    expect(Object.keys((await contents()).tokens).sort()).toEqual([...keys].sort())
  })

  it('does not return an expired token', async () => {
    const store = fileStore(path)
    await store.set('other', token('other'))
    const data = await contents()
    data.tokens[key] = { token: 'v1.old', expiresAt: Date.now() - 1 }
    await writeFile(path, JSON.stringify({ version: 1, ...data }))
    await expect(store.get(key)).resolves.toBeUndefined()
  })

  it('drops expired entries when it writes', async () => {
    const store = fileStore(path)
    await store.set('other', token('other'))
    const data = await contents()
    data.tokens[key] = { token: 'v1.old', expiresAt: Date.now() - 1 }
    await writeFile(path, JSON.stringify({ version: 1, ...data }))
    await store.set('third', token('third'))
    expect(Object.keys((await contents()).tokens).sort()).toEqual(['other', 'third'])
  })

  it('treats a corrupt file as empty', async () => {
    const store = fileStore(path)
    await store.set(key, token('one'))
    await writeFile(path, '{"version": 1, "tokens": {"nebius-auth')
    await expect(store.get(key)).resolves.toBeUndefined()
  })

  it('rewrites a corrupt file on the next write', async () => {
    const store = fileStore(path)
    await store.set('first', token('first'))
    await writeFile(path, 'not json at all')
    await store.set(key, token('one'))
    await expect(store.get(key)).resolves.toMatchObject({ token: 'v1.one' })
  })

  it('skips a damaged entry and keeps the others', async () => {
    const store = fileStore(path)
    await store.set(key, token('one'))
    const data = await contents()
    data.tokens.broken = { token: 42 }
    await writeFile(path, JSON.stringify({ version: 1, ...data }))
    await expect(store.get('broken')).resolves.toBeUndefined()
    await expect(store.get(key)).resolves.toMatchObject({ token: 'v1.one' })
  })
})

describe('fileStore leases', () => {
  it('gives the lease to one caller at a time', async () => {
    const store = fileStore(path)
    const leases = await Promise.all([store.lease(key, hour), fileStore(path).lease(key, hour)])
    expect(leases.filter((lease) => lease !== undefined)).toHaveLength(1)
  })

  it('gives the lease again once it is released', async () => {
    const store = fileStore(path)
    const release = await store.lease(key, hour)
    await release?.()
    await expect(store.lease(key, hour)).resolves.toBeTypeOf('function')
  })

  it('gives the lease again once its ttl is over', async () => {
    const store = fileStore(path)
    await store.lease(key, hour)
    const data = await contents()
    data.leases[key] = { ...(data.leases[key] as object), expiresAt: Date.now() - 1 }
    await writeFile(path, JSON.stringify({ version: 1, ...data }))
    await expect(store.lease(key, hour)).resolves.toBeTypeOf('function')
  })

  it('does not end a lease that ran out and went to another process', async () => {
    const store = fileStore(path)
    const release = await store.lease(key, hour)
    const data = await contents()
    data.leases[key] = { ...(data.leases[key] as object), expiresAt: Date.now() - 1 }
    await writeFile(path, JSON.stringify({ version: 1, ...data }))
    await fileStore(path).lease(key, hour)
    await release?.()
    await expect(store.lease(key, hour)).resolves.toBeUndefined()
  })

  it('keeps leases of different keys apart', async () => {
    const store = fileStore(path)
    await store.lease('one', hour)
    await expect(store.lease('two', hour)).resolves.toBeTypeOf('function')
  })
})

describe('fileStore lock file', () => {
  it('breaks a lock left by a crashed process once its expiry has passed', async () => {
    const store = fileStore(path, { lockTimeout: 0 })
    await store.set('first', token('first'))
    await writeFile(`${path}.lock`, JSON.stringify({ fence: 'dead', expiresAt: Date.now() - 1 }))
    await store.set(key, token('one'))
    await expect(store.get(key)).resolves.toMatchObject({ token: 'v1.one' })
  })

  it('fails with ERR_STORE_LOCKED while a live lock outlasts lockTimeout', async () => {
    const store = fileStore(path, { lockTimeout: 0 })
    await store.set('first', token('first'))
    await writeFile(`${path}.lock`, JSON.stringify({ fence: 'alive', expiresAt: Date.now() + hour }))
    await expect(store.set(key, token('one'))).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED' })
  })

  it('waits for a live lock to be released', async () => {
    const store = fileStore(path)
    await store.set('first', token('first'))
    await writeFile(`${path}.lock`, JSON.stringify({ fence: 'alive', expiresAt: Date.now() + hour }))
    const pending = store.set(key, token('one'))
    await new Promise((resolve) => setTimeout(resolve, 30))
    await unlink(`${path}.lock`)
    await pending
    await expect(store.get(key)).resolves.toMatchObject({ token: 'v1.one' })
  })

  it('does not remove a lock that another process holds', async () => {
    const store = fileStore(path, { lockTimeout: 0 })
    await store.set('first', token('first'))
    await writeFile(`${path}.lock`, JSON.stringify({ fence: 'alive', expiresAt: Date.now() + hour }))
    await store.set(key, token('one')).catch(() => undefined)
    expect(JSON.parse(await readFile(`${path}.lock`, 'utf8'))).toMatchObject({ fence: 'alive' })
  })
})
