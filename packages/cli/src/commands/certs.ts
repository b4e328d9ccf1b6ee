/**
 * `govchain certs`: a node's TLS certificate (renew, move its key onto a PKCS#11 token, expiries)
 * and the CAs it trusts (docs/operations.md).
 */
import { GovchainError } from '@govchain/core'
import { certificateExpiries, importNodeTlsKeyToPkcs11, readHomeInfo, renewNodeCertificate } from '@govchain/node'
import type { Command } from 'commander'
import { passphraseToOpen } from '../passphrase.ts'
import { parseIntArg } from './options.ts'

export function registerCertsCommands(program: Command, out: (line: string) => void): void {
  const certs = program.command('certs').description("the node's certificates (TLS and trusted CAs)")
  certs
    .command('status')
    .description(
      'each certificate with its subject, expiry and days left; exit code 1 if one has expired or ' +
        'expires within --warn-days (the metric govchain_cert_expiry_seconds carries the same)',
    )
    .requiredOption('--home <dir>', 'node home')
    .option(
      '--warn-days <n>',
      'warn when a certificate expires within this many days',
      parseIntArg('--warn-days', 0, 3650),
      30,
    )
    .option('--json', 'print JSON')
    .action((o: { home: string; warnDays: number; json?: boolean }) => {
      const home = readHomeInfo(o.home)
      const now = Date.now()
      const rows = certificateExpiries(home.tls.certPem, home.trustedCaPems).map((c) => {
        const daysLeft = Math.floor((c.notAfterMs - now) / 86_400_000)
        const status = c.notAfterMs <= now ? 'expired' : daysLeft < o.warnDays ? 'expiring' : 'ok'
        return { cert: c.cert, notAfter: new Date(c.notAfterMs).toISOString(), daysLeft, status }
      })
      if (o.json) out(JSON.stringify(rows, null, 2))
      else
        for (const r of rows) out(`${r.status.padEnd(9)} ${r.cert.padEnd(40)} ${r.notAfter}  ${r.daysLeft} days left`)
      if (rows.some((r) => r.status !== 'ok')) process.exitCode = 1
    })

  certs
    .command('renew')
    .description(
      "issue the node a new TLS certificate and key from its organisation's CA (same node id and host names); " +
        'a running node loads them without a restart (it watches keys/tls.crt; SIGHUP also reloads)',
    )
    .requiredOption('--home <dir>', 'node home')
    .option('--days <n>', 'validity of the new certificate in days', parseIntArg('--days', 1, 3650), 825)
    .option(
      '--ca-dir <dir>',
      "folder with the organisation's ca.crt and ca.key (default: DIR/orgs/<org> of govchain init)",
    )
    .option(
      '--pkcs11-token <label>',
      'generate the new TLS key on this PKCS#11 token (P-256, non-extractable) and record it in config.json; ' +
        'keys/tls.key is deleted. A node whose TLS key is on a token already has that key certified again. ' +
        'PIN from GOVCHAIN_PKCS11_PIN or GOVCHAIN_PKCS11_PIN_FILE',
    )
    .option('--pkcs11-label <label>', "the new key's label on the token (default tls-<node id>)")
    .option(
      '--pkcs11-module <path>',
      'the PKCS#11 library (default $GOVCHAIN_PKCS11_MODULE)',
      process.env.GOVCHAIN_PKCS11_MODULE,
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        home: string
        days: number
        caDir?: string
        pkcs11Token?: string
        pkcs11Label?: string
        pkcs11Module?: string
        json?: boolean
      }) => {
        const info = readHomeInfo(o.home)
        let toPkcs11: { module: string; token: string; label: string } | undefined
        if (o.pkcs11Token !== undefined) {
          if (o.pkcs11Module === undefined) {
            throw new GovchainError(
              'INVALID_ARGUMENT',
              '--pkcs11-token needs --pkcs11-module (or GOVCHAIN_PKCS11_MODULE)',
            )
          }
          const label = o.pkcs11Label ?? `tls-${info.config.nodeId}`
          toPkcs11 = { module: o.pkcs11Module, token: o.pkcs11Token, label }
        }
        const passphrase = info.config.dev === true ? undefined : await passphraseToOpen('the CA and TLS keys')
        const renewed = renewNodeCertificate(info, {
          validityDays: o.days,
          ...(o.caDir === undefined ? {} : { caDir: o.caDir }),
          ...(passphrase === undefined ? {} : { passphrase }),
          ...(toPkcs11 === undefined ? {} : { toPkcs11 }),
        })
        if (o.json) return out(JSON.stringify(renewed, null, 2))
        out(`renewed ${renewed.path}: serial ${renewed.serial}, valid until ${renewed.notAfter}; ${renewed.key}`)
        out('a running node loads it within a second (see its log: "TLS certificate reloaded")')
      },
    )

  certs
    .command('pkcs11-import')
    .description(
      "move the node's TLS key (keys/tls.key) onto a PKCS#11 token as a sensitive, non-extractable P-256 key; " +
        'its certificate stays valid. config.json records the token, keys/tls.key is deleted; restart the node. ' +
        'PIN from GOVCHAIN_PKCS11_PIN or GOVCHAIN_PKCS11_PIN_FILE',
    )
    .requiredOption('--home <dir>', 'node home')
    .requiredOption(
      '--module <path>',
      'the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so; default $GOVCHAIN_PKCS11_MODULE)',
      process.env.GOVCHAIN_PKCS11_MODULE,
    )
    .requiredOption('--token <label>', "the token's label")
    .option('--label <label>', "the key's label on the token (default tls-<node id>)")
    .action(async (o: { home: string; module: string; token: string; label?: string }) => {
      const info = readHomeInfo(o.home)
      const passphrase = info.config.dev === true ? undefined : await passphraseToOpen('the TLS key')
      const moved = importNodeTlsKeyToPkcs11(
        info,
        { module: o.module, token: o.token, label: o.label ?? `tls-${info.config.nodeId}` },
        passphrase === undefined ? {} : { passphrase },
      )
      out(`the TLS key of ${info.config.nodeId} is now ${moved.key}; keys/tls.key deleted`)
    })
}
