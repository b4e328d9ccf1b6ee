/**
 * The `govchain` command. Every command has --help; errors are one line on stderr and a
 * non-zero exit code (2 for usage, 1 for everything else, 3 when a node is unreachable).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePkcs11Key, importPkcs11Key, type Pkcs11KeyRef } from '@govchain/app'
import { encryptKeystore, GovchainError, isGovchainError, type SuiteName, toHex } from '@govchain/core'
import { defaultModules, demoSections } from '@govchain/distribution'
import { BUILTIN_CLI } from '@govchain/distribution/cli'
import {
  certificateExpiries,
  describeGenesis,
  importNodeTlsKeyToPkcs11,
  initNetwork,
  loadHome,
  loadKeyFile,
  type NetworkFile,
  type NetworkNode,
  newKeyFile,
  parseGenesis,
  passphraseFromEnvironment,
  readHomeInfo,
  renewNodeCertificate,
  startNode,
} from '@govchain/node'
import { createClient, errorCode, isSdkError } from '@govchain/sdk'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { registerBackupCommands } from './commands/backup.ts'
import { registerGatewayCommand } from './commands/gateway.ts'
import { registerInitNodeCommand } from './commands/init-node.ts'
import { registerArchiveCommands, registerSnapshotCommands } from './commands/snapshot.ts'
import { registerVersionCommand } from './commands/version.ts'
import { loadConsortiumConfig } from './consortium-config.ts'
import { cliClient, cliContext } from './context.ts'
import type { DemoRuntime } from './demo/up.ts'
import { loadGatewayPackage } from './gateway-home.ts'
import { passphraseForNewKeys, passphraseToOpen } from './passphrase.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))

function out(line: string): void {
  process.stdout.write(`${line}\n`)
}

function parseIntArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be ${min}..${max}`)
    return n
  }
}

const suiteOption = () =>
  new Option('--suite <suite>', 'crypto suite: gm (SM2/SM3/SM4) or intl (Ed25519/SHA-256/AES-GCM)')
    .choices(['gm', 'intl'])
    .default('gm')

async function waitForever(): Promise<void> {
  await new Promise(() => {})
}

function buildProgram(): Command {
  const program = new Command()
  program
    .name('govchain')
    .description('govchain: consortium blockchain for government services (区块链+政务)')
    .showHelpAfterError()
    .exitOverride()

  program
    .command('init')
    .description('create a local consortium: organisation CAs and keys, node homes, genesis, network.json')
    .option('--orgs <n>', 'number of departments (validators)', parseIntArg('--orgs', 1, 11), 4)
    .addOption(suiteOption())
    .option('--dir <dir>', 'target folder', '.govchain')
    .option('--chain-id <id>', 'chain id (default govchain-local-<suite>)')
    .option('--host <host>', 'address nodes listen on and advertise', '127.0.0.1')
    .option('--hosts <list>', 'comma-separated address of each node, for a network over several machines')
    .option('--api-port <port>', 'first API port', parseIntArg('--api-port', 1, 65535), 7701)
    .option('--p2p-port <port>', 'first p2p port', parseIntArg('--p2p-port', 1, 65535), 7801)
    .option(
      '--dev',
      'a development network: plain key files, and its demo portal may serve demo keys (never for production); ' +
        'without it every private key is written encrypted under GOVCHAIN_PASSPHRASE (or one typed at the prompt)',
    )
    .option(
      '--config <file>',
      'a consortium file (YAML: departments, regions, levels, suite, chain id, ports, licence types); ' +
        'it replaces --orgs, --suite, --chain-id, --host(s) and the ports (docs/operations.md)',
    )
    .action(async (o) => {
      const passphrase = o.dev === true ? undefined : await passphraseForNewKeys()
      const custody = passphrase === undefined ? {} : { passphrase }
      if (o.config !== undefined) {
        const c = loadConsortiumConfig(o.config, demoSections)
        out(`consortium from ${o.config}: ${c.departments.length} departments, suite ${c.suite}`)
        const net = await initNetwork({
          dev: o.dev === true,
          ...custody,
          modules: defaultModules(),
          sections: c.sections,
          dir: o.dir,
          orgs: c.departments.length,
          departments: c.departments,
          suite: c.suite,
          ...(c.chainId === undefined ? {} : { chainId: c.chainId }),
          ...(c.host === undefined ? {} : { host: c.host }),
          ...(c.hosts === undefined ? {} : { hosts: c.hosts }),
          ...(c.apiPort === undefined ? {} : { apiBasePort: c.apiPort }),
          ...(c.p2pPort === undefined ? {} : { p2pBasePort: c.p2pPort }),
          ...(c.params === undefined ? {} : { params: c.params }),
          onProgress: out,
        })
        printNetwork(net)
        return
      }
      const net = await initNetwork({
        dev: o.dev === true,
        ...custody,
        modules: defaultModules(),
        sections: demoSections,
        dir: o.dir,
        orgs: o.orgs,
        suite: o.suite as SuiteName,
        host: o.host,
        apiBasePort: o.apiPort,
        p2pBasePort: o.p2pPort,
        ...(o.chainId ? { chainId: o.chainId } : {}),
        ...(o.hosts
          ? {
              hosts: String(o.hosts)
                .split(',')
                .map((h: string) => h.trim()),
            }
          : {}),
        onProgress: out,
      })
      printNetwork(net)
    })

  registerGatewayCommand(program)
  registerVersionCommand(program, out)
  registerInitNodeCommand(program, out)
  registerBackupCommands(program, out)
  registerSnapshotCommands(program, out)
  registerArchiveCommands(program, out)

  const node = program.command('node').description('run a node')
  node
    .command('start')
    .description('run one node in the foreground until SIGTERM/SIGINT')
    .requiredOption('--home <dir>', 'node home folder (DIR/nodes/<name>)')
    .option('--api-port <port>', 'override the configured API port', parseIntArg('--api-port', 0, 65535))
    .action(async (o) => {
      const info = readHomeInfo(o.home)
      const passphrase = info.config.dev === true ? undefined : await passphraseToOpen(`${info.config.nodeId}'s keys`)
      const home = loadHome(o.home, passphrase === undefined ? {} : { passphrase })
      const n = await startNode({
        modules: defaultModules(),
        home,
        ...(o.apiPort !== undefined ? { apiPort: o.apiPort } : {}),
        onFatal: () => process.exit(1),
      })
      let stopping = false
      const stop = (signal: string) => {
        if (stopping) return
        stopping = true
        n.logger.info({ signal }, 'shutting down')
        n.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        )
      }
      process.on('SIGTERM', () => stop('SIGTERM'))
      process.on('SIGINT', () => stop('SIGINT'))
      // As nginx and Prometheus do: SIGHUP reloads what can change without a restart.
      process.on('SIGHUP', () => n.reloadCertificate())
      await waitForever()
    })

  program
    .command('up')
    .description('initialise DIR if empty, start every node as a child process, stop them all on Ctrl-C')
    .option('--nodes <n>', 'number of departments when initialising', parseIntArg('--nodes', 1, 11), 4)
    .addOption(suiteOption())
    .option('--dir <dir>', 'network folder', '.govchain')
    .option('--no-demo', 'start only the nodes: no demo data, gateways or portal')
    .option('--portal-port <port>', 'portal port', parseIntArg('--portal-port', 0, 65535), 8080)
    .option('--api-port <port>', 'first node API port, when initialising', parseIntArg('--api-port', 1, 65535), 7701)
    .option('--p2p-port <port>', 'first p2p port, when initialising', parseIntArg('--p2p-port', 1, 65535), 7801)
    .option(
      '--gateway-port <port>',
      'first data-gateway port when seeding the demo (local APIs 50 above)',
      parseIntArg('--gateway-port', 1, 65_000),
      7901,
    )
    .option(
      '--dev',
      "a development network: its portal hands the demo identities' private keys to the page (loopback only)",
    )
    .action(async (o) => {
      await up({
        dir: o.dir,
        nodes: o.nodes,
        suite: o.suite as SuiteName,
        withDemo: o.demo !== false,
        portalPort: o.portalPort,
        dev: o.dev === true,
        apiPort: o.apiPort,
        p2pPort: o.p2pPort,
        gatewayPort: o.gatewayPort,
      })
    })

  program
    .command('status')
    .description("print a node's status")
    .option(
      '--node <urls>',
      'node API URL(s), comma-separated to fail over (default $GOVCHAIN_NODES, $GOVCHAIN_NODE or http://127.0.0.1:7701)',
    )
    .option('--json', 'print JSON')
    .action(async (o) => {
      const s = await cliClient(o).status()
      if (o.json) return out(JSON.stringify(s, null, 2))
      out(`chain     ${s.chainId} (${s.suite})`)
      out(`node      ${s.node}`)
      out(`height    ${s.height}${s.catchingUp ? ' (catching up)' : ''}`)
      if (s.syncBlocked) {
        out(
          `sync      STOPPED (PRUNED): peers ahead hold blocks only from ${s.syncBlocked.base}; this node needs ${s.syncBlocked.height}. Import a snapshot: govchain snapshot import --help`,
        )
      }
      out(`block     ${s.latestBlockHash}`)
      out(`state     ${s.stateRoot}`)
      out(`peers     ${s.peers.map((p) => p.id).join(', ') || '-'}`)
      out(`validators ${s.validators.map((v) => `${v.id}:${v.votingPower}`).join(' ')}`)
    })

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

  // The applications' commands, from the distribution's list (ADR 0020).
  const ctx = cliContext(out)
  for (const app of BUILTIN_CLI) app.registerCommands(program, ctx)

  return program
}

function printNetwork(net: NetworkFile): void {
  out(`chain ${net.chainId} (${net.suite})`)
  for (const n of net.nodes) out(`  ${n.name.padEnd(10)} api ${n.apiUrl}  p2p ${n.p2pAddress}  home ${n.home}`)
  if (net.dev === true) out('development network: plain key files (never for production)')
  else out('every private key is encrypted; nodes and commands open them with GOVCHAIN_PASSPHRASE (or _FILE)')
}

interface UpOptions {
  dir: string
  nodes: number
  suite: SuiteName
  withDemo: boolean
  portalPort: number | undefined
  dev: boolean
  apiPort: number
  p2pPort: number
  gatewayPort: number
}

/** A node that exits is restarted after this long, doubling per quick failure up to the cap. */
const RESTART_BACKOFF_MS = { first: 1000, cap: 30_000 }
/** A run this long resets the backoff; this many quick failures in a row give up on the node. */
const RESTART_STABLE_MS = 60_000
const RESTART_QUICK_FAILURES_MAX = 8

