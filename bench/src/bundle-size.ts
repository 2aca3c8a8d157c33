/**
 * The bundle budget: what core + fetch add to a web app or an edge function. esbuild bundles and minifies
 * an entry that imports `serviceAccount` and fetch's `withNebiusAuth`, for the browser platform (what
 * Workers, the edge runtime and browsers get, jose included) and for Node; both are gzipped. Beside them,
 * the size core, fetch and their dependencies take in node_modules.
 */
import { lstatSync, readdirSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build, type Platform } from 'esbuild'

const benchFolder = resolve(import.meta.dirname, '..')

const entry = `
import { serviceAccount } from '@nebius-auth/core'
import { withNebiusAuth } from '@nebius-auth/fetch'
export const api = withNebiusAuth(fetch, {
  provider: serviceAccount({ serviceAccountId: 'serviceaccount-e00a', publicKeyId: 'publickey-e00b', privateKey: PEM }),
})
`

export interface BundleSize {
  /** Minified bytes, and gzipped, for `--platform=browser` (jose included). */
  browser: { minified: number; gzipped: number; nodeImports: number }
  /** The same entry for `--platform=node` (node: built-ins left external, as Node provides them). */
  node: { minified: number; gzipped: number }
  /** Bytes on disk of core, fetch and their dependencies (jose, yaml) as installed. */
  installed: Record<string, number>
}

async function bundle(platform: Platform): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: benchFolder, loader: 'js' },
    bundle: true,
    minify: true,
    platform,
    format: 'esm',
    define: { PEM: '""' },
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]?.text ?? ''
}

function directorySize(path: string): number {
  const stats = lstatSync(path)
  if (!stats.isDirectory()) return stats.size
  let total = 0
  for (const name of readdirSync(path)) {
    // A workspace package's own node_modules holds links to its dependencies, measured on their own.
    if (name !== 'node_modules') total += directorySize(join(path, name))
  }
  return total
}

/** The folder of an installed package, found from the package that depends on it. */
function packageFolder(name: string, from: string): string {
  const manifest = createRequire(join(from, 'package.json')).resolve(`${name}/package.json`)
  return realpathSync(dirname(manifest))
}

export async function bundleSize(): Promise<BundleSize> {
  const browser = await bundle('browser')
  const node = await bundle('node')
  const fetchFolder = packageFolder('@nebius-auth/fetch', benchFolder)
  const coreFolder = packageFolder('@nebius-auth/core', benchFolder)
  const installed: Record<string, number> = {}
  for (const [name, folder] of [
    ['@nebius-auth/core', coreFolder],
    ['@nebius-auth/fetch', fetchFolder],
    ['jose', packageFolder('jose', coreFolder)],
    ['yaml', packageFolder('yaml', coreFolder)],
  ] as const) {
    // What a registry install holds: the published files (dist and the manifest files), not sources.
    installed[name] = name.startsWith('@nebius-auth/')
      ? directorySize(join(folder, 'dist')) + directorySize(join(folder, 'package.json'))
      : directorySize(folder)
  }
  return {
    browser: {
      minified: Buffer.byteLength(browser),
      gzipped: gzipSync(browser, { level: 9 }).length,
      nodeImports: (browser.match(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/g) ?? []).length,
    },
    node: { minified: Buffer.byteLength(node), gzipped: gzipSync(node, { level: 9 }).length },
    installed,
  }
}
