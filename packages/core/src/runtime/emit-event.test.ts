import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NebiusAuthEvent } from '../common/events.js'
import { emitEvent } from './emit-event.js'

const run = promisify(execFile)
let directory: string

// util.debuglog reads NODE_DEBUG once at process start, so the debug output is checked in a child process
// running the built module, which reaches util.debuglog through package.json's `#runtime/*` (Node condition).
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'nebius-events-'))
  const built = new URL('../../dist/runtime/emit-event.js', import.meta.url).href
  await writeFile(
    join(directory, 'emit.mjs'),
    `import { emitEvent } from ${JSON.stringify(built)}\n` +
      `emitEvent(undefined, { type: 'refresh-failed', code: 'ERR_EXCHANGE_UNAVAILABLE', duration: 12, retryAt: 5000 })\n` +
      `if (process.argv[2] === 'named') {\n` +
      `  emitEvent(undefined, { type: 'refresh-failed', code: 'ERR_METADATA_UNAVAILABLE', duration: 3.4, retryAt: 1796514963503.0178, provider: 'vm-metadata' })\n` +
      `  emitEvent(undefined, { type: 'refresh-succeeded', expiresAt: Date.UTC(2026, 0, 2, 3, 4, 5), duration: 80, provider: 'service-account' })\n` +
      `}\n` +
      `if (process.argv[2] === 'all') {\n` +
      `  emitEvent(undefined, { type: 'origin-not-allowed', origin: 'http://localhost:8080', client: 'axios' })\n` +
      `  emitEvent(undefined, { type: 'store-unavailable', operation: 'get', code: 'ERR_STORE_MISCONFIGURED' })\n` +
      `  emitEvent(undefined, { type: 'insecure-file-permissions', path: 'key.pem', mode: 0o644 })\n` +
      `}\n`,
  )
})

afterAll(async () => {
  await rm(directory, { recursive: true, force: true })
})

async function emitInChild(
  nodeDebug: string | undefined,
  which = 'one',
): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env, NODE_DEBUG: nodeDebug }
  if (nodeDebug === undefined) delete env.NODE_DEBUG
  return run(process.execPath, [join(directory, 'emit.mjs'), which], { env })
}

describe('emitEvent', () => {
  it('prints the event as one line through NODE_DEBUG=nebius-auth', async () => {
    const { stdout, stderr } = await emitInChild('nebius-auth')
    expect(stdout).toBe('')
    expect(stderr).toMatch(
      /^NEBIUS-AUTH \d+: refresh-failed code=ERR_EXCHANGE_UNAVAILABLE duration=12ms retryAt=1970-01-01T00:00:05\.000Z\n$/,
    )
  })

  it('names the provider first and prints epoch times as ISO 8601', async () => {
    const { stderr } = await emitInChild('nebius-auth', 'named')
    const lines = stderr.trim().split('\n')
    expect(lines[1]).toMatch(
      /: refresh-failed provider=vm-metadata code=ERR_METADATA_UNAVAILABLE duration=3ms retryAt=2026-12-05T23:56:03\.503Z$/,
    )
    expect(lines[2]).toMatch(
      /: refresh-succeeded provider=service-account expiresAt=2026-01-02T03:04:05\.000Z duration=80ms$/,
    )
  })

  it('says what a refused origin and an unavailable store mean for the program', async () => {
    const { stderr } = await emitInChild('nebius-auth', 'all')
    const lines = stderr.trim().split('\n')
    expect(lines[1]).toMatch(
      /: origin-not-allowed origin=http:\/\/localhost:8080 client=axios \(no token sent; .*origins/,
    )
    expect(lines[2]).toMatch(
      /: store-unavailable operation=get code=ERR_STORE_MISCONFIGURED \(fleet sharing is off: /,
    )
    expect(lines[3]).toMatch(/: insecure-file-permissions path=key\.pem mode=0644$/)
  })

  it('prints nothing without NODE_DEBUG', async () => {
    await expect(emitInChild(undefined)).resolves.toEqual({ stdout: '', stderr: '' })
  })

  it('delivers the event to the listener', () => {
    const events: NebiusAuthEvent[] = []
    emitEvent((event) => events.push(event), { type: 'stale-token-served', expiresAt: 1 })
    expect(events).toEqual([{ type: 'stale-token-served', expiresAt: 1 }])
  })

  it('swallows an error thrown by the listener', () => {
    expect(() => {
      emitEvent(
        () => {
          throw new Error('listener bug')
        },
        { type: 'stale-token-served', expiresAt: 1 },
      )
    }).not.toThrow()
  })
})
