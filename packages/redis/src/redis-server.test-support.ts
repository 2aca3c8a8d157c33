/**
 * A real `redis-server` per test file: a child process on a free 127.0.0.1 port, without persistence,
 * that tests can stop and start again on the same port to play an outage.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/**
 * Whether `redis-server` is on PATH. Missing, the Redis tests are skipped on a developer's machine, but
 * under CI (where `CI` is set) that is an error: a skipped suite must not pass for a green one.
 */
export function redisServerAvailable(): boolean {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
  if (!found && process.env.CI !== undefined && process.env.CI !== '') {
    throw new Error('redis-server is not on PATH; CI must install it (apt-get install redis-server)')
  }
  return found
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface RedisServer {
  readonly url: string
  /** Stops the server (an outage); connected clients see their connection drop. */
  stop(): Promise<void>
  /** Starts it again, empty, on the same port. */
  start(): Promise<void>
}

/** Starts `redis-server --port <free port> --bind 127.0.0.1 --save '' --appendonly no`. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined

  async function start(): Promise<void> {
    const process = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = process
    await new Promise<void>((resolve, reject) => {
      let output = ''
      process.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8')
        if (output.includes('Ready to accept connections')) resolve()
      })
      process.once('error', reject)
      process.once('exit', (code) => {
        reject(new Error(`redis-server exited with code ${String(code)}: ${output}`))
      })
    })
  }

  async function stop(): Promise<void> {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    await new Promise<void>((resolve) => {
      running.once('exit', () => {
        resolve()
      })
      running.kill('SIGTERM')
    })
  }

  await start()
  return { url: `redis://127.0.0.1:${port}`, stop, start }
}
