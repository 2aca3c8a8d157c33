#!/usr/bin/env node
/**
 * nebius-auth demo. With no arguments: the offline end-to-end demo against a local emulator.
 * With --credentials, --profile, --from-env, --print-token, --url or --grpc: real mode (see --help).
 */
import { parseArgs } from 'node:util'
import { runOfflineDemo } from './offline.js'
import { createConsole } from './output.js'
import { runRealMode } from './real-mode.js'

const usage = `usage:
  demo                              offline demo against a local emulator (no credentials needed)
  demo --credentials <file>         real mode: a service account credentials file
  demo --profile <name>             real mode: a profile of ~/.nebius/config.yaml
  demo --from-env                   real mode: whatever the environment provides (fromEnvironment)
options in real mode:
  --endpoint <url>                  token exchange endpoint (default: Nebius IAM)
  --metadata-endpoint <url>         VM metadata token URL that --from-env probes (default: Nebius's)
  --print-token                     print the raw token alone on stdout, like 'nebius iam get-access-token'
  --url <https-url>                 make one authenticated GET (an HTTP service that accepts Nebius IAM tokens)
  --grpc                            call nebius.iam.v1.ProfileService/Get over gRPC and print who you are
  --grpc-target <host:port>         gRPC target for --grpc (default: cpl.iam.api.nebius.cloud:443)
  --grpc-root-cert <pem-file>       root certificate to trust for --grpc-target (default: system roots)`

async function main(): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        credentials: { type: 'string' },
        profile: { type: 'string' },
        'from-env': { type: 'boolean', default: false },
        endpoint: { type: 'string' },
        'metadata-endpoint': { type: 'string' },
        'print-token': { type: 'boolean', default: false },
        url: { type: 'string' },
        grpc: { type: 'boolean', default: false },
        'grpc-target': { type: 'string' },
        'grpc-root-cert': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }))
  } catch (error) {
    process.stderr.write(
      `error: ${error instanceof Error ? error.message : String(error)} (ERR_USAGE)\n${usage}\n`,
    )
    return 2
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  const real =
    values.credentials !== undefined ||
    values.profile !== undefined ||
    values['from-env'] ||
    values['print-token'] ||
    values.url !== undefined ||
    values.grpc ||
    values['grpc-target'] !== undefined
  if (!real) {
    if (values.endpoint !== undefined) {
      process.stderr.write(
        'error: --endpoint needs real mode (--credentials, --profile or --from-env) (ERR_USAGE)\n',
      )
      return 2
    }
    return (await runOfflineDemo(createConsole())) ? 0 : 1
  }
  return runRealMode(
    {
      credentials: values.credentials,
      profile: values.profile,
      endpoint: values.endpoint,
      metadataEndpoint: values['metadata-endpoint'],
      printToken: values['print-token'],
      url: values.url,
      grpc: values.grpc || values['grpc-target'] !== undefined,
      grpcTarget: values['grpc-target'],
      grpcRootCert: values['grpc-root-cert'],
    },
    createConsole(),
    (line) => process.stderr.write(`${line}\n`),
  )
}

process.exitCode = await main()
