// Public API of @nebius-auth/ky. Named exports only: the hook internals and the replay helpers stay
// unexported on purpose, so they can follow ky's changes without breaking users.
export { nebiusAuthHooks } from './nebius-auth-hooks.js'
export { withNebiusAuth } from './with-nebius-auth.js'
export type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
