import { randomBytes, randomUUID } from 'node:crypto'
import { link, mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

import { NebiusAuthError } from '../common/errors.js'
import { readStoredToken } from '../cache/token-store.js'
import type { StoredToken, TokenStore } from '../cache/token-store.js'
import type { AccessToken } from '../common/types.js'

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /** How long a write waits for another process's file lock before it fails, in ms. Default 2000. */
  lockTimeout?: number
}

interface Lease {
  fence: string
  expiresAt: number
}

/** The JSON file: tokens and leases by key. Version 1; another version is treated as empty. */
interface Content {
  tokens: Map<string, StoredToken>
  leases: Map<string, Lease>
}

// A process holds the file lock only for one read-modify-write (milliseconds), so a lock this old
// belongs to a process that died holding it.
const lockTtl = 5000

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT'
}

function isTaken(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EEXIST'
}

function pause(): Promise<void> {
  // Random, so processes that met at a lock do not meet again on the next try.
  // Unref'd: waiting for another process's lock is store work, which never keeps a process alive.
  return new Promise((done) => setTimeout(done, 5 + Math.random() * 15).unref())
}

function parseContent(text: string, time: number): Content {
  const content: Content = { tokens: new Map(), leases: new Map() }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return content // a damaged file is an empty one; the next write replaces it
  }
  if (typeof parsed !== 'object' || parsed === null) return content
  const { version, tokens, leases } = parsed as Record<string, unknown>
  if (version !== 1) return content
  // Entries are checked one by one, and expired ones dropped, so one bad entry costs only itself.
  for (const [key, value] of Object.entries(tokens ?? {})) {
    const token = readStoredToken(value, time)
    if (token !== undefined) content.tokens.set(key, token)
  }
  for (const [key, value] of Object.entries(leases ?? {})) {
    const { fence, expiresAt } = (value ?? {}) as Partial<Lease>
    if (typeof fence === 'string' && typeof expiresAt === 'number' && expiresAt > time) {
      content.leases.set(key, { fence, expiresAt })
    }
  }
  return content
}

/**
 * A {@link TokenStore} in one JSON file, for processes on one host: a CLI run again and again, workers
 * of a process manager, containers sharing a volume. The file is mode 0600 in a folder created 0700,
 * replaced atomically (temporary file, then rename) so a reader never sees half a write, and guarded by
 * a lock file (created with `O_EXCL`, so no native module) holding a fencing value and an expiry: a
 * lock left by a crashed process is broken after 5 s. Expired entries are dropped on every write, and a
 * damaged file reads as empty and is rewritten by the next write.
 *
 * It is for one host only: locks on network filesystems (NFS) are not reliable. Use `redisStore` from
 * `@nebius-auth/redis` to share across hosts.
 *
 * @param path - The JSON file, for example `~/.cache/nebius-auth/tokens.json`.
 * @example
 * ```ts
 * import { homedir } from 'node:os'
 * import { fileStore, serviceAccount } from '@nebius-auth/core'
 *
 * const provider = serviceAccount({
 *   credentialsFile: `${homedir()}/.nebius/credentials.json`,
 *   store: fileStore(`${homedir()}/.cache/nebius-auth/tokens.json`),
 * })
 * ```
 */
