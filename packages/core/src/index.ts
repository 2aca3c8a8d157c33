/** The package's name, as published. */
export const packageName = '@nebius-auth/core'
