import { mkdirSync, rmSync } from 'node:fs'

import { runDirectory } from './run-directory.js'

/** Starts every run with an empty run directory, so a stale file from an earlier run cannot hide a gap. */
export default function setup(): void {
  rmSync(runDirectory, { recursive: true, force: true })
  mkdirSync(runDirectory, { recursive: true })
}
