import { fileURLToPath } from 'node:url'

/**
 * Where each test file leaves what it collected (outputs, secrets, figures) for scripts/write-figures.mjs,
 * which scans the whole suite's outputs for the whole suite's secrets and writes results.json. Files, not
 * memory: vitest runs every test file in its own worker.
 */
export const runDirectory = fileURLToPath(new URL('../../.run/', import.meta.url))
