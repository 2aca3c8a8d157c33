// One process of a fleet in the fleet tests: a serviceAccount provider with a shared store, built from
// the published entries (dist) exactly as a user's program would load them. Driven over the IPC channel.
import { fileStore, serviceAccount } from '@nebius-auth/core'

const config = JSON.parse(process.env.NEBIUS_FLEET_CONFIG ?? '{}')

let client
let store
if (config.store === 'redis') {
  // Imported only here, so the fileStore fleet starts without loading a Redis client. `config.client`
  // names one of the real clients the store supports (src/redis-clients.test-support.ts).
  const { redisStore } = await import('@nebius-auth/redis')
  if (config.client === 'ioredis 5') {
    const { Redis } = await import('ioredis')
    // As ioredis's README starts it, which is what a user of the fleet store writes.
    client = new Redis(config.redisUrl, { retryStrategy: () => 50, maxRetriesPerRequest: 1 })
    client.on('error', () => undefined)
    await new Promise((resolve) => client.once('ready', resolve))
  } else {
    const { createClient } = await import(config.client === 'node-redis 4.7.0' ? 'redis-4' : 'redis')
    client = createClient({
      url: config.redisUrl,
      socket: { reconnectStrategy: () => 50, connectTimeout: 1000 },
    })
    // Every failed reconnect during the outage emits 'error'; the provider reports store failures itself.
    client.on('error', () => undefined)
    await client.connect()
  }
  store = redisStore(client)
} else {
  store = fileStore(config.filePath)
}

let storeErrors = 0
const provider = serviceAccount({
  ...config.account,
  endpoint: config.endpoint,
  store,
  onEvent: (event) => {
    if (event.type === 'store-error') storeErrors++
  },
})

let lastToken

async function run(count, reject) {
  const options = reject && lastToken !== undefined ? { rejected: lastToken } : undefined
  const results = await Promise.allSettled(Array.from({ length: count }, () => provider.getToken(options)))
  const tokens = new Set()
  const errors = []
  for (const result of results) {
    if (result.status === 'fulfilled') tokens.add(result.value.token)
    else errors.push(result.reason?.code ?? String(result.reason))
  }
  lastToken = [...tokens][0]
  return { succeeded: count - errors.length, errors, tokens: [...tokens], storeErrors }
}

process.on('message', (message) => {
  if (message.type === 'run') {
    void run(message.count, message.reject).then((result) => process.send({ type: 'done', ...result }))
  } else if (message.type === 'status') {
    // node-redis says isReady, ioredis status === 'ready'.
    const ready = client === undefined || client.isReady === true || client.status === 'ready'
    process.send({ type: 'status', ready })
  } else if (message.type === 'exit') {
    provider.close()
    if (typeof client?.destroy === 'function') client.destroy()
    else client?.disconnect()
    process.exit(0)
  }
})

process.send({ type: 'ready' })
