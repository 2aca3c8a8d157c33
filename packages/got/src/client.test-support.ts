/**
 * Loads the got under test: `NEBIUS_AUTH_CLIENT_MODULE` names the installed alias (`got`, `got-16`) so the
 * compat matrix runs this same suite once per major.
 */
import type { Got } from 'got'

export const clientModule = process.env.NEBIUS_AUTH_CLIENT_MODULE ?? 'got'

const loaded = (await import(clientModule)) as { default: Got }

/** The default export of the got major under test, typed with got 14's types. */
export const got: Got = loaded.default
