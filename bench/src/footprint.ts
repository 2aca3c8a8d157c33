/**
 * Packed size of every published package; installed size of @nebius-auth/axios with its dependencies
 * (axios excluded) versus google-auth-library and @azure/identity installed the same way in scratch
 * folders; import time of core versus google-auth-library.
 */
import { execFile, execFileSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { interleave, type Comparison, type Measurement } from './interleave.js'

const run = promisify(execFile)
const repository = resolve(import.meta.dirname, '..', '..')

/** Bytes of every file under `path` (apparent size, symlinks not followed), measured the same for all. */
function directorySize(path: string): number {
  const stats = lstatSync(path)
  if (!stats.isDirectory()) return stats.size
  let total = 0
  for (const entry of readdirSync(path)) total += directorySize(join(path, entry))
  return total
}

/** Sizes of the top-level packages in a node_modules folder, scopes expanded, largest first. */
function packageSizes(modules: string): Record<string, number> {
  const sizes: [string, number][] = []
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue
    const names = entry.startsWith('@')
      ? readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`)
      : [entry]
    for (const name of names) sizes.push([name, directorySize(join(modules, name))])
  }
  return Object.fromEntries(sizes.sort((a, b) => b[1] - a[1]))
}

interface Manifest {
  name: string
  private?: boolean
}

/** Every package under packages/ that is published (not private) and built. */
function publishedPackages(): { folder: string; name: string; built: boolean }[] {
  const root = join(repository, 'packages')
  return readdirSync(root)
    .filter((folder) => existsSync(join(root, folder, 'package.json')))
    .map((folder) => {
      const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')) as Manifest
      return {
        folder: join(root, folder),
        name: manifest.name,
        built: existsSync(join(root, folder, 'dist')),
        manifest,
      }
    })
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ folder, name, built }) => ({ folder, name, built }))
}

/** pnpm, as the one running this script when it is (`pnpm bench`), else through npx. */
function pnpm(): [string, string[]] {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && basename(execPath).startsWith('pnpm')) return [process.execPath, [execPath]]
  return ['npx', ['-y', 'pnpm@10.34.8']]
}

/** The environment for npm, without the pnpm-only settings that pnpm exports and npm warns about. */
function npmEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^npm_config_(verify_deps_before_run|npm_globalconfig|_jsr_registry)$/i.test(name),
    ),
  )
}

async function npmInstall(folder: string, specs: string[]): Promise<void> {
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'package.json'), '{"name":"scratch","private":true,"type":"module"}\n')
  // --legacy-peer-deps: peers (axios) are left out, which is the measurement asked for. --prefer-offline:
  // the npm cache answers repeat runs, which changes how long this takes, not what gets installed.
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--legacy-peer-deps',
      '--prefer-offline',
      '--loglevel=error',
      ...specs,
    ],
    { cwd: folder, env: npmEnvironment() },
  )
}

/** Wall and CPU milliseconds of one `import()` in a fresh Node process (its startup excluded). */
async function importMilliseconds(folder: string, specifier: string): Promise<Measurement> {
  const script = [
    'const cpu = process.cpuUsage(); const begin = performance.now()',
    `await import(${JSON.stringify(specifier)})`,
    'const { user, system } = process.cpuUsage(cpu)',
    'process.stdout.write(JSON.stringify({ wall: performance.now() - begin, cpu: (user + system) / 1e3 }))',
  ].join('\n')
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: folder,
    encoding: 'utf8',
  })
  return JSON.parse(stdout) as Measurement
}

export interface Footprint {
  packedBytes: Record<string, number>
  /** Published packages whose build failed here, so not packed. */
  notBuilt: string[]
  installedBytes: Record<string, number>
  /** What the @nebius-auth/axios install is made of. */
  ourInstall: Record<string, number>
  installedRatioToGoogle: number
  importTime: Comparison
}

export const ourInstallLabel = '@nebius-auth/axios (+ deps, no axios)'

export async function footprint(rounds: number): Promise<Footprint> {
  const scratch = mkdtempSync(join(tmpdir(), 'nebius-auth-footprint-'))
  try {
    const tarballs = join(scratch, 'tarballs')
    mkdirSync(tarballs)
    const packedBytes: Record<string, number> = {}
    const tarballOf: Record<string, string> = {}
    const notBuilt: string[] = []
    const [command, prefix] = pnpm()
    for (const { folder, name, built } of publishedPackages()) {
      if (!built) {
        // `pnpm bench` builds only what the bench imports; a package it does not use is built here.
        try {
          execFileSync(command, [...prefix, 'run', 'build'], {
            cwd: folder,
            stdio: 'ignore',
            env: npmEnvironment(),
          })
        } catch {
          notBuilt.push(name)
          continue
        }
      }
      // pnpm pack, not npm pack: it rewrites workspace:^ ranges as publishing does.
      const output = execFileSync(command, [...prefix, 'pack', '--pack-destination', tarballs], {
        cwd: folder,
        encoding: 'utf8',
        env: npmEnvironment(),
      })
      const file = output.trim().split('\n').pop() ?? ''
      tarballOf[name] = file
      packedBytes[name] = statSync(file).size
    }
    const ours = join(scratch, 'nebius-auth-axios')
    const google = join(scratch, 'google-auth-library')
    const azure = join(scratch, 'azure-identity')
    await Promise.all([
      npmInstall(ours, [tarballOf['@nebius-auth/core'] ?? '', tarballOf['@nebius-auth/axios'] ?? '']),
      npmInstall(google, ['google-auth-library']),
      npmInstall(azure, ['@azure/identity']),
    ])
    const ourBytes = directorySize(join(ours, 'node_modules'))
    const googleBytes = directorySize(join(google, 'node_modules'))
    const installedBytes = {
      [ourInstallLabel]: ourBytes,
      'google-auth-library': googleBytes,
      '@azure/identity': directorySize(join(azure, 'node_modules')),
    }
    const importTime = await interleave(
      { rounds, unit: 'ms to import' },
      () => importMilliseconds(google, 'google-auth-library'),
      () => importMilliseconds(ours, '@nebius-auth/core'),
    )
    return {
      packedBytes,
      notBuilt,
      installedBytes,
      ourInstall: packageSizes(join(ours, 'node_modules')),
      installedRatioToGoogle: ourBytes / googleBytes,
      importTime,
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
