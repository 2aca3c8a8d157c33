import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

describe('CommonJS interop', () => {
  it('loads the built package with require() from a CommonJS file', async () => {
    const script = fileURLToPath(new URL('../test/fixtures/require-redis.cjs', import.meta.url))
    const { stdout } = await run(process.execPath, [script])
    expect(JSON.parse(stdout)).toEqual(['redisStore'])
  })
})
