// grpc-js over Nebius's own .proto files, loaded the way the README tells users (a descriptor set from
// `buf build`, read by proto-loader), calling the emulator's TLS gRPC face through nebiusCredentials.
import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

import { loadFileDescriptorSetFromBuffer, loadSync } from '@grpc/proto-loader'
import { serviceAccount } from '@nebius-auth/core'
import {
  codeBlock,
  protosFolder,
  readme,
  skipReason,
  typecheck,
  userProject,
  type UserProject,
} from '@nebius-auth/adapter-fixtures/nebius-protos'
import { startEmulator, type Emulator, type EmulatorGrpc } from '@nebius-auth/emulator'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { grpc, unary, type AnyClient, type ClientConstructor } from './clients.test-support.js'
import { nebiusAddress } from './nebius-address.js'
import { nebiusCredentials } from './nebius-credentials.js'

const run = promisify(execFile)
const packageRoot = dirname(import.meta.dirname)
// The README's example runs in a child process with the workspace's grpc-js, so once, not per grpc-js line.
const firstLine = process.env.GRPC_JS_LINE !== '1.10'
const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }

interface GetProfileResponse {
  profile: string
  service_account_profile: {
    info: {
      metadata: { id: string; parent_id: string; resource_version: string }
      status: { active: boolean }
    }
  }
}
interface ListInstancesResponse {
  items: { metadata: { id: string; parent_id: string; name: string }; spec: unknown }[]
  next_page_token: string
}

