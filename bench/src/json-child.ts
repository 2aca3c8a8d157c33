/**
 * Runs a measuring child process and reads its answer: the figures that need V8 flags fixed at start-up
 * (allocation.ts) or a process under valgrind (instructions.ts) each run a child that writes one JSON
 * value to stdout. Its stderr goes to ours, so a failure there is seen as it happens.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'

/** Runs `command` with `args` and parses what it wrote to stdout; `what` names it in the error. */
export async function runJsonChild<T>(command: string, args: string[], what: string): Promise<T> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const chunks: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  const [code] = (await once(child, 'exit')) as [number | null]
  if (code !== 0) throw new Error(`${what} ended with code ${String(code)}`)
  return JSON.parse(Buffer.concat(chunks).toString()) as T
}
