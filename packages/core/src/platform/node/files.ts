// Node, Bun and Deno: the credentials and key files are read from disk (node:fs).
export { readCredentialsFile, readSecretFile } from '../../credentials-file.js'
export { readExternalTokenFile } from '../../external-token-file.js'
