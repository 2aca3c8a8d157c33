// Node, Bun and Deno: the providers that read files, run the Nebius CLI or read its YAML config.
export { cliToken } from '../../cli-token.js'
// The provider an adapter uses when given none: one fromEnvironment() per distinct environment.
export { defaultProvider } from '../../default-provider.js'
export { fileStore } from '../../file-store.js'
export { fromEnvironment } from '../../from-environment.js'
export { tokenFile } from '../../token-file.js'
