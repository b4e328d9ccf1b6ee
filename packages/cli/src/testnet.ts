/**
 * A local consortium of real node processes for multi-process tests and benchmarks: `govchain
 * init` into a temporary folder, then one `govchain node start` child per node, on loopback.
 *
 * Node.js flags for the children (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the
 * nodes) come from `nodeArgs` or, when that is not given, from the environment variable
 * GOVCHAIN_NODE_ARGS (split on spaces). A profile is written when a node exits cleanly, i.e.
 * after stopAll() (SIGTERM), not after kill(name, 'SIGKILL').
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GovchainError, type SuiteName } from '@govchain/core'
import { defaultModules, demoSections } from '@govchain/distribution'
import { type ChainParams, initNetwork, loadKeyFile, type NetworkFile, type NetworkNode } from '@govchain/node'
import { type Client, createClient } from '@govchain/sdk'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
/** Log chunks kept in memory per node (the whole log also goes to DIR/<name>.log). */
const LOG_CHUNKS_MAX = 2000
/** How long a node may take to answer after it is spawned; GOVCHAIN_TESTNET_START_MS raises it on a loaded machine. */
const START_TIMEOUT_MS = Number(process.env.GOVCHAIN_TESTNET_START_MS ?? 60_000)

export interface TestNetwork {
  dir: string
  net: NetworkFile
  clients: Record<string, Client>
  procs: Map<string, ChildProcess>
  keys: Record<string, { publicKey: Uint8Array; privateKey: Uint8Array }>
  start(name: string): Promise<void>
  kill(name: string, signal?: NodeJS.Signals): Promise<void>
  stopAll(): Promise<void>
  logOf(name: string): string
  /**
   * Node processes that exited without kill() or stopAll() asking them to, with how they ended
   * and the end of their log. When there is one, stopAll() keeps the folder (and its logs).
   */
  unexpectedExits(): UnexpectedExit[]
}

interface UnexpectedExit {
  name: string
  code: number | null
  signal: string | null
  logTail: string
}

export interface StartNetworkOptions {
  orgs: number
  suite: SuiteName
  /** Chain parameters over the test defaults below (which shorten the consensus timeouts). */
  params?: Partial<ChainParams>
  /** Keep the temporary folder after stopAll() (also: GOVCHAIN_KEEP_NET=1). */
  keep?: boolean
  /** Node.js flags for every node process; default: GOVCHAIN_NODE_ARGS split on spaces. */
  nodeArgs?: readonly string[]
  /** Extra environment for some nodes, by name (e.g. GOVCHAIN_CRYPTO_NATIVE=0 for a fallback node). */
  nodeEnv?: Readonly<Record<string, Readonly<Record<string, string>>>>
  /**
   * A real (not development) network: every key encrypted under this passphrase, which the nodes
   * get as GOVCHAIN_PASSPHRASE. Absent: a development network with plain key files.
   */
  passphrase?: string
  /** Environment for every node process (over the test process's own). */
  env?: Readonly<Record<string, string>>
  /** Runs after the network folder is written and before any node starts (e.g. moving keys onto a token). */
  beforeStart?: (net: NetworkFile, dir: string) => void | Promise<void>
}

/** The network folder of a test network whose ports start at `base`. */
function initTestNetwork(opts: StartNetworkOptions, dir: string, base: number): Promise<NetworkFile> {
  return initNetwork({
    modules: defaultModules(),
    sections: demoSections,
    // Test networks are development networks (the portal tests sign in with demo keys) unless
    // they are given a passphrase.
    ...(opts.passphrase === undefined ? { dev: true } : { passphrase: opts.passphrase }),
    dir,
    orgs: opts.orgs,
    suite: opts.suite,
    apiBasePort: base,
    p2pBasePort: base + 50,
    params: {
      timeoutProposeMs: 1500,
      timeoutPrevoteMs: 500,
      timeoutPrecommitMs: 500,
      timeoutDeltaMs: 250,
      emptyBlockIntervalMs: 200,
      ...opts.params,
    },
  })
}

