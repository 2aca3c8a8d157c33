/**
 * `@nebius-auth/emulator/proto`: the emulator's gRPC schema, for clients in tests. The `.proto` files (the
 * parts of Nebius IAM and compute that the emulator serves, written for this project with Nebius's message
 * names and field numbers, plus the emulator-only TestService) ship in the package's `proto/` folder, for
 * `@grpc/proto-loader`; the protobuf-es descriptors generated from them at build time are re-exported here,
 * for Connect-ES.
 *
 * @example
 * ```ts
 * import { createClient } from '@connectrpc/connect'
 * import { ProfileService, protoDirectory } from '@nebius-auth/emulator/proto'
 *
 * const profiles = createClient(ProfileService, transport)
 * const definition = loadSync('nebius/iam/v1/profile_service.proto', { includeDirs: [protoDirectory] })
 * ```
 *
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url'

/** Absolute path of the folder holding `nebius/{common,iam,compute}/v1/*.proto` and `nebius_auth/emulator/v1/*.proto`. */
export const protoDirectory: string = fileURLToPath(new URL('../proto', import.meta.url))

export { ResourceMetadataSchema } from './gen/nebius/common/v1/metadata_pb.js'
export type { ResourceMetadata } from './gen/nebius/common/v1/metadata_pb.js'
export {
  AnonymousAccountSchema,
  GetProfileRequestSchema,
  GetProfileResponseSchema,
  ProfileService,
  ServiceAccountProfileSchema,
  UserProfileSchema,
} from './gen/nebius/iam/v1/profile_service_pb.js'
export type {
  AnonymousAccount,
  GetProfileRequest,
  GetProfileResponse,
  ServiceAccountProfile,
  UserProfile,
} from './gen/nebius/iam/v1/profile_service_pb.js'
export {
  ServiceAccountSchema,
  ServiceAccountSpecSchema,
  ServiceAccountStatusSchema,
} from './gen/nebius/iam/v1/service_account_pb.js'
export type {
  ServiceAccount,
  ServiceAccountSpec,
  ServiceAccountStatus,
} from './gen/nebius/iam/v1/service_account_pb.js'
export {
  CreateTokenResponseSchema,
  ExchangeTokenRequestSchema,
  TokenExchangeService,
} from './gen/nebius/iam/v1/token_exchange_service_pb.js'
export type {
  CreateTokenResponse,
  ExchangeTokenRequest,
} from './gen/nebius/iam/v1/token_exchange_service_pb.js'
export { InstanceSchema } from './gen/nebius/compute/v1/instance_pb.js'
export type { Instance } from './gen/nebius/compute/v1/instance_pb.js'
export {
  InstanceService,
  ListInstancesRequestSchema,
  ListInstancesResponseSchema,
} from './gen/nebius/compute/v1/instance_service_pb.js'
export type {
  ListInstancesRequest,
  ListInstancesResponse,
} from './gen/nebius/compute/v1/instance_service_pb.js'
export {
  ChatMessageSchema,
  CollectRequestSchema,
  CollectResponseSchema,
  CountdownRequestSchema,
  CountdownResponseSchema,
  TestService,
  WhoamiRequestSchema,
  WhoamiResponseSchema,
} from './gen/nebius_auth/emulator/v1/test_service_pb.js'
export type {
  ChatMessage,
  CollectRequest,
  CollectResponse,
  CountdownRequest,
  CountdownResponse,
  WhoamiRequest,
  WhoamiResponse,
} from './gen/nebius_auth/emulator/v1/test_service_pb.js'
