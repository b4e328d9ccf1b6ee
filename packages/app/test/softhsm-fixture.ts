/**
 * A real PKCS#11 token for tests: Debian's SoftHSM2 with its own token folder and configuration
 * (nothing of the machine's own tokens is touched). SOFTHSM2_CONF must be set before the library
 * is initialised, so `makeSoftHsm` sets it for this process and returns it for child processes.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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
  process.env.SOFTHSM2_CONF = conf
  return {
    module: SOFTHSM_MODULE,
    token,
    pin,
    env: { SOFTHSM2_CONF: conf, GOVCHAIN_PKCS11_PIN: pin },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
