import eslint from '@eslint/js'
import { defineConfig } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// @nebius-auth/core's folders in layers, lowest first. A file may import its own folder and the folders
// before it, never one after it; `common` imports nothing of ours at all. The rules below are generated from
// this list, so moving a folder here is how the architecture changes (docs/ARCHITECTURE.md draws it).
const coreLayers = [
  'common',
  'runtime',
  'keys',
  'exchange',
  'cache',
  'providers',
  'node-only',
  'platform',
  'adapter',
]
// Only these may import node:* (everything else runs unchanged on Workers, the edge runtime and browsers).
const nodeFolders = ['runtime/node', 'node-only']
// `#platform/*` picks the Node wing or its web stand-ins: only the top (the adapter kit, the entry points) asks.
const platformUsers = ['adapter']

function coreBoundaries(folder, { allowNode }) {
  const layer = folder.split('/')[0]
  const later = coreLayers.slice(coreLayers.indexOf(layer) + 1)
  const patterns = [
    layer === 'common'
      ? { regex: '^(\\.\\./|#)', message: 'common/ is the bottom layer: it imports nothing of ours.' }
      : {
          regex: `^(\\.\\./)+(${[...later, 'index\\.js', 'advanced\\.js'].join('|')})`,
          message: `${layer}/ may import only ${coreLayers.slice(0, coreLayers.indexOf(layer) + 1).join(', ')} (see coreLayers in eslint.config.js).`,
        },
  ]
  if (!platformUsers.includes(layer)) {
    patterns.push({
      regex: '^#platform/',
      message: '#platform/* is for the top layer only (adapter/, index.ts).',
    })
  }
  if (!allowNode) {
    patterns.push({ regex: '^node:', message: 'node:* belongs in node-only/ or runtime/node/.' })
  }
  return {
    files: [`packages/core/src/${folder}/**/*.ts`],
    ignores: ['**/*.test.ts', '**/*.test-support.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  }
}

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      'docs/api/**',
      'bench/scratch/**',
      '**/src/gen/**',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and booleans in template strings read naturally in messages.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // CommonJS fixtures exist to prove require() works, so require() is their point.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Core's import direction (see coreLayers above); the Node folders come after their layer to lift the node:* ban.
  ...coreLayers.map((folder) => coreBoundaries(folder, { allowNode: nodeFolders.includes(folder) })),
  ...nodeFolders.map((folder) => coreBoundaries(folder, { allowNode: true })),
  {
    // Tests poke at internals and assert on shapes; these rules add noise there, not safety.
    files: ['**/*.test.ts', '**/*.test-support.ts', '**/test/**/*.ts', 'tests/adapter-fixtures/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
)
