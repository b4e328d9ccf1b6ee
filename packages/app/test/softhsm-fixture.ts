/**
 * A real PKCS#11 token for tests: Debian's SoftHSM2 with its own token folder and configuration
 * (nothing of the machine's own tokens is touched). SoftHSM2 reads SOFTHSM2_CONF, and scans its
 * token folder, once, when the library is initialised; the fast tier runs several test files in
 * one process. So each fixture loads its own copy of the library (another file is another
 * instance of it), initialises it at once while SOFTHSM2_CONF names this fixture's folder, and
 * returns that copy as `module` and the variable for child processes.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so'

export interface SoftHsm {
  module: string
  token: string
  pin: string
  /** Environment a process using the token needs: SOFTHSM2_CONF and GOVCHAIN_PKCS11_PIN. */
  env: Record<string, string>
  remove(): void
}

/** A token folder with one initialised token per label (the first is `token`), all with the same user PIN. */
/** The bindings of the fixtures' libraries, never collected (see makeSoftHsm). */
const initialised: unknown[] = []

export function makeSoftHsm(...labels: string[]): SoftHsm {
  const token = labels[0] ?? 'govchain'
  if (!existsSync(SOFTHSM_MODULE)) throw new Error(`${SOFTHSM_MODULE} is missing: apt-get install softhsm2`)
  const dir = mkdtempSync(join(tmpdir(), 'govchain-softhsm-'))
  mkdirSync(join(dir, 'tokens'))
  const conf = join(dir, 'softhsm2.conf')
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`)
  const pin = '246810'
  for (const label of labels.length === 0 ? [token] : labels) {
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '13579'], {
      env: { ...process.env, SOFTHSM2_CONF: conf },
      stdio: 'pipe',
    })
  }
  const module = join(dir, 'libsofthsm2.so')
  copyFileSync(SOFTHSM_MODULE, module)
  process.env.SOFTHSM2_CONF = conf
  const { PKCS11 } = createRequire(import.meta.url)('pkcs11js') as {
    PKCS11: new () => { load(path: string): void; C_Initialize(): void }
  }
  const library = new PKCS11()
  library.load(module)
  library.C_Initialize()
  // Kept for the life of the process: a collected binding unloads its copy of the library, and
  // the next load would initialise it again under whatever SOFTHSM2_CONF is set by then.
  initialised.push(library)
  return {
    module,
    token,
    pin,
    env: { SOFTHSM2_CONF: conf, GOVCHAIN_PKCS11_PIN: pin },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

let shared: SoftHsm | undefined

/**
 * One fixture for every test of a process that uses OpenSSL's PKCS#11 engine (TLS keys): the
 * engine loads one module per process (PKCS11_MODULE_PATH, read once), so those tests share this
 * module and its tokens — `govchain-tls`, `tls-second` (never logged in to with the right PIN,
 * for the PIN refusals) and `tls-mixed` (for Ed25519 keys) — with distinct key labels. Removed
 * when the process exits.
 */
export function sharedTlsSoftHsm(): SoftHsm {
  if (shared !== undefined) return shared
  const hsm = makeSoftHsm('govchain-tls', 'tls-second', 'tls-mixed')
  process.env.PKCS11_MODULE_PATH = hsm.module
  process.once('exit', () => hsm.remove())
  shared = hsm
  return hsm
}
