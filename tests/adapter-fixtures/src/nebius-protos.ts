/**
 * Nebius's own .proto files, set up in a scratch project exactly as the grpc and connect READMEs tell users:
 * the protos under `protos/`, protovalidate's `validate.proto`, npm's `google-proto-files`, the README's
 * `buf.yaml` (and `buf.gen.yaml`), then the README's `buf build` or `buf generate` command. The protos come from the folder named by
 * `NEBIUS_API_PROTOS` (holding `nebius/` and `buf/validate/`, as Nebius and protovalidate publish them);
 * CI sets it, and without it these tests are skipped with the reason printed.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, realpath, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The folder of Nebius's protos, or undefined. */
export const protosFolder: string | undefined = process.env.NEBIUS_API_PROTOS?.trim() || undefined

/** Why the tests over Nebius's protos cannot run here, or undefined when they can. */
export const skipReason: string | undefined =
  protosFolder === undefined
    ? "NEBIUS_API_PROTOS is not set (a folder with Nebius's nebius/ and buf/validate/ protos; .ci/run sets it)"
    : !existsSync(join(protosFolder, 'nebius')) || !existsSync(join(protosFolder, 'buf', 'validate'))
      ? `NEBIUS_API_PROTOS (${protosFolder}) has no nebius/ or buf/validate/ folder`
      : undefined

if (skipReason !== undefined) console.warn(`Skipping the tests over Nebius's own protos: ${skipReason}`)

/** The fenced code blocks of a Markdown text in one language, in order. */
export function codeBlocks(markdown: string, language: string): string[] {
  const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm')
  return [...markdown.matchAll(fence)].map((match) => match[1]!)
}

/** The first block of `language` that contains `marker`; throws when the README no longer has one. */
export function codeBlock(markdown: string, language: string, marker: string): string {
  const block = codeBlocks(markdown, language).find((text) => text.includes(marker))
  if (block === undefined) throw new Error(`no ${language} block with ${marker} in the README`)
  return block
}

/** Reads a package's README. */
export function readme(packageRoot: string): Promise<string> {
  return readFile(join(packageRoot, 'README.md'), 'utf8')
}

/** A scratch project: `node_modules` links to a package's copies, and Nebius's protos as the README lays them out. */
export interface UserProject {
  readonly folder: string
  /** Runs a command of the README (`npx buf …`) with the package's buf, in the project. */
  buf(commandLine: string): Promise<void>
}

async function link(target: string, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await symlink(await realpath(target), path)
}

/**
 * Makes the project for the package at `packageRoot`: links `packages` from its node_modules (the package
 * itself by its name, `@types/node` from the workspace's) and writes `files` (`buf.yaml`, …).
 */
export async function userProject(
  packageRoot: string,
  packages: readonly string[],
  files: Readonly<Record<string, string>>,
): Promise<UserProject> {
  if (protosFolder === undefined) throw new Error(skipReason)
  const folder = await mkdtemp(join(tmpdir(), 'nebius-protos-'))
  await writeFile(join(folder, 'package.json'), '{ "type": "module" }\n')
  for (const name of packages) {
    const own = join(packageRoot, 'node_modules', name)
    // The package under test links to itself; @types/node comes from the workspace root.
    const source = existsSync(own)
      ? own
      : name === '@types/node'
        ? join(packageRoot, '../../node_modules', name)
        : packageRoot
    await link(source, join(folder, 'node_modules', name))
  }
  // `git clone …/nebius/api protos` and `git clone …/bufbuild/protovalidate`, as the README says.
  await link(join(protosFolder, 'nebius'), join(folder, 'protos', 'nebius'))
  await link(join(protosFolder, 'buf'), join(folder, 'protovalidate', 'proto', 'protovalidate', 'buf'))
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text)
  const bufBin = join(packageRoot, 'node_modules', '@bufbuild', 'buf', 'bin', 'buf')
  return {
    folder,
    async buf(commandLine) {
      const words = commandLine.replace(/\\\n/g, ' ').trim().split(/\s+/)
      if (words[0] !== 'npx' || words[1] !== 'buf') throw new Error('expected an `npx buf …` command')
      // buf runs plugins (protoc-gen-es) from the project's node_modules/.bin, as npx would.
      const bin = join(packageRoot, 'node_modules', '.bin')
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }
      await run(process.execPath, [bufBin, ...words.slice(2)], { cwd: folder, env })
    },
  }
}

/** Type-checks files of a project with `tsc --strict`, as a user's `strict` tsconfig would; throws tsc's output. */
export async function typecheck(folder: string, files: readonly string[]): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const flags = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022']
  try {
    await run(process.execPath, [tsc, ...flags, '--types', 'node', ...files], { cwd: folder })
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? String(error)
    throw new Error(`tsc --strict fails:\n${output}`, { cause: error })
  }
}
