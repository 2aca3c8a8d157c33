/**
 * Packed size of every package; installed size of @nebius-auth/axios with its dependencies (axios
 * excluded) versus google-auth-library and @azure/identity installed the same way in scratch folders;
 * import time of core versus google-auth-library.
 */
import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { interleave, type Comparison } from './interleave.js'

const repository = resolve(import.meta.dirname, '..', '..')
const published = ['core', 'axios', 'got', 'ky', 'fetch', 'emulator']

function directorySize(path: string): number {
  const stats = lstatSync(path)
  if (!stats.isDirectory()) return stats.size
  let total = 0
  for (const entry of readdirSync(path)) total += directorySize(join(path, entry))
  return total
}

function npmInstall(folder: string, specs: string[]): void {
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, 'package.json'), '{"name":"scratch","private":true,"type":"module"}\n')
  // --legacy-peer-deps: peers (axios) are left out, which is the measurement asked for.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', '--loglevel=error', ...specs], {
    cwd: folder,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}

function importMilliseconds(folder: string, specifier: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t))`
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: folder, encoding: 'utf8' })
  return Promise.resolve(Number(output))
}

export interface Footprint {
  packedBytes: Record<string, number>
  installedBytes: Record<string, number>
  installedRatioToGoogle: number
  importTime: Comparison
}

export async function footprint(rounds: number): Promise<Footprint> {
  const scratch = mkdtempSync(join(tmpdir(), 'nebius-auth-footprint-'))
  try {
    const tarballs = join(scratch, 'tarballs')
    mkdirSync(tarballs)
    const packedBytes: Record<string, number> = {}
    const tarballOf: Record<string, string> = {}
    for (const name of published) {
      const output = execFileSync('npx', ['-y', 'pnpm@10.34.8', 'pack', '--pack-destination', tarballs], {
        cwd: join(repository, 'packages', name),
        encoding: 'utf8',
      })
      const file = output.trim().split('\n').pop() ?? ''
      tarballOf[name] = file
      packedBytes[`@nebius-auth/${name}`] = statSync(file).size
    }
    const ours = join(scratch, 'nebius-auth-axios')
    npmInstall(ours, [tarballOf.core ?? '', tarballOf.axios ?? ''])
    const google = join(scratch, 'google-auth-library')
    npmInstall(google, ['google-auth-library'])
    const azure = join(scratch, 'azure-identity')
    npmInstall(azure, ['@azure/identity'])
    const installedBytes = {
      '@nebius-auth/axios (+ core, jose, yaml)': directorySize(join(ours, 'node_modules')),
      'google-auth-library': directorySize(join(google, 'node_modules')),
      '@azure/identity': directorySize(join(azure, 'node_modules')),
    }
    const importTime = await interleave(
      rounds,
      () => importMilliseconds(google, 'google-auth-library'),
      () => importMilliseconds(ours, '@nebius-auth/core'),
      'ms to import',
    )
    return {
      packedBytes,
      installedBytes,
      installedRatioToGoogle:
        installedBytes['@nebius-auth/axios (+ core, jose, yaml)'] / installedBytes['google-auth-library'],
      importTime,
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
