import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The bin and the package entry are tested as users run them, from `dist`; build it first (incremental,
 * so a no-op under turbo, which has just built it) so that `vitest run` alone never tests stale output.
 * `src/gen` is generated, not committed: a fresh clone gets it from `buf generate` here or in `pnpm build`.
 */
export default function setup(): void {
  const require = createRequire(import.meta.url)
  const options = { cwd: import.meta.dirname, stdio: 'inherit' } as const
  if (!existsSync(new URL('src/gen', import.meta.url))) {
    // buf runs the protoc-gen-es plugin from node_modules/.bin, as `pnpm build` would.
    const bin = fileURLToPath(new URL('node_modules/.bin', import.meta.url))
    const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }
    execFileSync(process.execPath, [require.resolve('@bufbuild/buf/bin/buf'), 'generate'], {
      ...options,
      env,
    })
  }
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '--build', 'tsconfig.build.json'],
    options,
  )
}