export function fileStore(path: string, options?: FileStoreOptions): TokenStore {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string')
  const lockTimeout = options?.lockTimeout ?? 2000
  if (typeof lockTimeout !== 'number' || !(lockTimeout >= 0 && Number.isFinite(lockTimeout))) {
    throw new TypeError('options.lockTimeout must be a finite number of milliseconds, at least 0')
  }
  // Resolved now, so a later process.chdir() cannot move the store.
  const file = resolve(path)
  const lockFile = `${file}.lock`
  const folder = dirname(file)

  async function read(): Promise<Content> {
    try {
      return parseContent(await readFile(file, 'utf8'), Date.now())
    } catch (error) {
      if (isMissing(error)) return { tokens: new Map(), leases: new Map() }
      throw error
    }
  }

  /** Whether the lock file holds `fence`: false once a stale-lock breaker has taken the lock over. */
  async function holds(fence: string): Promise<boolean> {
    try {
      return (JSON.parse(await readFile(lockFile, 'utf8')) as Partial<Lease>).fence === fence
    } catch {
      return false
    }
  }

  /** Removes the lock file if its holder is gone; true when the lock may now be free. */
  async function breakIfStale(): Promise<boolean> {
    let text: string
    let modifiedAt: number
    try {
      ;[text, modifiedAt] = await Promise.all([
        readFile(lockFile, 'utf8'),
        stat(lockFile).then((stats) => stats.mtimeMs),
      ])
    } catch (error) {
      return isMissing(error) // released meanwhile; any other failure waits like a live lock
    }
    let expiresAt = modifiedAt + lockTtl // a lock whose holder died before writing it
    try {
      const parsed = JSON.parse(text) as Partial<Lease>
      if (typeof parsed.expiresAt === 'number') expiresAt = parsed.expiresAt
    } catch {
      // keep the estimate from the file time
    }
    if (Date.now() < expiresAt) return false
    // Rename first: only one breaker can move this file. If what it moved is not the stale lock it read
    // (another breaker replaced it in between), it puts it back; link() never overwrites a newer lock.
    const moved = `${lockFile}.${randomBytes(6).toString('hex')}.stale`
    try {
      await rename(lockFile, moved)
    } catch {
      return true // another breaker moved it first
    }
    if ((await readFile(moved, 'utf8').catch(() => text)) !== text)
      await link(moved, lockFile).catch(() => undefined)
    await unlink(moved).catch(() => undefined)
    return true
  }

  /** Runs a read-modify-write under the file lock; `commit` writes the file if the lock is still ours. */
  async function locked<T>(
    work: (content: Content, commit: (content: Content) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    await mkdir(folder, { recursive: true, mode: 0o700 })
    const giveUpAt = Date.now() + lockTimeout
    const fence = randomUUID()
    for (;;) {
      try {
        await writeFile(lockFile, JSON.stringify({ fence, expiresAt: Date.now() + lockTtl }), {
          flag: 'wx',
          mode: 0o600,
        })
        break
      } catch (error) {
        if (!isTaken(error)) throw error
      }
      if (await breakIfStale()) continue
      if (Date.now() >= giveUpAt) {
        throw new NebiusAuthError('ERR_STORE_LOCKED', `The token file lock was busy for ${lockTimeout} ms`)
      }
      await pause()
    }
    try {
      return await work(await read(), (content) => write(content, fence))
    } finally {
      if (await holds(fence)) await unlink(lockFile).catch(() => undefined)
    }
  }

  async function write(content: Content, fence: string): Promise<void> {
    const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`
    const handle = await open(temporary, 'wx', 0o600)
    try {
      const { tokens, leases } = content
      await handle.writeFile(
        JSON.stringify({
          version: 1,
          tokens: Object.fromEntries(tokens),
          leases: Object.fromEntries(leases),
        }),
      )
    } finally {
      await handle.close()
    }
    // A holder paused past the lock's ttl (a long GC, a suspended laptop) may have lost it: then the
    // write is dropped rather than overwriting what the new holder wrote.
    if (!(await holds(fence))) {
      await unlink(temporary).catch(() => undefined)
      throw new NebiusAuthError('ERR_STORE_LOCK_LOST', 'The token file lock was taken over')
    }
    await rename(temporary, file).catch(async (error: unknown) => {
      await unlink(temporary).catch(() => undefined)
      throw error
    })
  }

  return {
    async get(key: string): Promise<AccessToken | undefined> {
      return (await read()).tokens.get(key)
    },
    async set(key: string, token: AccessToken): Promise<void> {
      const entry = readStoredToken(token, Date.now())
      await locked(async (content, commit) => {
        if (entry === undefined) content.tokens.delete(key)
        else content.tokens.set(key, entry)
        await commit(content)
      })
    },
    async lease(key: string, ttl: number): Promise<(() => Promise<void>) | undefined> {
      const fence = randomUUID()
      const taken = await locked(async (content, commit) => {
        if (content.leases.has(key)) return false
        content.leases.set(key, { fence, expiresAt: Date.now() + ttl })
        await commit(content)
        return true
      })
      if (!taken) return undefined
      return () =>
        locked(async (content, commit) => {
          // The fence: a lease that ran out and went to another process is theirs now, not ours to end.
          if (content.leases.get(key)?.fence !== fence) return
          content.leases.delete(key)
          await commit(content)
        })
    },
  }
}
