import type { AxiosStatic } from 'axios'

/**
 * The axios under test. The compat matrix sets NEBIUS_AUTH_CLIENT_MODULE once per lane (`axios` for the
 * current release, `axios-1-16` for the oldest supported one, 1.16.1); every test file loads axios through here.
 */
export const clientModule = process.env.NEBIUS_AUTH_CLIENT_MODULE ?? 'axios'

async function loadAxios(): Promise<AxiosStatic> {
  const loaded = (await import(clientModule)) as { default?: AxiosStatic }
  if (typeof loaded.default?.create !== 'function') throw new TypeError(`${clientModule} exports no axios`)
  return loaded.default
}

/** The default export of the axios lane under test; typed with the newest axios's types. */
export const axios: AxiosStatic = await loadAxios()
