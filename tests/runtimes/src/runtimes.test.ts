import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { EdgeRuntime } from 'edge-runtime'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { startRuntimeBench, type RuntimeBench } from './runtime-config.js'
import { bundleForWeb, createScratchProject } from './scratch-project.js'

const run = promisify(execFile)
const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url))

let folder: string
let bench: RuntimeBench

beforeAll(async () => {
  folder = await createScratchProject()
  bench = await startRuntimeBench(folder)
})

afterAll(async () => {
  await bench.close()
  await rm(folder, { recursive: true, force: true })
})

type Results = Record<string, unknown>

/** Runs the scenario and checks what the emulator saw: one refused token, one fresh exchange for it. */
async function runScenario(runScenarioIn: (body: string) => Promise<Results>): Promise<Results> {
  const before = bench.emulator.stats()
  const results = await runScenarioIn(JSON.stringify(bench.config))
  const after = bench.emulator.stats()
  const { serviceAccountId } = bench.config
  expect(results.first).toEqual({ status: 200, serviceAccountId })
  expect(results.revoked).toBeGreaterThanOrEqual(1)
  expect(results.afterRevoke).toEqual({ status: 200, serviceAccountId })
  expect(after.unauthorized - before.unauthorized).toBe(1)
  expect(results).toMatchObject({ pkcs1Parts: 3, jwkParts: 3, credentialsJson: true, loopback: true })
  // Two exchanges for the in-memory key (the first token, the one after the 401), one more for a file.
  const fromFile = results.credentialsFileFlow === 'ok' ? 1 : 0
  expect(after.exchanges.accepted - before.exchanges.accepted).toBe(2 + fromFile)
  return results
}

const nodeOnly = [
  'encryptedPem',
  'readCredentialsFile',
  'fromEnvironment',
  'adapterWithoutProvider',
  'credentialsFileFlow',
]

function expectNodeOnlyFeatures(results: Results, outcome: 'ok' | 'ERR_UNSUPPORTED_RUNTIME'): void {
  for (const name of nodeOnly) expect(results[name], name).toBe(outcome)
}

describe('web runtimes (bundled for the browser platform)', () => {
  it('bundles core and fetch with no node: import left in the output', async () => {
    const bundle = await bundleForWeb(folder, 'worker-entry.mjs', {
      conditions: ['workerd', 'worker', 'browser'],
      format: 'esm',
    })
    expect(bundle).toContain('CompactSign') // jose's signer came along
    expect(bundle).not.toMatch(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/)
  })

  it('gets a token and retries a 401 once on workerd (miniflare, no compatibility flags)', async () => {
    const script = await bundleForWeb(folder, 'worker-entry.mjs', {
      conditions: ['workerd', 'worker', 'browser'],
      format: 'esm',
    })
    const miniflare = new Miniflare({ modules: true, script, compatibilityDate: '2026-03-15' })
    try {
      const results = await runScenario(async (body) => {
        const response = await miniflare.dispatchFetch('http://worker.test/', { method: 'POST', body })
        return (await response.json()) as Results
      })
      expectNodeOnlyFeatures(results, 'ERR_UNSUPPORTED_RUNTIME')
    } finally {
      await miniflare.dispose()
    }
  })

  it("gets a token and retries a 401 once on Vercel's edge runtime", async () => {
    const initialCode = await bundleForWeb(folder, 'edge-entry.mjs', {
      conditions: ['edge-light', 'worker', 'browser'],
      format: 'iife',
    })
    const runtime = new EdgeRuntime({ initialCode })
    const results = await runScenario(async (body) => {
      const response = await runtime.dispatchFetch('http://edge.test/', { method: 'POST', body })
      await response.waitUntil()
      return (await response.json()) as Results
    })
    expectNodeOnlyFeatures(results, 'ERR_UNSUPPORTED_RUNTIME')
  })
})

describe('server runtimes (the packed packages imported from node_modules)', () => {
  const environment = () => ({ ...process.env, RUNTIME_CONFIG: JSON.stringify(bench.config) })

  it('gets a token, retries a 401 once and keeps every Node feature on Deno', async () => {
    const results = await runScenario(async () => {
      const permissions = ['--allow-net=127.0.0.1', `--allow-read=${folder}`, '--allow-env']
      const { stdout } = await run(bin('deno'), ['run', ...permissions, 'cli-entry.mjs'], {
        cwd: folder,
        env: { ...environment(), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
      })
      return JSON.parse(stdout) as Results
    })
    expectNodeOnlyFeatures(results, 'ok')
  })

  it('gets a token, retries a 401 once and keeps every Node feature on Bun', async () => {
    const results = await runScenario(async () => {
      const { stdout } = await run(bin('bun'), ['cli-entry.mjs'], { cwd: folder, env: environment() })
      return JSON.parse(stdout) as Results
    })
    expectNodeOnlyFeatures(results, 'ok')
  })
})

describe('type declarations', () => {
  const typeScript = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))

  it.each(['bundler', 'nodenext'])(
    'type-check in a project without @types/node (lib es2022 + dom, %s resolution)',
    async (resolution) => {
      expect(existsSync(join(folder, 'node_modules', '@types', 'node'))).toBe(false)
      const project = join(folder, `tsconfig.${resolution}.json`)
      await writeFile(
        project,
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            lib: ['es2022', 'dom'],
            types: [],
            module: resolution === 'bundler' ? 'esnext' : 'nodenext',
            moduleResolution: resolution,
            strict: true,
            noEmit: true,
            skipLibCheck: false,
          },
          files: ['types-check.ts'],
        }),
      )
      const result = await run(process.execPath, [typeScript, '-p', project], { cwd: folder }).then(
        () => '',
        (error: unknown) => (error as { stdout?: string }).stdout ?? 'tsc failed',
      )
      expect(result).toBe('')
    },
  )
})
