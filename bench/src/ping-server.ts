/**
 * The keep-alive node:http server the adapter benchmark talks to, run as a child process so that the
 * benchmark's own CPU time is the client's alone: the figure then compares what each client costs, not
 * what the client and the server cost together. `/whoami` echoes the Authorization header, so the
 * harness can check that the adapted clients really send the token and the bare ones do not. Prints its
 * port on stdout; ends when its parent kills it or closes its stdin.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const ok = '{"ok":true}'

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  request.resume()
  request.on('end', () => {
    const body = request.url?.endsWith('/whoami') === true ? (request.headers.authorization ?? '-') : ok
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) })
    response.end(body)
  })
})

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${String((server.address() as AddressInfo).port)}\n`)
})

// An orphaned server must not outlive the benchmark.
process.stdin.resume()
process.stdin.on('end', () => {
  server.closeAllConnections()
  server.close()
  process.stdin.pause()
})
