/**
 * `govchain keys`: key files and keystores, and keys made on or moved onto a PKCS#11 token
 * (docs/operations.md).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { generatePkcs11Key, importPkcs11Key, type Pkcs11KeyRef } from '@govchain/app'
import { encryptKeystore, GovchainError, type SuiteName, toHex } from '@govchain/core'
import { loadKeyFile, newKeyFile, passphraseFromEnvironment } from '@govchain/node'
import type { Command } from 'commander'
import { suiteOption } from './options.ts'

export function registerKeysCommands(program: Command, out: (line: string) => void): void {
  const keys = program.command('keys').description('key files')
  keys
    .command('new')
    .description('generate a key pair in the chain suite')
    .addOption(suiteOption())
    .option('--out <file>', 'write the key file here (mode 0600) instead of printing it')
    .action((o) => {
      const k = newKeyFile(o.suite as SuiteName)
      if (o.out) {
        if (existsSync(o.out)) throw new GovchainError('HOME_NOT_EMPTY', `${o.out} exists; refusing to overwrite a key`)
        writeFileSync(o.out, `${JSON.stringify(k, null, 2)}\n`, { mode: 0o600 })
        out(`wrote ${o.out} (public key ${k.publicKey})`)
      } else out(JSON.stringify(k, null, 2))
    })

  keys
    .command('encrypt')
    .description(
      'encrypt a key file into a keystore (gm: SM4-GCM, PBKDF2-HMAC-SM3; intl: AES-256-GCM, scrypt); ' +
        'the passphrase comes from GOVCHAIN_PASSPHRASE or GOVCHAIN_PASSPHRASE_FILE',
    )
    .requiredOption('--in <file>', 'the plain key file')
    .requiredOption('--out <file>', 'the keystore to write (mode 0600; never overwritten)')
    .option('--description <text>', 'a note kept in clear in the keystore, e.g. "officer key of housing"')
    .action((o: { in: string; out: string; description?: string }) => {
      if (existsSync(o.out)) throw new GovchainError('HOME_NOT_EMPTY', `${o.out} exists; refusing to overwrite a key`)
      const passphrase = passphraseFromEnvironment()
      if (passphrase === undefined) {
        throw new GovchainError('KEY_PASSPHRASE_MISSING', 'set GOVCHAIN_PASSPHRASE (or GOVCHAIN_PASSPHRASE_FILE)')
      }
      const k = loadKeyFile(o.in, { passphrase })
      out(`deriving the key from the passphrase (${k.suite === 'gm' ? 'PBKDF2-HMAC-SM3' : 'scrypt'})…`)
      const file = encryptKeystore(k.suite, k.privateKey, passphrase, {
        ...(o.description === undefined ? {} : { description: o.description }),
      })
      writeFileSync(o.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
      out(`wrote ${o.out} (public key ${toHex(k.publicKey)}); commands take it as --key with the passphrase set`)
    })

  const pkcs11Options = (c: Command) =>
    c
      .requiredOption(
        '--module <path>',
        'the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so; default $GOVCHAIN_PKCS11_MODULE)',
        process.env.GOVCHAIN_PKCS11_MODULE,
      )
      .requiredOption('--token <label>', "the token's label")
      .requiredOption('--label <label>', "the key's label on the token (CKA_LABEL), e.g. validator-market")
      .requiredOption('--out <file>', 'write the key reference here (what --key and keys/validator.json take)')
      .option('--description <text>', 'a note kept in the reference')
  const writeRef = (o: { out: string }, ref: Pkcs11KeyRef) => {
    writeFileSync(o.out, `${JSON.stringify(ref, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    out(`wrote ${o.out}: key "${ref.label}" on token "${ref.token}" (public key ${ref.publicKey})`)
  }
  pkcs11Options(
    keys
      .command('pkcs11-generate')
      .description(
        'generate an Ed25519 (intl) key pair on a PKCS#11 token, non-extractable, and write a reference to it; ' +
          'the PIN comes from GOVCHAIN_PKCS11_PIN or GOVCHAIN_PKCS11_PIN_FILE',
      ),
  ).action((o: { module: string; token: string; label: string; out: string; description?: string }) => {
    if (existsSync(o.out)) throw new GovchainError('HOME_NOT_EMPTY', `${o.out} exists; refusing to overwrite a key`)
    writeRef(o, generatePkcs11Key({ module: o.module, token: o.token, label: o.label }, o.description))
  })
  pkcs11Options(
    keys
      .command('pkcs11-import')
      .description(
        'move an existing intl key (plain file or keystore) onto a PKCS#11 token as a sensitive, non-extractable ' +
          'key, and write a reference to it; then delete the file (shred). PIN as for pkcs11-generate',
      )
      .requiredOption('--in <file>', 'the key file or keystore (its passphrase from GOVCHAIN_PASSPHRASE)'),
  ).action((o: { in: string; module: string; token: string; label: string; out: string; description?: string }) => {
    if (existsSync(o.out) && o.out !== o.in) {
      throw new GovchainError('HOME_NOT_EMPTY', `${o.out} exists; refusing to overwrite a key`)
    }
    const key = loadKeyFile(o.in)
    const ref = importPkcs11Key({ module: o.module, token: o.token, label: o.label }, key, o.description)
    if (o.out === o.in) rmSync(o.in)
    writeRef(o, ref)
  })
}
