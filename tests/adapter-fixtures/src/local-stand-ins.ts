/**
 * Small stand-ins the gRPC adapters' tests share: a CLI home with a config.yaml of the test's own, and a VM
 * metadata service that is down or answers one status, all on this machine.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temporary HOME whose `.nebius/config.yaml` holds `lines`; `remove()` deletes it. */
export async function temporaryCliHome(
  lines: readonly string[],
): Promise<{ home: string; remove(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'nebius-cli-home-'))
  await mkdir(join(home, '.nebius'))
  await writeFile(join(home, '.nebius', 'config.yaml'), lines.join('\n'))
  return { home, remove: () => rm(home, { recursive: true, force: true }) }
}

/** A metadata service stand-in answering every request with `status`: its token endpoint URL, and close. */
export async function metadataServiceAnswering(status: number): Promise<{ url: string; close(): void }> {
  const service = createServer((request, response) => {
    request.resume()
    response.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"unavailable"}')
  })
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
  const { port } = service.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1/iam/sa/token`,
    close: () => {
      service.closeAllConnections()
      service.close()
    },
  }
}

/** A metadata token endpoint nothing listens on: a server bound to a free port, then closed. */
export async function metadataServiceDown(): Promise<string> {
  const service = createServer()
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve))
  const { port } = service.address() as AddressInfo
  await new Promise((resolve) => service.close(resolve))
  return `http://127.0.0.1:${port}/v1/iam/sa/token`
}