/** Copies a child's output line by line with a prefix (committed-block lines only with GOVCHAIN_VERBOSE). */
function forward(prefix: string, stream: NodeJS.ReadableStream, to: NodeJS.WritableStream): void {
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buf += chunk
    let i = buf.indexOf('\n')
    while (i >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      if (process.env.GOVCHAIN_VERBOSE || !line.includes('"msg":"committed block"')) to.write(`${prefix}${line}\n`)
      i = buf.indexOf('\n')
    }
  })
}

async function up(opts: UpOptions): Promise<void> {
  const { nodes, suite, withDemo, portalPort, dev } = opts
  let onStop: (() => Promise<void>) | undefined
  const dir = resolve(opts.dir)
  const fresh = !existsSync(join(dir, 'network.json'))
  if (!dev) {
    // A real network's keys are encrypted: the passphrase is asked once here (or taken from the
    // environment) and handed to the nodes, gateways and demo this command starts.
    const passphrase = fresh ? await passphraseForNewKeys() : await passphraseToOpen("the network's keys")
    if (passphrase !== undefined) process.env.GOVCHAIN_PASSPHRASE = passphrase
  }
  if (fresh) {
    out(`initialising ${nodes} departments (${suite}${dev ? ', development network' : ''}) in ${dir}`)
    await initNetwork({
      modules: defaultModules(),
      sections: demoSections,
      dir,
      orgs: nodes,
      suite,
      dev,
      apiBasePort: opts.apiPort,
      p2pBasePort: opts.p2pPort,
      onProgress: out,
    })
  }
  const net = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as NetworkFile
  if (dev && net.dev !== true) {
    throw new GovchainError('DEV_NETWORK_ONLY', `${dir} was not created with --dev: its portal serves no keys`)
  }
  const genesis = parseGenesis(JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8')))
  out(describeGenesis(genesis))
  let stopping = false
  /**
   * Each node runs as a child process. One that exits is restarted with backoff and the others
   * keep running: one department's node going down must not take the consortium down with it.
   */
  const children = net.nodes.map((n) => {
    const slot: { node: NetworkNode; child: ChildProcess | undefined; quickFailures: number; timer?: NodeJS.Timeout } =
      { node: n, child: undefined, quickFailures: 0 }
    const launch = () => {
      const startedMs = Date.now()
      const child = spawn(process.execPath, [BIN, 'node', 'start', '--home', n.home], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      slot.child = child
      forward(`[${n.name}] `, child.stdout!, process.stdout)
      forward(`[${n.name}] `, child.stderr!, process.stderr)
      child.on('exit', (code, signal) => {
        if (stopping) return
        slot.quickFailures = Date.now() - startedMs >= RESTART_STABLE_MS ? 1 : slot.quickFailures + 1
        if (slot.quickFailures > RESTART_QUICK_FAILURES_MAX) {
          process.stderr.write(
            `node ${n.name} exited ${slot.quickFailures} times in a row soon after starting; not restarting it (see its log above)\n`,
          )
          return
        }
        const delayMs = Math.min(RESTART_BACKOFF_MS.cap, RESTART_BACKOFF_MS.first * 2 ** (slot.quickFailures - 1))
        process.stderr.write(`node ${n.name} exited (${signal ?? code}); restarting it in ${delayMs / 1000} s\n`)
        slot.timer = setTimeout(launch, delayMs)
      })
    }
    launch()
    return slot
  })
  const stopAll = (code: number) => {
    if (stopping) return
    stopping = true
    out('stopping all nodes…')
    const stopDemo = onStop?.().catch(() => {})
    for (const slot of children) clearTimeout(slot.timer)
    for (const { child } of children) child?.kill('SIGTERM')
    const force = setTimeout(() => {
      for (const { child } of children) child?.kill('SIGKILL')
    }, 10_000)
    force.unref()
    Promise.all([
      stopDemo,
      ...children.map(
        ({ child }) =>
          new Promise((r) => (child === undefined || child.exitCode !== null ? r(0) : child.on('exit', r))),
      ),
    ]).then(() => process.exit(code))
  }
  process.on('SIGINT', () => stopAll(0))
  process.on('SIGTERM', () => stopAll(0))
  await waitReady(net)
  let demo: DemoRuntime | undefined
  if (withDemo) {
    try {
      // The demo runs data gateways: loaded only for `up`, from the optional @govchain/gateway.
      await loadGatewayPackage()
      const { startDemo } = await import('./demo/up.ts')
      demo = await startDemo({
        dir,
        net,
        log: out,
        gatewayPort: opts.gatewayPort,
        ...(portalPort !== undefined ? { portalPort } : {}),
      })
      onStop = () => demo!.stop()
    } catch (e) {
      process.stderr.write(`demo/portal not started: ${isGovchainError(e) ? e.code : ''} ${(e as Error).message}\n`)
    }
  }
  out('')
  out(`govchain is running: ${net.nodes.length} departments, chain ${net.chainId} (${net.suite})`)
  if (demo) out(`  portal    ${demo.portal.url}   (政务区块链服务平台 — log in with a demo identity)`)
  for (const n of net.nodes) out(`  ${n.name.padEnd(10)} ${n.apiUrl}/v1/status   docs ${n.apiUrl}/docs`)
  out(`  keys      ${join(dir, 'keys')}`)
  out('Ctrl-C stops every node.')
  await waitForever()
}

/**
 * Every node answers and has committed block 1, which applies the genesis state (licence types,
 * organisations): the demo seeding reads that state, and before block 1 it reads nothing.
 */
async function waitReady(net: NetworkFile): Promise<void> {
  const deadline = Date.now() + 60_000
  for (const n of net.nodes) {
    const client = createClient({ url: n.apiUrl, timeoutMs: 1000 })
    for (;;) {
      try {
        if ((await client.status()).height >= 1) break
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) throw new GovchainError('NODE_UNREACHABLE', `${n.name} not ready within 60 s`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return process.exitCode === undefined ? 0 : Number(process.exitCode)
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2
    }
    const code = isGovchainError(e) ? e.code : isSdkError(e) ? errorCode(e) : 'ERROR'
    const message = e instanceof Error ? e.message : String(e)
    process.stderr.write(`govchain: ${code}: ${message}\n`)
    return code === 'SDK_NETWORK_ERROR' || code === 'NODE_UNREACHABLE' ? 3 : 1
  }
}

export { toHex }
