import { execFileSync } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

describe('@nebius-auth/emulator entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/emulator')
    expect(Object.keys(entry).sort()).toEqual(['startEmulator'])
  })

  it('loads with require() from CommonJS (require of ESM, Node >= 20.19)', () => {
    const output = execFileSync(
      process.execPath,
      ['-e', "process.stdout.write(typeof require('@nebius-auth/emulator').startEmulator)"],
      { cwd: dirname(fileURLToPath(import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
    expect(output).toBe('function')
  })
})
