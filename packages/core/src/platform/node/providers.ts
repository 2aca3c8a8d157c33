// Node, Bun and Deno: the providers that read files, run the Nebius CLI or read its YAML config.
import { fromEnvironment } from '../../from-environment.js'
import type { TokenProvider } from '../../types.js'

export { cliToken } from '../../cli-token.js'
export { fileStore } from '../../file-store.js'
export { fromEnvironment } from '../../from-environment.js'
export { tokenFile } from '../../token-file.js'

/**
 * The provider an adapter uses when given none: {@link fromEnvironment}, resolved on the first request.
 *
 * @example
 * ```ts
 * const provider = options.provider ?? defaultProvider()
 * ```
 */
export function defaultProvider(): TokenProvider {
  return fromEnvironment()
}
