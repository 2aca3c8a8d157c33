// Node, Bun and Deno: the providers that read files, run the Nebius CLI or read its YAML config.
export { cliToken } from '../../node-only/cli-token.js'
export { cliProfile } from '../../node-only/cli-profile.js'
// The provider an adapter uses when given none: one fromEnvironment() per distinct environment.
export { defaultProvider } from '../../node-only/default-provider.js'
export { fileStore } from '../../node-only/file-store.js'
export { fromEnvironment } from '../../node-only/from-environment.js'
export { tokenFile } from '../../node-only/token-file.js'
