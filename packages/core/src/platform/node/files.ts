// Node, Bun and Deno: the credentials and key files are read from disk (node:fs).
export { readCredentialsFile, readSecretFile } from '../../keys/credentials-file.js'
export { readExternalTokenFile } from '../../providers/external-token-file.js'
