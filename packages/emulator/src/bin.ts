#!/usr/bin/env node
console.error('nebius-auth-emulator: not built yet')
process.exitCode = 1