function nodeArgsFromEnv(): string[] {
  return (process.env.GOVCHAIN_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0)
}

export async function startNetwork(opts: StartNetworkOptions): Promise<TestNetwork> {
  const nodeArgs = [...(opts.nodeArgs ?? nodeArgsFromEnv())]
  const { base, release } = await reservePortSlot('node', 20_000, 100)
  let dir: string
  let net: NetworkFile
  try {
    dir = mkdtempSync(join(tmpdir(), 'govchain-net-'))
    net = await initTestNetwork(opts, dir, base)
  } catch (e) {
    release()
    throw e
  }
  const procs = new Map<string, ChildProcess>()
  const logs = new Map<string, string[]>()
  /** Children this harness is stopping (their exit is expected). */
  const stopping = new Set<ChildProcess>()
  const unexpected: UnexpectedExit[] = []
  const clients: Record<string, Client> = {}
  const keys: TestNetwork['keys'] = {}
  for (const n of net.nodes) {
    clients[n.name] = createClient({ url: n.apiUrl, timeoutMs: 5000 })
    const k = loadKeyFile(
      join(dir, 'keys', `${n.orgId}.operator.json`),
      opts.passphrase === undefined ? {} : { passphrase: opts.passphrase },
    )
    keys[n.orgId] = { publicKey: k.publicKey, privateKey: k.privateKey }
  }

  async function start(name: string): Promise<void> {
    const node = net.nodes.find((n) => n.name === name)
    if (node === undefined) throw new GovchainError('INVALID_ARGUMENT', `no node named ${name}`)
    const child = spawn(process.execPath, [...nodeArgs, BIN, 'node', 'start', '--home', node.home], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GOVCHAIN_REQUIRE_NATIVE: process.env.GOVCHAIN_REQUIRE_NATIVE ?? '',
        ...(opts.passphrase === undefined ? {} : { GOVCHAIN_PASSPHRASE: opts.passphrase }),
        ...opts.env,
        ...opts.nodeEnv?.[name],
      },
    })
    const lines = logs.get(name) ?? []
    logs.set(name, lines)
    const keep = (chunk: Buffer) => {
      lines.push(chunk.toString('utf8'))
      appendFileSync(join(dir, `${name}.log`), chunk)
      if (lines.length > LOG_CHUNKS_MAX) lines.splice(0, lines.length - LOG_CHUNKS_MAX)
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    child.once('exit', (code, signal) => {
      if (stopping.has(child)) return
      unexpected.push({ name, code, signal, logTail: lines.join('').slice(-3000) })
    })
    procs.set(name, child)
    const deadline = Date.now() + START_TIMEOUT_MS
    for (;;) {
      if (child.exitCode !== null) {
        throw new GovchainError('NODE_UNREACHABLE', `${name} exited: ${lines.join('').slice(-2000)}`)
      }
      let answering: { chainId: string; node: string } | undefined
      try {
        answering = await clients[name]!.status()
      } catch {
        if (Date.now() > deadline) {
          throw new GovchainError('NODE_UNREACHABLE', `${name} did not start: ${lines.join('').slice(-2000)}`)
        }
        await sleep(100)
        continue
      }
      // Another network's node on this port would answer too (its process outlived its slot).
      if (answering.chainId !== net.chainId || answering.node !== name) {
        throw new GovchainError(
          'NODE_UNREACHABLE',
          `${node.apiUrl} is answered by node ${answering.node} of chain ${answering.chainId}, not ${name} of ${net.chainId}`,
        )
      }
      return
    }
  }

  async function kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = procs.get(name)
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    stopping.add(child)
    child.kill(signal)
    await exited
    procs.delete(name)
  }

  const cleanUp = async () => {
    // A node that does not stop on SIGTERM within a minute is a defect to see, not to wait on
    // for the rest of the run: it is killed and counted as an unexpected exit (the folder and
    // its logs are kept).
    await Promise.all(
      [...procs.keys()].map(async (n) => {
        const child = procs.get(n)!
        const hang = setTimeout(() => {
          unexpected.push({
            name: n,
            code: null,
            signal: 'SIGKILL',
            logTail: `did not stop within 60 s of SIGTERM\n${(logs.get(n) ?? []).join('').slice(-3000)}`,
          })
          child.kill('SIGKILL')
        }, 60_000)
        try {
          await kill(n, 'SIGTERM')
        } finally {
          clearTimeout(hang)
        }
      }),
    )
    const keepDir = opts.keep || process.env.GOVCHAIN_KEEP_NET || unexpected.length > 0
    if (!keepDir) rmSync(dir, { recursive: true, force: true })
    release()
  }
  try {
    await opts.beforeStart?.(net, dir)
    await Promise.all(net.nodes.map((n) => start(n.name)))
  } catch (e) {
    // Leave no orphan processes or folders behind when one node fails to start.
    await cleanUp()
    throw e
  }
  return {
    dir,
    net,
    clients,
    procs,
    keys,
    start,
    kill,
    stopAll: cleanUp,
    logOf: (name) => (logs.get(name) ?? []).join(''),
    unexpectedExits: () => [...unexpected],
  }
}

