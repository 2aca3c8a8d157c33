/**
 * The fetch under test. The compat matrix sets NEBIUS_AUTH_CLIENT_MODULE once per lane; for this package
 * the default lane, `fetch`, is the global fetch of the running Node. Any other name is imported and its
 * `fetch` export (or default export) used, so a lane could test a fetch from a package such as undici.
 */
type Fetch = typeof globalThis.fetch

export const clientModule = process.env.NEBIUS_AUTH_CLIENT_MODULE ?? 'fetch'

export async function loadFetch(): Promise<Fetch> {
  if (clientModule === 'fetch') return globalThis.fetch
  const loaded = (await import(clientModule)) as { fetch?: Fetch; default?: Fetch }
  const fetch = loaded.fetch ?? loaded.default
  if (typeof fetch !== 'function') throw new TypeError(`${clientModule} exports no fetch function`)
  return fetch
}
