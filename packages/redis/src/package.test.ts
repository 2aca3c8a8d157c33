import { readFileSync } from 'node:fs'

import { describe, expect, it } from 'vitest'

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')
const manifest = JSON.parse(read('../package.json')) as { peerDependencies: Record<string, string> }

/** `4` → [4, 0, 0]: a bare major claims the whole major, `4.7` claims 4.7.0 onwards. */
function parts(version: string): number[] {
  return [...version.split('.').map(Number), 0, 0].slice(0, 3)
}

function below(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)]
  const index = a.findIndex((part, at) => part !== b[at])
  return index !== -1 && (a[index] ?? 0) < (b[index] ?? 0)
}

describe('@nebius-auth/redis entry', () => {
  it('exports exactly its public API from the built entry', async () => {
    const entry: Record<string, unknown> = await import('@nebius-auth/redis')
    expect(Object.keys(entry).sort()).toEqual(['redisStore'])
  })

  it('claims in its README and TSDoc no client version below its peer ranges', () => {
    const texts = [read('../README.md'), read('./redis-store.ts')].join('\n')
    for (const [client, peer] of [
      ['node-redis', 'redis'],
      ['ioredis', 'ioredis'],
    ] as const) {
      const floors = (manifest.peerDependencies[peer] ?? '').split('||').map((part) => part.trim().slice(1))
      for (const [, version = ''] of texts.matchAll(new RegExp(`${client} (\\d+(?:\\.\\d+){0,2})`, 'g'))) {
        const floor = floors.find((candidate) => parts(candidate)[0] === parts(version)[0])
        expect(
          floor,
          `${client} ${version} is outside ${peer}@"${manifest.peerDependencies[peer]}"`,
        ).toBeDefined()
        expect(below(version, floor ?? ''), `${client} ${version} is below ${floor}`).toBe(false)
      }
    }
  })
})
