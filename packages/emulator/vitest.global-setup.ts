import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'

/**
 * The bin and the package entry are tested as users run them, from `dist`; build it first (incremental,
 * so a no-op under turbo, which has just built it) so that `vitest run` alone never tests stale output.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '--build', 'tsconfig.build.json'], {
    cwd: import.meta.dirname,
    stdio: 'inherit',
  })
}
