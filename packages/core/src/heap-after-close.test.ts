/**
 * `close()` promises to forget tokens: after it, a heap snapshot of the process must not hold the token's
 * secret part anywhere, the adapters' redaction memo included. Run in a child process on the built
 * package, with `--expose-gc`, so that nothing of the test itself holds the token.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const coreURL = pathToFileURL(fileURLToPath(new URL('../dist/advanced.js', import.meta.url))).href
const adapterKitURL = pathToFileURL(fileURLToPath(new URL('../dist/adapter/index.js', import.meta.url))).href

// The secret exists only inside `use()`; outside it, only its hex form is kept, so finding the secret in
// the snapshot means the library kept it. The search string is built after the snapshot is written.
const child = `
import { readFileSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { writeHeapSnapshot } from 'node:v8'
const core = await import(${JSON.stringify(coreURL)})
const kit = await import(${JSON.stringify(adapterKitURL)})

async function use() {
  const secret = randomBytes(24).toString('base64url')
  // Handed over once: a closure holding \`secret\` would keep it alive whatever the library does.
  const queue = ['v1.CiQxZjY3YWJj.' + secret]
  const provider = core.cachedProvider(async () => ({ token: queue.pop(), expiresAt: Date.now() + 3_600_000 }))
  const { token } = await provider.getToken()
  const headers = { authorization: kit.bearer(token) }
  kit.redactHeaders(headers, token) // what every adapter does once a response is final
  provider.close()
  return Buffer.from(secret).toString('hex')
}

const hex = await use()
await new Promise((resolve) => setTimeout(resolve, 10))
globalThis.gc()
const file = writeHeapSnapshot()
const text = readFileSync(file, 'utf8')
rmSync(file)
console.log(text.includes(Buffer.from(hex, 'hex').toString()) ? 'token in heap' : 'token not in heap')
`

describe('close()', () => {
  it('leaves no token in the heap, the redaction memo and RegExp.input included', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--input-type=module', '-e', child], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
    })
    expect(stdout.trim()).toBe('token not in heap')
  })
})
