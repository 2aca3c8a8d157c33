#!/usr/bin/env node
// The command npm and pnpm link. It is committed, unlike dist/, so that `pnpm install` on a fresh clone finds
// it before anything is built (pnpm warns once per link for a bin that does not exist yet); it runs the CLI.
import '../dist/bin.js'
