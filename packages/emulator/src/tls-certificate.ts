/**
 * A self-signed TLS certificate made at start, so the emulator's gRPC face speaks TLS like the real API
 * without shipping a key or shelling out to openssl. node:crypto makes the key and the signature; the
 * X.509 structure (RFC 5280) is a few DER-encoded sequences written here.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { isIP } from 'node:net'

/** A PEM certificate and its PKCS#8 PEM private key. */
export interface TlsCertificate {
  readonly certificatePem: string
  readonly privateKeyPem: string
}

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size])
  const bytes: number[] = []
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

/** One DER TLV: tag, definite length, contents. */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents)
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items)
const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items)
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'))
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes)
const bitString = (bytes: Buffer): Buffer => tlv(0x03, Buffer.from([0]), bytes)
const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]))

/**
 * A non-negative INTEGER from big-endian bytes in DER's one allowed form (X.690 §8.3.2): no leading 0x00
 * unless the next byte has its top bit set, which would otherwise read as negative. OpenSSL refuses any
 * other form (ERR_OSSL_ASN1_ILLEGAL_PADDING).
 */
function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1
  const magnitude = Buffer.from(bytes.subarray(start))
  return tlv(0x02, (magnitude[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude)
}

/** RFC 5280 §4.1.2.2: a positive serial of at most 20 octets. */
function validateSerial(serial: Uint8Array): void {
  if (serial.length === 0 || serial.length > 20 || serial.every((byte) => byte === 0)) {
    throw new TypeError('options.serial must be 1 to 20 bytes and not zero')
  }
}

/** 16 random bytes, the first in 0x01..0x7f: positive, never zero, and always 16 octets long. */
function randomSerial(): Buffer {
  const serial = randomBytes(16)
  serial[0] = ((serial[0] ?? 0) % 0x7f) + 1
  return serial
}

function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes = [first * 40 + second]
  for (const arc of rest) {
    const groups: number[] = [arc & 0x7f]
    for (let value = arc >> 7; value > 0; value >>= 7) groups.unshift((value & 0x7f) | 0x80)
    bytes.push(...groups)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after. */
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'))
}

function ipAddressBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number))
  const [head = '', tail = ''] = address.split('::')
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)))
  const left = groups(head)
  const right = groups(tail)
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  return Buffer.from(all.flatMap((group) => [group >> 8, group & 0xff]))
}

/** subjectAltName entries: dNSName [2] for names, iPAddress [7] for addresses. */
function subjectAltNames(hosts: readonly string[]): Buffer {
  const names = hosts.map((host) =>
    isIP(host) === 0 ? tlv(0x82, Buffer.from(host, 'ascii')) : tlv(0x87, ipAddressBytes(host)),
  )
  return sequence(...names)
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
}

function extension(oid: string, value: Buffer, critical = false): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [booleanTrue()] : []), octetString(value))
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/** How {@link createSelfSignedCertificate} makes the certificate; every field is optional. */
export interface CertificateOptions {
  /** Days of validity from an hour ago. Default: 30. */
  readonly days?: number
  /** Big-endian serial number bytes, for tests of the encoding. Default: 16 random bytes. */
  readonly serial?: Uint8Array
}

/**
 * Makes a self-signed P-256 certificate for `hosts` (names and IP addresses), valid from an hour ago.
 * It is its own trust anchor: clients pass the certificate PEM as their root.
 */
export function createSelfSignedCertificate(
  hosts: readonly string[],
  options: CertificateOptions = {},
): TlsCertificate {
  const { days = 30, serial = randomSerial() } = options
  validateSerial(serial)
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const name = sequence(set(sequence(objectIdentifier(OID.commonName), utf8String('nebius-auth emulator'))))
  const signatureAlgorithm = sequence(objectIdentifier(OID.ecdsaWithSha256))
  const notBefore = new Date(Date.now() - 3600_000)
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000)
  // keyUsage digitalSignature + keyCertSign (bits 0 and 5): a server key that is also its own root.
  const keyUsage = tlv(0x03, Buffer.from([0x02, 0x84]))
  const extensions = tlv(
    0xa3,
    sequence(
      extension(OID.basicConstraints, sequence(booleanTrue()), true),
      extension(OID.keyUsage, keyUsage, true),
      extension(OID.extendedKeyUsage, sequence(objectIdentifier(OID.serverAuth))),
      extension(OID.subjectAltName, subjectAltNames(hosts)),
    ),
  )
  const tbsCertificate = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version v3
    unsignedInteger(serial),
    signatureAlgorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ format: 'der', type: 'spki' }),
    extensions,
  )
  // ECDSA signatures from node:crypto are DER Ecdsa-Sig-Value already, as X.509 wants them.
  const signature = sign('sha256', tbsCertificate, privateKey)
  const certificate = sequence(tbsCertificate, signatureAlgorithm, bitString(signature))
  return {
    certificatePem: toPem('CERTIFICATE', certificate),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  }
}
