import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Command, InvalidArgumentError } from 'commander'
import { initNodeGateway, loadGatewayPackage, nodeChain } from '../gateway-home.ts'

function port(v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('port must be 0..65535')
  return n
}

export function registerGatewayCommand(program: Command): void {
  const gw = program
    .command('gateway')
    .description('the department data gateway (mutual TLS, signed requests, receipts on chain)')
  gw.command('init')
    .description('create <home>/gateway/: TLS certificate from the organisation CA, chain key, config, SQLite database')
    .requiredOption('--home <dir>', 'the department node home')
    .option('--port <port>', 'mutual-TLS port other gateways call', port, 7901)
    .option('--local-port <port>', 'loopback port for the department’s officers', port, 7951)
    .option('--host <host>', 'address to listen on and register', '127.0.0.1')
    .action(async (o: { home: string; port: number; localPort: number; host: string }) => {
      await loadGatewayPackage()
      const h = initNodeGateway(o.home, { port: o.port, localPort: o.localPort, host: o.host })
      process.stdout.write(
        `${JSON.stringify({ orgId: h.config.orgId, url: h.config.url, publicKey: Buffer.from(h.key.publicKey).toString('hex'), certFingerprint: Buffer.from(h.certFingerprint).toString('hex') })}\n`,
      )
    })
  gw.command('tls-pkcs11-import')
    .description(
      "move the gateway's TLS key (<home>/gateway/tls.key) onto a PKCS#11 token as a sensitive, non-extractable " +
        'P-256 key; its certificate (registered on chain) stays. gateway.json records the token, tls.key is deleted; ' +
        'restart the gateway. PIN from GOVCHAIN_PKCS11_PIN(_FILE), passphrase from GOVCHAIN_PASSPHRASE(_FILE)',
    )
    .requiredOption('--home <dir>', 'the department node home')
    .requiredOption(
      '--module <path>',
      'the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so; default $GOVCHAIN_PKCS11_MODULE)',
      process.env.GOVCHAIN_PKCS11_MODULE,
    )
    .requiredOption('--token <label>', "the token's label")
    .option('--label <label>', "the key's label on the token (default tls-<org>-gateway)")
    .action(async (o: { home: string; module: string; token: string; label?: string }) => {
      const { gatewayDir, importGatewayTlsKeyToPkcs11, loadGatewayHome } = await loadGatewayPackage()
      const dir = gatewayDir(o.home)
      const orgId = JSON.parse(readFileSync(join(dir, 'gateway.json'), 'utf8')).orgId as string
      const moved = importGatewayTlsKeyToPkcs11(dir, {
        module: o.module,
        token: o.token,
        label: o.label ?? `tls-${orgId}-gateway`,
      })
      // Opens it as `gateway start` will: engine, token, PIN, key and certificate checked now.
      loadGatewayHome(dir)
      process.stdout.write(`the gateway's TLS key is now ${moved.key}; tls.key deleted\n`)
    })
  gw.command('start')
    .description('serve the department’s resources to grantees until SIGTERM/SIGINT')
    .requiredOption('--home <dir>', 'the department node home (with gateway/ from `gateway init` or the demo)')
    .action(async (o: { home: string }) => {
      const log = (level: string) => (obj: Record<string, unknown>, msg: string) =>
        process.stdout.write(`${JSON.stringify({ level, time: Date.now(), msg, ...obj })}\n`)
      const { gatewayDir, startGatewayFromHome } = await loadGatewayPackage()
      const g = await startGatewayFromHome(gatewayDir(o.home), {
        logger: { info: log('info'), warn: log('warn') },
        upgrade: nodeChain(o.home),
      })
      process.stdout.write(
        `${JSON.stringify({ level: 'info', msg: 'gateway ready', orgId: g.orgId, url: g.url, localUrl: g.localUrl })}\n`,
      )
      await new Promise<void>((done) => {
        const stop = () => {
          g.stop().finally(done)
        }
        process.once('SIGTERM', stop)
        process.once('SIGINT', stop)
      })
      // Keep-alive sockets of fetch() to the node would keep the process alive for minutes.
      process.exit(0)
    })
}
