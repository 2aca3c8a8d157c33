// Node, Bun and Deno: the providers that read files, run the Nebius CLI or read its YAML config.
export { cliToken } from '../../providers/cli-token.js'
export { cliProfile } from '../../providers/cli-profile.js'
// The provider an adapter uses when given none: one fromEnvironment() per distinct environment.
export { defaultProvider } from '../../providers/default-provider.js'
export { fileStore } from '../../cache/file-store.js'
export { fromEnvironment } from '../../providers/from-environment.js'
export { tokenFile } from '../../providers/token-file.js'
