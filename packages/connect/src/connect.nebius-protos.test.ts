// Connect-ES over Nebius's own .proto files, generated the way the README tells users (`buf generate` with
// protoc-gen-es), calling the emulator's TLS gRPC face through nebiusAuthInterceptor.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

import type { DescService } from '@bufbuild/protobuf'
import { Code, createClient } from '@connectrpc/connect'
import {
  codeBlock,
  readme,
  skipReason,
  typecheck,
  userProject,
  type UserProject,
} from '@nebius-auth/adapter-fixtures/nebius-protos'
import { serviceAccount } from '@nebius-auth/core'
import { startEmulator, type Emulator, type EmulatorGrpc } from '@nebius-auth/emulator'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

import { nebiusAuthInterceptor } from './nebius-auth-interceptor.js'
import { grpcTransport } from './transports.test-support.js'

const packageRoot = dirname(import.meta.dirname)
// The README's example and its type check run once, not per Connect line.
const firstLine = process.env.CONNECT_LINE !== '2.0'

// The generated services, typed by hand here because the code is generated when the test runs.
interface ProfileServiceClient {
  get(request: object): Promise<{
    profile: { case: string | undefined; value?: { info?: { metadata?: { id: string; parentId: string } } } }
  }>
}
interface InstanceServiceClient {
  list(request: { parentId: string }): Promise<{
    items: { metadata?: { id: string; parentId: string; name: string }; spec?: unknown }[]
  }>
}

describe.skipIf(skipReason !== undefined)("Connect-ES over Nebius's own protos", () => {
  let guide: string
  let project: UserProject
  let emulator: Emulator & { readonly grpc: EmulatorGrpc }
  let account: ReturnType<Emulator['createServiceAccount']>

  async function generated(file: string, service: string): Promise<DescService> {
    const module = (await import(pathToFileURL(join(project.folder, 'src/gen', file)).href)) as Record<
      string,
      DescService
    >
    return module[service]!
  }

  function clientOf(service: DescService, interceptors = true): unknown {
    const provider = serviceAccount({
      ...account,
      privateKey: account.privateKeyPem,
      endpoint: emulator.exchangeEndpoint,
    })
    const origins = [`https://${emulator.grpc.address}`]
    const transport = grpcTransport(
      emulator.grpc,
      interceptors ? [nebiusAuthInterceptor({ provider, origins })] : [],
    )
    return createClient(service, transport)
  }

  beforeAll(async () => {
    guide = await readme(packageRoot)
    const packages = [
      '@bufbuild/protobuf',
      '@connectrpc/connect',
      '@connectrpc/connect-node',
      '@nebius-auth/connect',
      '@nebius-auth/core',
      '@types/node',
      'google-proto-files',
    ]
    project = await userProject(packageRoot, packages, {
      'buf.yaml': codeBlock(guide, 'yaml', 'modules:'),
      'buf.gen.yaml': codeBlock(guide, 'yaml', 'plugins:'),
    })
    await project.buf(codeBlock(guide, 'sh', 'npx buf generate'))
    emulator = await startEmulator({ grpc: true })
    account = emulator.createServiceAccount({ keyBits: 2048 })
  })
  afterAll(async () => {
    // A failed beforeAll may leave either unset.
    ;(emulator as Emulator | undefined)?.close()
    const folder = (project as UserProject | undefined)?.folder
    if (folder !== undefined) await rm(folder, { recursive: true, force: true })
  })

  it('calls nebius.iam.v1.ProfileService/Get and decodes the real GetProfileResponse', async () => {
    const service = await generated('nebius/iam/v1/profile_service_pb.ts', 'ProfileService')
    const response = await (clientOf(service) as ProfileServiceClient).get({})
    expect(response.profile.case).toBe('serviceAccountProfile')
    expect(response.profile.value?.info?.metadata).toMatchObject({
      id: account.serviceAccountId,
      parentId: expect.stringMatching(/^project-e00/),
    })
  })

  it('calls nebius.compute.v1.InstanceService/List with a token, and is refused without one', async () => {
    const service = await generated('nebius/compute/v1/instance_service_pb.ts', 'InstanceService')
    const response = await (clientOf(service) as InstanceServiceClient).list({ parentId: 'project-e00mine' })
    expect(response.items.map((instance) => instance.metadata)).toEqual([
      expect.objectContaining({ parentId: 'project-e00mine', name: 'emulator-instance' }),
    ])
    await expect(
      (clientOf(service, false) as InstanceServiceClient).list({ parentId: 'project-e00mine' }),
    ).rejects.toMatchObject({
      code: Code.Unauthenticated,
    })
  })

  it.runIf(firstLine)(
    "type-checks the README's quick start under strict, with the generated code",
    async () => {
      await writeFile(join(project.folder, 'src', 'quick-start.ts'), codeBlock(guide, 'ts', 'nebiusBaseUrl('))
      await typecheck(project.folder, ['src/quick-start.ts'])
    },
  )

  it.runIf(firstLine)("runs the README's quick start against the emulator", async () => {
    const home = join(project.folder, 'home')
    await mkdir(join(home, '.nebius'), { recursive: true })
    const credentialsFile = join(home, '.nebius', 'credentials.json')
    await writeFile(credentialsFile, JSON.stringify(account.credentials))
    // What differs from the cloud, and nothing else: the exchange endpoint and key file, the URL, the certificate.
    const local = [
      [
        'serviceAccount({ credentialsFile: `${process.env.HOME}/.nebius/credentials.json` })',
        `serviceAccount({ endpoint: ${JSON.stringify(emulator.exchangeEndpoint)}, credentialsFile: ${JSON.stringify(credentialsFile)} })`,
      ],
      [
        "baseUrl: nebiusBaseUrl('nebius.iam.v1.ProfileService'),",
        `baseUrl: ${JSON.stringify(`https://${emulator.grpc.address}`)}, nodeOptions: { ca: ${JSON.stringify(emulator.grpc.rootCert)} },`,
      ],
      [
        'nebiusAuthInterceptor({ provider })',
        `nebiusAuthInterceptor({ provider, origins: [${JSON.stringify(`https://${emulator.grpc.address}`)}] })`,
      ],
    ] as const
    let source = codeBlock(guide, 'ts', 'nebiusBaseUrl(')
    for (const [printed, replacement] of local) {
      expect(source.split(printed), printed).toHaveLength(2)
      source = source.replace(printed, replacement)
    }
    const script = join(project.folder, 'src', 'quick-start.local.ts')
    await writeFile(script, source)
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    try {
      await import(pathToFileURL(script).href)
      expect(log).toHaveBeenCalledWith(
        expect.objectContaining({
          case: 'serviceAccountProfile',
          value: expect.objectContaining({
            info: expect.objectContaining({
              metadata: expect.objectContaining({ id: account.serviceAccountId }),
            }),
          }),
        }),
      )
    } finally {
      log.mockRestore()
    }
  })
})
