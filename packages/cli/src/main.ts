/**
 * The `govchain` command. Every command has --help; errors are one line on stderr and a
 * non-zero exit code (2 for usage, 1 for everything else, 3 when a node is unreachable).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GovchainError, isGovchainError, type SuiteName, toHex } from '@govchain/core'
import { defaultModules, demoSections } from '@govchain/distribution'
import { BUILTIN_CLI } from '@govchain/distribution/cli'
import {
  describeGenesis,
  initNetwork,
  loadHome,
  type NetworkFile,
  type NetworkNode,
  parseGenesis,
  readHomeInfo,
  startNode,
} from '@govchain/node'
import { createClient, errorCode, isSdkError } from '@govchain/sdk'
import { Command, CommanderError } from 'commander'
import { registerBackupCommands } from './commands/backup.ts'
import { registerCertsCommands } from './commands/certs.ts'
import { registerGatewayCommand } from './commands/gateway.ts'
import { registerInitCommand } from './commands/init.ts'
import { registerInitNodeCommand } from './commands/init-node.ts'
import { registerKeysCommands } from './commands/keys.ts'
import { parseIntArg, suiteOption } from './commands/options.ts'
import { registerArchiveCommands, registerSnapshotCommands } from './commands/snapshot.ts'
import { registerVersionCommand } from './commands/version.ts'
import { cliClient, cliContext } from './context.ts'
import type { DemoRuntime } from './demo/up.ts'
import { loadGatewayPackage } from './gateway-home.ts'
import { passphraseForNewKeys, passphraseToOpen } from './passphrase.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))

function out(line: string): void {
  process.stdout.write(`${line}\n`)
}

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

  registerInitCommand(program, out)
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

  registerCertsCommands(program, out)
  registerKeysCommands(program, out)

  // The applications' commands, from the distribution's list (ADR 0020).
  const ctx = cliContext(out)
  for (const app of BUILTIN_CLI) app.registerCommands(program, ctx)

  return program
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
