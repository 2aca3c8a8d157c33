import { X509Certificate } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { createSelfSignedCertificate } from './tls-certificate.js'

const HOSTS = ['localhost', '127.0.0.1', '::1']

/** The serial as node:crypto reads it back from the certificate made with it. */
function parsedSerial(serial: Uint8Array): string {
  const { certificatePem } = createSelfSignedCertificate(HOSTS, { serial })
  return new X509Certificate(certificatePem).serialNumber
}

describe('createSelfSignedCertificate', () => {
  // DER (X.690 §8.3.2) wants an INTEGER's shortest form: no leading 0x00 unless the next byte has its top
  // bit set. OpenSSL refuses any other form with ERR_OSSL_ASN1_ILLEGAL_PADDING.
  it.each([
    ['a leading 0x00 before a small byte', [0x00, 0x12, 0x34], '1234'],
    ['a leading 0x80', [0x80, 0x12, 0x34], '801234'],
    ['a leading 0xff', [0xff, 0xff], 'FFFF'],
    ['two leading 0x00 bytes', [0x00, 0x00, 0x7f, 0x01], '7F01'],
    ['a 0x00 before a high byte', [0x00, 0x80, 0x01], '8001'],
    ['a 0x00 run before a high byte', [0x00, 0x00, 0x00, 0x9a], '9A'],
    ['a single small byte', [0x01], '01'],
  ])('encodes a serial with %s as a minimal positive INTEGER', (_, bytes, expected) => {
    expect(parsedSerial(Uint8Array.from(bytes))).toBe(expected)
  })

  it('refuses a serial that is zero, empty or longer than 20 octets (RFC 5280 §4.1.2.2)', () => {
    for (const serial of [[], [0x00], [0x00, 0x00], new Array<number>(21).fill(0x11)]) {
      expect(() => createSelfSignedCertificate(HOSTS, { serial: Uint8Array.from(serial) })).toThrow(TypeError)
    }
  })

  it('leaves the caller’s serial bytes as they were', () => {
    const serial = Uint8Array.from([0x00, 0x00, 0x80])
    parsedSerial(serial)
    expect([...serial]).toEqual([0x00, 0x00, 0x80])
  })

  // Before the fix about one start in 256 drew an invalid serial; 3000 random draws miss that with
  // probability (255/256)^3000 ≈ 1e-5. A P-256 key and signature cost well under a millisecond each.
  it('makes certificates that node:crypto parses, for thousands of random serials', () => {
    for (let index = 0; index < 3000; index += 1) {
      const { certificatePem } = createSelfSignedCertificate(HOSTS)
      expect(new X509Certificate(certificatePem).serialNumber).toMatch(/^[0-9A-F]{32}$/)
    }
  })
})
