/**
 * `@nebius-auth/emulator/proto`: the emulator's gRPC schema, for clients in tests. The `.proto` files (a
 * subset of Nebius IAM written for this project, plus the emulator-only TestService) ship in the package's
 * `proto/` folder, for `@grpc/proto-loader`; the protobuf-es descriptors generated from them at build time are
 * re-exported here, for Connect-ES.
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

/** Absolute path of the folder holding `nebius/iam/v1/*.proto` and `nebius_auth/emulator/v1/*.proto`. */
export const protoDirectory: string = fileURLToPath(new URL('../proto', import.meta.url))

export {
  AnonymousAccountSchema,
  GetProfileRequestSchema,
  GetProfileResponseSchema,
  ProfileService,
  ResourceMetadataSchema,
  ServiceAccountProfileSchema,
  ServiceAccountSchema,
  UserProfileSchema,
} from './gen/nebius/iam/v1/profile_service_pb.js'
export type {
  AnonymousAccount,
  GetProfileRequest,
  GetProfileResponse,
  ResourceMetadata,
  ServiceAccount,
  ServiceAccountProfile,
  UserProfile,
} from './gen/nebius/iam/v1/profile_service_pb.js'
export {
  CreateTokenResponseSchema,
  ExchangeTokenRequestSchema,
  TokenExchangeService,
} from './gen/nebius/iam/v1/token_exchange_service_pb.js'
export type {
  CreateTokenResponse,
  ExchangeTokenRequest,
} from './gen/nebius/iam/v1/token_exchange_service_pb.js'
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
