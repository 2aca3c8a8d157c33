import { defineProject } from 'vitest/config'

import { leakRequestsPerAdapter, soakRequestsPerAdapter, timeoutFor } from './src/support/scale.js'

// Set before the workers are forked, so util.debuglog in every worker prints the library's lifecycle lines
// and the secrets scan sees them (debuglog reads NODE_DEBUG once, at process start).
process.env.NODE_DEBUG = 'nebius-auth'

export default defineProject({
  test: {
    name: 'reliability',
    include: ['src/**/*.test.ts'],
    globalSetup: ['src/support/global-setup.ts'],
    setupFiles: ['src/support/per-file-setup.ts'],
    // One file at a time: the soak and leak figures are throughput-bound on a shared 2-core machine, and
    // files running side by side would only slow each other down and blur the counts.
    fileParallelism: false,
    testTimeout: 120_000,
    // The hooks of the long scenarios (the soak's rounds, each file's scan of everything it printed) grow
    // with the counts: at RELIABILITY_FULL=1 a fixed 60 s cut off the soak file's closing secret scan.
    hookTimeout: timeoutFor(Math.max(soakRequestsPerAdapter * 4, leakRequestsPerAdapter), 60_000),
  },
})