/**
 * Runs the govchain CLI (from source in a checkout) against a node, or nodes to fail over
 * (comma-separated URLs); resolves with its exit code and output.
 */
export function runCli(urls: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, GOVCHAIN_NODES: urls } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** The CLI against the first node of a test network: runs, decides proposals, prepares extra nodes. */
export interface NetworkCli {
  /** The first node's API URL, which every call goes to. */
  url: string
  /** Runs the CLI; throws (with its output) unless it exits 0. */
  ok(args: string[]): Promise<{ stdout: string; stderr: string }>
  /** An organisation's operator key file in the network folder. */
  key(org: string): string
  /**
   * Proposes `propose` (the words after `gov propose`) with market's admin key; housing and police
   * vote yes, which passes it with 3 of 4. Returns the height from which it applies.
   */
  decide(propose: string[]): Promise<number>
  /**
   * Prepares a node with `govchain init-node` under `org`'s CA, its ports `offset` above the first
   * node's; adds it to the network's nodes and clients (not started). Returns it and init-node's output.
   */
  initNode(name: string, org: string, offset?: number): Promise<{ node: NetworkNode; client: Client; stdout: string }>
}

export function networkCli(net: TestNetwork): NetworkCli {
  const first = net.net.nodes[0]!
  const url = first.apiUrl
  const ok = async (args: string[]) => {
    const r = await runCli(url, args)
    if (r.code !== 0) throw new Error(`govchain ${args.join(' ')} exited with ${r.code}\n${r.stderr}${r.stdout}`)
    return r
  }
  const key = (org: string) => join(net.dir, 'keys', `${org}.operator.json`)
  return {
    url,
    ok,
    key,
    decide: async (propose) => {
      const proposed = await ok(['gov', 'propose', ...propose, '--key', key('market')])
      const id = /proposal (\d+): voting/.exec(proposed.stdout)?.[1]
      if (id === undefined) throw new Error(`no proposal id in: ${proposed.stdout}`)
      await ok(['gov', 'vote', id, '--key', key('housing')])
      const last = await ok(['gov', 'vote', id, '--key', key('police')])
      if (!/passed/.test(last.stdout)) throw new Error(`proposal ${id} did not pass: ${last.stdout}`)
      const shown = JSON.parse((await ok(['gov', 'show', id])).stdout) as { proposal: { appliedFromHeight: number } }
      return shown.proposal.appliedFromHeight
    },
    initNode: async (name, org, offset = 10) => {
      const apiPort = Number(new URL(url).port) + offset
      const p2pPort = Number(first.p2pAddress.split(':')[1]) + offset
      const init = await ok([
        'init-node',
        '--dir',
        net.dir,
        '--org',
        org,
        '--name',
        name,
        '--api-port',
        String(apiPort),
        '--p2p-port',
        String(p2pPort),
      ])
      const network = JSON.parse(readFileSync(join(net.dir, 'network.json'), 'utf8')) as { nodes: NetworkNode[] }
      const node = network.nodes.find((n) => n.name === name)
      if (node === undefined) throw new Error(`init-node wrote no node ${name} into network.json`)
      net.net.nodes.push(node)
      const client = createClient({ url: node.apiUrl, timeoutMs: 5000 })
      net.clients[name] = client
      return { node, client, stdout: init.stdout }
    },
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Polls until `fn` returns a truthy value or the time runs out (then throws TESTNET_TIMEOUT naming `what`). */
/**
 * Waits until every one of `txHashes` appears in a block of the node `client` talks to, scanning
 * each block once as it comes. Returns the height at which the last was found, and how many
 * times each committed transaction appeared (so a test can check "exactly once").
 */
export async function waitForCommits(
  client: Client,
  txHashes: Iterable<string>,
  timeoutMs = 60_000,
): Promise<{ height: number; counts: Map<string, number> }> {
  const wanted = [...txHashes]
  const counts = new Map<string, number>()
  let scanned = 0
  try {
    const height = await waitUntil(
      'every transaction committed',
      async () => {
        const latest = (await client.status()).height
        for (let h = scanned + 1; h <= latest; h++) {
          for (const t of (await client.block(h)).txHashes) counts.set(t, (counts.get(t) ?? 0) + 1)
          scanned = h
        }
        for (const h of wanted) if (!counts.has(h)) return false
        return scanned
      },
      timeoutMs,
    )
    return { height, counts }
  } catch (e) {
    // Say what is missing: a bare timeout leaves a flaky failure undiagnosable.
    const missing = wanted.filter((h) => !counts.has(h))
    throw new GovchainError(
      'TESTNET_TIMEOUT',
      `${missing.length} of ${wanted.length} transactions not committed by height ${scanned} ` +
        `(first: ${missing.slice(0, 3).join(', ')}): ${e instanceof Error ? e.message : String(e)}`,
      { missing },
    )
  }
}

export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) {
      throw new GovchainError('TESTNET_TIMEOUT', `timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    }
    await sleep(100)
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/**
 * A base port for a test's data gateways (mutual TLS at base+i, local APIs at base+50+i): one of
 * 27 slots in 30000-32699, below the ephemeral range and above the test networks. The slot is
 * held by an exclusive lock file until the process exits, and its ports are checked free, so
 * tests running side by side (the slow tier runs two) never pick the same one.
 */
export async function reserveGatewayPorts(): Promise<number> {
  return (await reservePortSlot('gateway', 30_000, 27)).base
}

/**
 * One of `slots` port slots of 100 from `first` (ports base+0..15 and base+50..65 checked free),
 * held by an exclusive lock file in the temporary folder until `release` or the process's exit,
 * so tests running side by side on one machine never take the same slot. A lock left by a
 * process that died over an hour ago no longer holds its slot. Slots are tried in random order.
 */
export async function reservePortSlot(
  kind: string,
  first: number,
  slots: number,
): Promise<{ base: number; release: () => void }> {
  const bases = Array.from({ length: slots }, (_, i) => first + i * 100).sort(() => Math.random() - 0.5)
  for (const base of bases) {
    const lock = join(tmpdir(), `govchain-${kind}-ports-${base}.lock`)
    try {
      if (Date.now() - statSync(lock).mtimeMs > 3_600_000) rmSync(lock, { force: true })
    } catch {
      // no lock
    }
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' })
    } catch {
      continue
    }
    const ports = Array.from({ length: 16 }, (_, i) => [base + i, base + 50 + i]).flat()
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) {
      const release = () => rmSync(lock, { force: true })
      process.once('exit', release)
      return { base, release }
    }
    rmSync(lock, { force: true })
  }
  throw new GovchainError(
    'TESTNET_TIMEOUT',
    `no free ${kind} port slot in ${first}-${first + slots * 100 - 1} (locks: ${join(tmpdir(), `govchain-${kind}-ports-*.lock`)})`,
  )
}
