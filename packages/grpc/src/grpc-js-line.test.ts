import { describe, expect, it } from 'vitest'

import grpcPackage from '@grpc/grpc-js/package.json' with { type: 'json' }

describe('the grpc-js line under test', () => {
  it('is the one this vitest project names (GRPC_JS_LINE), swapped in for @grpc/grpc-js', () => {
    expect(process.env.GRPC_JS_LINE).toMatch(/^1\.\d+$/)
    expect(grpcPackage.version.startsWith(`${process.env.GRPC_JS_LINE ?? ''}.`)).toBe(true)
  })
})
