/**
 * The suite-wide collector of everything a user could see (error messages, events, debug log lines,
 * `util.inspect` output) and of every secret the suite used (tokens, assertions, PEM bodies, passphrases).
 * Each test file scans its own outputs for its own secrets when it ends; scripts/write-figures.mjs then
 * scans every file's outputs for every file's secrets.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inspect } from 'node:util'

import { runDirectory } from './run-directory.js'

export type OutputKind = 'error' | 'event' | 'log' | 'inspect'

// Shorter fragments would match innocent text by chance; every real secret part here is far longer.
const minimumSecretLength = 12

const secrets = new Set<string>()
// Outputs repeat a lot (the same message for thousands of inputs): keep each distinct text once, count all.
const distinctOutputs = new Set<string>()
const outputCounts: Record<OutputKind, number> = { error: 0, event: 0, log: 0, inspect: 0 }
const figures: Record<string, Record<string, unknown>> = {}

/** Registers strings that must never appear in any output. Short ones are ignored (see above). */
export function registerSecrets(values: Iterable<string>): void {
  for (const value of values) if (value.length >= minimumSecretLength) secrets.add(value)
}

/** The secret parts of a token or JWT: the whole value and its signature (the part after the last dot). */
export function tokenSecrets(token: string): string[] {
  const signature = token.slice(token.lastIndexOf('.') + 1)
  return signature === token ? [token] : [token, signature]
}

/** The secret parts of a PEM: its whole base64 body and each body line. */
export function pemSecrets(pem: string): string[] {
  const lines = pem
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('-----') && !line.includes(':'))
  return [lines.join(''), ...lines]
}

export function recordOutput(kind: OutputKind, text: string): void {
  outputCounts[kind]++
  distinctOutputs.add(text)
}

/** Records what printing an error shows: its message, `String()` and a deep `util.inspect` with causes. */
export function recordError(error: unknown): void {
  recordOutput('error', error instanceof Error ? error.message : String(error))
  recordOutput('error', String(error))
  recordOutput('inspect', inspect(error, { depth: 10, showHidden: true }))
}

export function recordInspect(value: unknown): void {
  recordOutput('inspect', inspect(value, { depth: 10, showHidden: true }))
  // JSON.stringify gives undefined for undefined and functions, whatever its declared type says.
  const json: unknown = JSON.stringify(value)
  recordOutput('inspect', typeof json === 'string' ? json : 'undefined')
}

export function recordEvent(event: object): void {
  recordOutput('event', JSON.stringify(event))
}

/** Adds figures for the results file; the same scenario may be filled by several tests. */
export function recordFigures(scenario: string, values: Record<string, unknown>): void {
  figures[scenario] = { ...figures[scenario], ...values }
}

export function outputsScanned(): number {
  return Object.values(outputCounts).reduce((sum, count) => sum + count, 0)
}

/** How many (secret, output) pairs match; the secrets themselves are never returned or printed. */
export function countLeaks(): number {
  let hits = 0
  for (const output of distinctOutputs) {
    for (const secret of secrets) if (output.includes(secret)) hits++
  }
  return hits
}

/** Writes this file's collection to the run directory for the suite-wide scan. */
export function flushCollector(file: string, extra: Record<string, unknown>): void {
  const name = file.replace(/[^A-Za-z0-9.-]+/g, '_')
  const collected = {
    file,
    outputCounts,
    outputs: [...distinctOutputs],
    secrets: [...secrets],
    figures,
    ...extra,
  }
  writeFileSync(join(runDirectory, `${name}.json`), JSON.stringify(collected))
}
