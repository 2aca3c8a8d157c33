// The import direction of core's folders is a lint rule (coreLayers in the workspace's eslint.config.js).
// `pnpm lint` proves the code keeps it; this proves the rule bites: a wrong-way import planted in a folder
// fails, and a right-way one passes. Linted as text, with the real config, minus the type-aware rules
// (the planted files do not exist on disk, so the TypeScript project cannot hold them).
import { fileURLToPath } from 'node:url'

import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'

const workspace = fileURLToPath(new URL('../../..', import.meta.url))
const eslint = new ESLint({ cwd: workspace, overrideConfig: tseslint.configs.disableTypeChecked })

async function importErrors(folder: string, source: string): Promise<string[]> {
  const filePath = `${workspace}packages/core/src/${folder}/planted.ts`
  const [result] = await eslint.lintText(`${source}\nexport const planted = 1\n`, { filePath })
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message)
}

describe("core's layers", () => {
  it.each([
    ['common', "import { cached } from '../providers/cached.js'", 'common/ is the bottom layer'],
    ['common', "import { emitEvent } from '../runtime/emit-event.js'", 'common/ is the bottom layer'],
    ['common', "import { writeDebugLine } from '#runtime/debug-log'", 'common/ is the bottom layer'],
    ['exchange', "import { isLoopbackHost } from '../adapter/origins.js'", 'exchange/ may import only'],
    ['keys', "import { exchangeToken } from '../exchange/token-exchange.js'", 'keys/ may import only'],
    ['cache', "import { named } from '../providers/named.js'", 'cache/ may import only'],
    ['providers', "import { cliToken } from '../node-only/cli-token.js'", 'providers/ may import only'],
    ['providers', "import { fromEnvironment } from '#platform/providers'", '#platform/* is for the top'],
    ['runtime/web', "import { signAssertion } from '../../keys/rs256-signer.js'", 'runtime/ may import only'],
    ['node-only', "export { serviceAccount } from '../index.js'", 'node-only/ may import only'],
    ['cache', "import { signAssertion } from '../advanced.js'", 'cache/ may import only'],
    ['keys', "import { readFile } from 'node:fs/promises'", 'node:* belongs in'],
    ['runtime/web', "import { createPrivateKey } from 'node:crypto'", 'node:* belongs in'],
  ])('refuses a wrong-way import planted in %s/: %s', async (folder, source, expected) => {
    const errors = await importErrors(folder, source)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(expected)
  })

  it.each([
    ['common', "import { CredentialsError } from './errors.js'"],
    ['runtime', "import { CredentialsError } from '../common/errors.js'"],
    ['keys', "import { decodePemKey } from '#runtime/key-decoder'"],
    ['providers', "import { cachedProvider } from '../cache/token-cache.js'"],
    ['node-only', "import { readFile } from 'node:fs/promises'"],
    ['runtime/node', "import { open } from 'node:fs/promises'"],
    ['adapter', "import { defaultProvider } from '#platform/providers'"],
  ])('accepts a right-way import in %s/: %s', async (folder, source) => {
    expect(await importErrors(folder, source)).toEqual([])
  })
})