describe.skipIf(skipReason !== undefined)("grpc-js over Nebius's own protos", () => {
  let guide: string
  let project: UserProject
  let emulator: Emulator & { readonly grpc: EmulatorGrpc }
  let account: ReturnType<Emulator['createServiceAccount']>
  let services: ReturnType<typeof loadFileDescriptorSetFromBuffer>

  beforeAll(async () => {
    guide = await readme(packageRoot)
    const packages = [
      '@grpc/grpc-js',
      '@grpc/proto-loader',
      '@nebius-auth/core',
      '@nebius-auth/grpc',
      '@types/node',
      'google-proto-files',
    ]
    project = await userProject(packageRoot, packages, { 'buf.yaml': codeBlock(guide, 'yaml', 'modules:') })
    await project.buf(codeBlock(guide, 'sh', 'npx buf build'))
    services = loadFileDescriptorSetFromBuffer(
      await readFile(join(project.folder, 'nebius.binpb')),
      loaderOptions,
    )
    emulator = await startEmulator({ grpc: true })
    account = emulator.createServiceAccount({ keyBits: 2048 })
  })
  afterAll(async () => {
    // A failed beforeAll may leave either unset.
    ;(emulator as Emulator | undefined)?.close()
    const folder = (project as UserProject | undefined)?.folder
    if (folder !== undefined) await rm(folder, { recursive: true, force: true })
  })

  function client(service: string): AnyClient {
    const Service = grpc.makeClientConstructor(
      services[service] as grpc.ServiceDefinition,
      service,
    ) as unknown as ClientConstructor
    const provider = serviceAccount({
      ...account,
      privateKey: account.privateKeyPem,
      endpoint: emulator.exchangeEndpoint,
    })
    return new Service(
      emulator.grpc.address,
      ...nebiusCredentials({
        provider,
        origins: [`https://${emulator.grpc.address}`],
        channelCredentials: grpc.credentials.createSsl(Buffer.from(emulator.grpc.rootCert)),
      }),
    )
  }

  it('cannot load them with loadSync, which is why the README compiles them with buf', () => {
    expect(() =>
      loadSync('nebius/iam/v1/profile_service.proto', {
        includeDirs: [protosFolder!, join(project.folder, 'node_modules/google-proto-files')],
      }),
    ).toThrow(/illegal value/)
  })

  it('calls nebius.iam.v1.ProfileService/Get and decodes the real GetProfileResponse', async () => {
    const profiles = client('nebius.iam.v1.ProfileService')
    const response = await unary<GetProfileResponse>(profiles, 'Get')
    profiles.close()
    expect(response.profile).toBe('service_account_profile')
    expect(response.service_account_profile.info.metadata).toMatchObject({
      id: account.serviceAccountId,
      parent_id: expect.stringMatching(/^project-e00/),
      resource_version: '0',
    })
    expect(response.service_account_profile.info.status.active).toBe(true)
  })

  it('calls nebius.compute.v1.InstanceService/List with a token, and is refused without one', async () => {
    const instances = client('nebius.compute.v1.InstanceService')
    const response = await unary<ListInstancesResponse>(instances, 'List', { parent_id: 'project-e00mine' })
    instances.close()
    expect(response.items).toHaveLength(1)
    expect(response.items[0]!.metadata).toMatchObject({
      parent_id: 'project-e00mine',
      name: 'emulator-instance',
    })
    expect(response.next_page_token).toBe('')

    const Bare = grpc.makeClientConstructor(
      services['nebius.compute.v1.InstanceService'] as grpc.ServiceDefinition,
      'InstanceService',
    ) as unknown as ClientConstructor
    const bare = new Bare(
      emulator.grpc.address,
      grpc.credentials.createSsl(Buffer.from(emulator.grpc.rootCert)),
    )
    await expect(unary(bare, 'List', { parent_id: 'project-e00mine' })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    })
    bare.close()
  })

  it.runIf(firstLine)("type-checks the README's quick start under strict, as printed", async () => {
    const example = codeBlock(guide, 'ts', 'loadFileDescriptorSetFromBuffer')
    await writeFile(join(project.folder, 'quick-start.ts'), example)
    await typecheck(project.folder, ['quick-start.ts'])
  })

  it.runIf(firstLine)("runs the README's quick start against the emulator", async () => {
    const example = codeBlock(guide, 'ts', 'loadFileDescriptorSetFromBuffer')
    // What differs from the cloud, and nothing else: the exchange endpoint, the address, the certificate.
    const local = [
      [
        'serviceAccount({ credentialsFile:',
        `serviceAccount({ endpoint: ${JSON.stringify(emulator.exchangeEndpoint)}, credentialsFile:`,
      ],
      ["nebiusAddress('nebius.iam.v1.ProfileService')", JSON.stringify(emulator.grpc.address)],
      [
        'nebiusCredentials({ provider })',
        `nebiusCredentials({ provider, origins: [${JSON.stringify(`https://${emulator.grpc.address}`)}], ` +
          `channelCredentials: (await import('@grpc/grpc-js')).credentials.createSsl(Buffer.from(${JSON.stringify(emulator.grpc.rootCert)})) })`,
      ],
    ] as const
    let source = example
    for (const [printed, replacement] of local) {
      expect(source.split(printed), printed).toHaveLength(2)
      source = source.replace(printed, replacement)
    }
    const script = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText
    const home = join(project.folder, 'home')
    await mkdir(join(home, '.nebius'), { recursive: true })
    await writeFile(join(home, '.nebius', 'credentials.json'), JSON.stringify(account.credentials))
    await writeFile(join(project.folder, 'quick-start.mjs'), script)
    const { stdout } = await run(process.execPath, ['quick-start.mjs'], {
      cwd: project.folder,
      env: { ...process.env, HOME: home },
      timeout: 15_000,
    })
    expect(stdout).toContain("profile: 'service_account_profile'")
    expect(stdout).toContain(account.serviceAccountId)
  })

  it.runIf(firstLine)('gives every address that endpoints.md lists for its services', async () => {
    const endpoints = await readFile(join(protosFolder!, 'endpoints.md'), 'utf8')
    let host = ''
    let checked = 0
    for (const line of endpoints.split('\n')) {
      const address = /^\* (\S+:443)$/.exec(line)?.[1]
      if (address !== undefined) host = address
      const service = /^ {2}\* \[(nebius\.[\w.]+)\]/.exec(line)?.[1]
      // Operations are served by every service; nebiusAddress asks for the service instead.
      if (service === undefined || service.endsWith('.OperationService')) continue
      expect(nebiusAddress(service, { env: {} }), service).toBe(host)
      checked += 1
    }
    expect(checked).toBeGreaterThan(70)
  })
})

describe("the repository README's grpc-js example", () => {
  it('is the quick start this package tests, word for word', async () => {
    const marker = 'loadFileDescriptorSetFromBuffer'
    const root = await readme(join(packageRoot, '../..'))
    expect(codeBlock(root, 'ts', marker)).toBe(codeBlock(await readme(packageRoot), 'ts', marker))
  })
})
