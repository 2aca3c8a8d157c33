/**
 * Builds what every runtime test uses: the packed tarballs of @nebius-auth/core and @nebius-auth/fetch,
 * installed into a scratch project with npm as a user would, the scenario files beside them, and the
 * browser-platform bundles that workerd and the edge runtime run.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

/** `pnpm pack` (it rewrites `workspace:^` to a version), run with the pnpm that runs this suite. */
async function pack(packageFolder: string, destination: string): Promise<string> {
  const pnpm = process.env.npm_execpath
  const [command, prefix] =
    pnpm !== undefined && pnpm.includes('pnpm') ? [process.execPath, [pnpm]] : ['npx', ['-y', 'pnpm@10.34.8']]
  await run(command, [...prefix, 'pack', '--pack-destination', destination], {
    cwd: join(root, 'packages', packageFolder),
  })
  const name = (await readdir(destination)).find((file) => file.startsWith(`nebius-auth-${packageFolder}-`))
  if (name === undefined) throw new Error(`pnpm pack left no tarball for ${packageFolder}`)
  return join(destination, name)
}

/**
 * A scratch project with the packed core and fetch installed by npm (jose from the registry, as a user
 * gets it), and the scenario files. Returns its folder.
 */
export async function createScratchProject(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'nebius-auth-runtimes-'))
  const tarballs = join(folder, 'tarballs')
  await mkdir(tarballs)
  const core = await pack('core', tarballs)
  const fetchAdapter = await pack('fetch', tarballs)
  const manifest = {
    name: 'runtime-scratch',
    private: true,
    type: 'module',
    dependencies: { '@nebius-auth/core': `file:${core}`, '@nebius-auth/fetch': `file:${fetchAdapter}` },
  }
  await writeFile(join(folder, 'package.json'), JSON.stringify(manifest, null, 2))
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'], {
    cwd: folder,
  })
  for (const file of await readdir(fixtures)) await copyFile(join(fixtures, file), join(folder, file))
  return folder
}

/**
 * Bundles an entry of the scratch project for a web runtime: esbuild's browser platform with the runtime's
 * own export conditions, nothing marked external, so any `node:` import would fail the build.
 */
export async function bundleForWeb(
  folder: string,
  entry: string,
  options: { conditions: string[]; format: 'esm' | 'iife' },
): Promise<string> {
  const result = await build({
    absWorkingDir: folder,
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    conditions: options.conditions,
    format: options.format,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  const [output] = result.outputFiles
  if (output === undefined) throw new Error(`esbuild produced nothing for ${entry}`)
  return output.text
}
