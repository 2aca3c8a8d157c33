/**
 * Real keys for tests, made by the `openssl` binary so that parsing is checked against an independent
 * producer. Generation is the slow part, so every key is made once per test file (module) and reused.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const cache = new Map<string, string>()

function once(name: string, make: () => string): string {
  let value = cache.get(name)
  if (value === undefined) {
    value = make()
    cache.set(name, value)
  }
  return value
}

/** Runs openssl in a scratch directory holding `files`, and returns the text of `output` afterwards. */
export function openssl(args: string[], files: Record<string, string> = {}, output = 'out.pem'): string {
  const directory = mkdtempSync(join(tmpdir(), 'nebius-auth-keys-'))
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content)
    execFileSync('openssl', args, { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] })
    return readFileSync(join(directory, output), 'utf8')
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

/** `openssl genrsa` output: PKCS#8 (`BEGIN PRIVATE KEY`) on OpenSSL 3. */
export function rsaPkcs8(bits: 2048 | 4096 | 1024 = 2048): string {
  return once(`pkcs8-${bits}`, () => openssl(['genrsa', '-out', 'out.pem', String(bits)]))
}

/** The same 2048-bit key as PKCS#1 (`BEGIN RSA PRIVATE KEY`), as OpenSSL 1.1 wrote it. */
export function rsaPkcs1(): string {
  return once('pkcs1', () =>
    openssl(['rsa', '-in', 'in.pem', '-traditional', '-out', 'out.pem'], { 'in.pem': rsaPkcs8() }),
  )
}

/** The same 2048-bit key as encrypted PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`). */
export function rsaEncryptedPkcs8(passphrase: string): string {
  return once(`encrypted-pkcs8-${passphrase}`, () =>
    openssl(
      [
        'pkcs8',
        '-topk8',
        '-v2',
        'aes256',
        '-in',
        'in.pem',
        '-passout',
        `pass:${passphrase}`,
        '-out',
        'out.pem',
      ],
      {
        'in.pem': rsaPkcs8(),
      },
    ),
  )
}

/** The same 2048-bit key as legacy encrypted PKCS#1 (`Proc-Type: 4,ENCRYPTED` headers). */
export function rsaEncryptedPkcs1(passphrase: string): string {
  return once(`encrypted-pkcs1-${passphrase}`, () =>
    openssl(
      [
        'rsa',
        '-in',
        'in.pem',
        '-traditional',
        '-aes256',
        '-passout',
        `pass:${passphrase}`,
        '-out',
        'out.pem',
      ],
      { 'in.pem': rsaPkcs8() },
    ),
  )
}

/** The public half of the 2048-bit key, as SPKI PEM. */
export function rsaPublicPem(): string {
  return once('public', () =>
    openssl(['rsa', '-in', 'in.pem', '-pubout', '-out', 'out.pem'], { 'in.pem': rsaPkcs8() }),
  )
}

/** A self-signed certificate for the 2048-bit key. */
export function certificatePem(): string {
  return once('certificate', () =>
    openssl(
      ['req', '-new', '-x509', '-key', 'in.pem', '-subj', '/CN=test', '-days', '1', '-out', 'out.pem'],
      {
        'in.pem': rsaPkcs8(),
      },
    ),
  )
}

/** A P-256 key in OpenSSL's SEC1 form (`BEGIN EC PRIVATE KEY`). */
export function ecSec1Pem(): string {
  return once('ec-sec1', () =>
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'out.pem']),
  )
}

/** A P-256 key as PKCS#8, which only the key type inside tells apart from RSA. */
export function ecPkcs8Pem(): string {
  return once('ec-pkcs8', () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  )
}

/** An Ed25519 key as PKCS#8. */
export function ed25519Pem(): string {
  return once('ed25519', () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  )
}
