// Public API of @nebius-auth/got. Named exports only: the hook internals stay private on purpose.
export { nebiusAuthHooks, withNebiusAuth } from './nebius-auth-hooks.js'
// Re-exported so users type their options without a direct dependency on core.
export type { NebiusAuthOptions } from '@nebius-auth/core/adapter'
