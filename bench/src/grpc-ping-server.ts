/**
 * The plaintext gRPC server the gRPC benchmark talks to, in a child process so the benchmark's CPU time is
 * the client's alone. It serves the emulator's `TestService/Whoami` and answers with the caller's
 * authorization metadata, so the harness can check that both arms really send a Bearer token. Prints its
 * port on stdout; ends when its parent closes its stdin.
 */
import { loadPackageDefinition, Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import { protoDirectory } from '@nebius-auth/emulator/proto'

const loaded = loadPackageDefinition(
  loadSync('nebius_auth/emulator/v1/test_service.proto', { includeDirs: [protoDirectory] }),
) as unknown as { nebius_auth: { emulator: { v1: { TestService: { service: ServiceDefinition } } } } }

const server = new Server()
server.addService(loaded.nebius_auth.emulator.v1.TestService.service, {
  Whoami(
    call: { metadata: { get(key: string): (string | Buffer)[] } },
    callback: (error: null, response: { serviceAccountId: string }) => void,
  ) {
    const [authorization = '-'] = call.metadata.get('authorization')
    callback(null, { serviceAccountId: authorization.toString() })
  },
})
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) throw error
  process.stdout.write(`${String(port)}\n`)
})

// An orphaned server must not outlive the benchmark.
process.stdin.resume()
process.stdin.on('end', () => {
  server.forceShutdown()
  process.stdin.pause()
})
