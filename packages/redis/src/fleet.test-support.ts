/**
 * A fleet of real Node.js processes sharing one token store, each running test/fleet-worker.mjs, so the
 * fleet tests count exchanges across process boundaries as production would see them.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import type { EmulatedServiceAccount } from '@nebius-auth/emulator'

import type { RedisClientName } from './redis-clients.test-support.js'

const workerPath = fileURLToPath(new URL('../test/fleet-worker.mjs', import.meta.url))

export interface FleetConfig {
  store: 'redis' | 'file'
  /** Which real Redis client the workers use; see redis-clients.test-support.ts. */
  client?: RedisClientName
  redisUrl?: string
  filePath?: string
  endpoint: string
  account: Pick<EmulatedServiceAccount, 'serviceAccountId' | 'publicKeyId'> & { privateKey: string }
}

/** What one process reports after a round of concurrent getToken calls. */
export interface RoundResult {
  succeeded: number
  errors: string[]
  /** The distinct tokens its callers received. */
  tokens: string[]
  /** store-error events so far. */
  storeErrors: number
}

export interface Fleet {
  readonly size: number
  /** `count` concurrent getToken calls in every process at once; `reject` passes each one's last token as rejected. */
  round(count: number, options?: { reject?: boolean }): Promise<RoundResult[]>
  /** Resolves once every process's Redis client is connected again. */
  reconnected(): Promise<void>
  close(): Promise<void>
}

function nextMessage<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }): void => {
      if (message.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message as T)
    }
    const onExit = (code: number | null): void => {
      child.off('message', onMessage)
      reject(new Error(`a fleet worker exited with code ${String(code)} while the test waited for ${type}`))
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/** Forks `size` workers and resolves once all of them are ready. */
export async function startFleet(size: number, config: FleetConfig): Promise<Fleet> {
  const children = Array.from({ length: size }, () =>
    fork(workerPath, [], {
      env: { ...process.env, NEBIUS_FLEET_CONFIG: JSON.stringify(config) },
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  await Promise.all(children.map((child) => nextMessage(child, 'ready')))

  async function reconnected(): Promise<void> {
    for (;;) {
      const statuses = await Promise.all(
        children.map((child) => {
          const reply = nextMessage<{ ready: boolean }>(child, 'status')
          child.send({ type: 'status' })
          return reply
        }),
      )
      if (statuses.every((status) => status.ready)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  return {
    size,
    async round(count, options = {}) {
      const replies = children.map((child) => nextMessage<RoundResult>(child, 'done'))
      for (const child of children) child.send({ type: 'run', count, reject: options.reject === true })
      return Promise.all(replies)
    },
    reconnected,
    async close() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) {
                resolve()
                return
              }
              child.once('exit', () => {
                resolve()
              })
              child.send({ type: 'exit' })
            }),
        ),
      )
    },
  }
}

/** The figures CI shows, one line per round. */
export function report(name: string, fleet: Fleet, count: number, exchanges: number): void {
  console.log(
    `${name}: ${fleet.size} processes × ${count} concurrent getToken = ${fleet.size * count} requests, ${exchanges} exchange(s) in total`,
  )
}
