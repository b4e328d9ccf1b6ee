/**
 * The perturbation suite (issue 19; docs/reliability.md): `npm run chaos -- --validators 4..7
 * --minutes M --seed S`. Validators run as real processes, each in its own network namespace
 * (chaos/netns.ts); a load generator submits anchor transactions and records every one a node
 * acknowledged (HTTP 202); meanwhile seeded faults hit the nodes one after another, each held a
 * few seconds and then healed. Afterwards the checks of chaos/checks.ts run: every acknowledged
 * transaction committed exactly once, no fork, equal state roots, a block within 10 s of every
 * heal, no equivocation, no crash. A failure prints the seed and the command that replays the
 * same schedule.
 *
 * The schedule (which fault, on which nodes, for how long, in which order) is a function of the
 * seed and the validator count only; how the nodes answer it is not (timing), so a replay
 * repeats the faults, not necessarily the interleaving that broke the run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Prng } from '@govchain/consensus'
import { getSuite, type SuiteName } from '@govchain/core'
import { defaultModules, demoSections } from '@govchain/distribution'
import { governanceValidators } from '@govchain/governance/client'
import { initNetwork, loadKeyFile, type NetworkFile } from '@govchain/node'
import { anchorPut, type Client, createClient } from '@govchain/sdk'
import { sleep } from '../src/testnet.ts'
import {
  type BlockView,
  checkCatchUp,
  checkExactlyOnce,
  checkNoCrash,
  checkNoDoubleSign,
  checkNoFork,
  checkProgress,
  type Exit,
  type Finding,
  fatalCodeOf,
  type Recovery,
} from './checks.ts'
import { labUnavailable, NetLab } from './netns.ts'
import { describe, FAULTS, type FaultKind, type Step, schedule } from './schedule.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'
/** The time the cluster has to commit a block after a fault is healed (issue 19). */
const PROGRESS_AFTER_HEAL_MS = 10_000
/**
 * The disk-full node's home is a tmpfs: at least this size, and more for a long or busy run, so
 * that the injected fault is the only time its disk is full. A 25-minute run at 30 tx/s wrote
 * 138 MB per node (about 3.5 KB a transaction, blocks, state and indexes together) and outgrew
 * 96 MB; the allowance per transaction is four times that. tmpfs takes memory only for what is
 * written, and the fault's filler only for as long as it lasts.
 */
const TMPFS_MB_MIN = 96
const TMPFS_KB_PER_TX = 16

/** The disk-full node's tmpfs size, in MB, for a run of this length and rate. */
function tmpfsMb(seconds: number, rate: number): number {
  return TMPFS_MB_MIN + Math.ceil((seconds * rate * TMPFS_KB_PER_TX) / 1024)
}

const HELP = `Usage: npm run chaos -- [options]

Starts a consortium of validator processes, each in its own network namespace, submits
transactions while seeded faults hit the nodes, then checks: every acknowledged transaction
committed exactly once, no fork, equal state roots, a block within 10 s of each heal, no
double-sign, no crash (docs/reliability.md). Needs root, iproute2, and faketime for the
clock-skew fault. Nothing leaves the namespaces and bridge the run makes.

Options:
  --validators <n|a..b>  validators, or a range the seed picks from (default 4; 4..7 allowed)
  --minutes <m>          how long faults are applied (default 1)
  --seconds <s>          the same in seconds (overrides --minutes)
  --seed <n>             the schedule's seed (default: random, printed)
  --suite <gm|intl>      crypto suite (default intl)
  --rate <tx/s>          load generator rate (default 20)
  --faults <list>        comma-separated subset of ${FAULTS.join(',')} (default all)
  --keep                 keep the network folder (logs, homes) afterwards
  -h, --help             this text

Exit code 0 when every check holds, 1 when one fails (the findings and the replay command are
printed), 2 for bad options or a machine that cannot run the suite.`

interface Options {
  validators: number
  range: string
  seconds: number
  seed: number
  suite: SuiteName
  rate: number
  faults: FaultKind[]
  keep: boolean
}

function parseOptions(argv: string[]): Options | string {
  const { values } = parseArgs({
    args: argv,
    options: {
      validators: { type: 'string' },
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      seed: { type: 'string' },
      suite: { type: 'string' },
      rate: { type: 'string' },
      faults: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return 'help'
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed)
  if (!Number.isSafeInteger(seed) || seed < 0) return '--seed must be a non-negative integer'
  const range = values.validators ?? '4'
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(range)
  if (m === null) return '--validators takes n or a..b'
  const lo = Number(m[1])
  const hi = Number(m[2] ?? m[1])
  if (lo < 4 || hi > 7 || lo > hi) return '--validators must be within 4..7 (a BFT cluster that tolerates one fault)'
  const validators = lo + (seed % (hi - lo + 1))
  const seconds = values.seconds !== undefined ? Number(values.seconds) : Number(values.minutes ?? '1') * 60
  if (!Number.isFinite(seconds) || seconds < 10 || seconds > 24 * 3600) return '--seconds/--minutes: 10 s to 24 h'
  const suite = values.suite ?? 'intl'
  if (suite !== 'gm' && suite !== 'intl') return '--suite must be gm or intl'
  const rate = Number(values.rate ?? '20')
  if (!Number.isFinite(rate) || rate <= 0 || rate > 2000) return '--rate must be in (0, 2000]'
  const faults = (values.faults ?? FAULTS.join(',')).split(',').filter((f) => f.length > 0)
  const unknown = faults.filter((f) => !(FAULTS as readonly string[]).includes(f))
  if (unknown.length > 0 || faults.length === 0)
    return `--faults: unknown ${unknown.join(', ') || '(empty)'}; known ${FAULTS.join(', ')}`
  return { validators, range, seconds, seed, suite, rate, faults: faults as FaultKind[], keep: values.keep === true }
}

class Cluster {
  readonly procs = new Map<number, ChildProcess>()
  readonly logs = new Map<number, string[]>()
  readonly exits: Exit[] = []
  readonly clients: Client[]
  /** Nodes the run stopped on purpose (their exit is expected). */
  private readonly stopping = new Set<ChildProcess>()
  readonly diskFull = new Set<number>()

  constructor(
    readonly dir: string,
    readonly net: NetworkFile,
    readonly lab: NetLab,
    readonly t0: number,
  ) {
    this.clients = net.nodes.map((n) => createClient({ url: n.apiUrl, timeoutMs: 3000 }))
  }

  get names(): string[] {
    return this.net.nodes.map((n) => n.name)
  }

  start(i: number, skewS = 0): void {
    const node = this.net.nodes[i]!
    const env: NodeJS.ProcessEnv = { ...process.env }
    if (skewS !== 0) {
      env.LD_PRELOAD = FAKETIME_LIB
      env.FAKETIME = `${skewS > 0 ? '+' : ''}${skewS}s`
      // Only the wall clock moves: timers and intervals keep the real pace.
      env.FAKETIME_DONT_FAKE_MONOTONIC = '1'
    }
    const child = spawn(
      'ip',
      [...this.lab.exec(i).slice(1), process.execPath, BIN, 'node', 'start', '--home', node.home],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      },
    )
    const lines = this.logs.get(i) ?? []
    this.logs.set(i, lines)
    // This process's `fatal: stopping` code, read line by line as its output arrives.
    let partial = ''
    let fatalCode: string | undefined
    const keep = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      const whole = (partial + text).split('\n')
      // A line is a few KB at most (a fatal one with its stack); this bounds a writer that never ends one.
      partial = (whole.pop() ?? '').slice(-65_536)
      for (const l of whole) fatalCode = fatalCodeOf(l) ?? fatalCode
      lines.push(text)
      if (lines.length > 4000) lines.splice(0, lines.length - 4000)
      appendFileSync(join(this.dir, `${node.name}.log`), chunk)
    }
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    child.once('exit', (code, signal) => {
      if (this.procs.get(i) === child) this.procs.delete(i)
      if (this.stopping.has(child)) return
      const stopCode = fatalCodeOf(partial) ?? fatalCode
      this.exits.push({
        node: node.name,
        atMs: Date.now() - this.t0,
        code,
        signal,
        diskFull: this.diskFull.has(i),
        ...(stopCode !== undefined ? { fatalCode: stopCode } : {}),
        logTail: lines.join('').slice(-2000),
      })
    })
    this.procs.set(i, child)
  }

  /** Stops node i with `signal` and waits for its exit (SIGKILL: an instant crash). */
  async stop(i: number, signal: NodeJS.Signals): Promise<void> {
    const child = this.procs.get(i)
    if (child === undefined) return
    this.stopping.add(child)
    const exited = new Promise((r) => child.once('exit', r))
    // `ip netns exec` execs the command: the child's pid is node's.
    child.kill(signal)
    await exited
  }

  signal(i: number, signal: NodeJS.Signals): void {
    this.procs.get(i)?.kill(signal)
  }

  running(i: number): boolean {
    return this.procs.has(i)
  }

  logOf(i: number): string {
    return (this.logs.get(i) ?? []).join('')
  }

  async height(i: number): Promise<number | undefined> {
    try {
      return (await this.clients[i]!.status()).height
    } catch {
      return undefined
    }
  }

  async maxHeight(): Promise<number> {
    const hs = await Promise.all(this.clients.map((_, i) => this.height(i)))
    return Math.max(0, ...hs.filter((h): h is number => h !== undefined))
  }

  async stopAll(): Promise<void> {
    for (const i of [...this.procs.keys()]) {
      this.signal(i, 'SIGCONT')
      await this.stop(i, 'SIGTERM')
    }
  }
}

/** Submits anchor transactions at `rate` to random nodes; remembers every hash and every 202. */
class Load {
  readonly ours = new Set<string>()
  readonly acknowledged = new Set<string>()
  readonly refusals = new Map<string, number>()
  private running = true
  private serial = 0
  private loop: Promise<void> | undefined

  constructor(
    private readonly cluster: Cluster,
    private readonly suite: SuiteName,
    private readonly keys: Uint8Array[],
    private readonly rate: number,
    private readonly rng: Prng,
  ) {}

  start(chainId: string): void {
    const suite = getSuite(this.suite)
    const n = this.cluster.clients.length
    const inFlight = new Set<Promise<void>>()
    this.loop = (async () => {
      let validUntil = 0
      let due = performance.now()
      while (this.running) {
        if (this.serial % 200 === 0) validUntil = (await this.cluster.maxHeight()) + 900
        const node = this.rng.int(0, n - 1)
        const tx = anchorPut({
          suite,
          chainId,
          privateKey: this.keys[this.serial % this.keys.length]!,
          hash: suite.hash(new TextEncoder().encode(`chaos ${process.pid} ${this.serial}`)),
          kind: 'chaos',
          validUntilHeight: validUntil,
        })
        this.serial++
        this.ours.add(tx.hashHex)
        const p = this.cluster.clients[node]!.submitTx(tx.bytes).then(
          ({ hash }) => {
            this.acknowledged.add(hash)
          },
          (e: { code?: string }) => {
            const code = e.code ?? 'ERROR'
            this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1)
          },
        )
        inFlight.add(p)
        void p.finally(() => inFlight.delete(p))
        due += 1000 / this.rate
        const wait = due - performance.now()
        if (wait > 0) await sleep(wait)
        else due = performance.now()
      }
      await Promise.all(inFlight)
    })()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }
}

async function run(o: Options): Promise<number> {
  const unavailable = labUnavailable()
  if (unavailable !== undefined) {
    console.error(`chaos: ${unavailable}`)
    return 2
  }
  if (o.faults.includes('skew') && !existsSync(FAKETIME_LIB)) {
    console.error(
      `chaos: the skew fault needs libfaketime (${FAKETIME_LIB}: apt-get install faketime), or leave it out with --faults`,
    )
    return 2
  }
  const replay = `npm run chaos -- --validators ${o.validators} --seconds ${o.seconds} --seed ${o.seed} --suite ${o.suite} --rate ${o.rate} --faults ${o.faults.join(',')}`
  const say = (line: string) => console.log(`[chaos ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`)
  const t0 = Date.now()
  console.log(
    `chaos: seed ${o.seed}, ${o.validators} validators (from ${o.range}), ${o.seconds} s of faults, suite ${o.suite}`,
  )
  console.log(`chaos: replay with: ${replay}`)
  const steps = schedule(o.seed, o.validators, o.seconds, o.faults)
  const tag = (process.pid % 46_656).toString(36)
  const lab = new NetLab(tag, process.pid % 250, o.validators)
  const dir = mkdtempSync(join(tmpdir(), 'govchain-chaos-'))
  let tmpfs: string | undefined
  let cluster: Cluster | undefined
  let load: Load | undefined
  const cleanUp = async () => {
    await load?.stop().catch(() => {})
    await cluster?.stopAll().catch(() => {})
    if (tmpfs !== undefined) spawnSync('umount', ['-l', tmpfs])
    lab.down()
    if (!o.keep) rmSync(dir, { recursive: true, force: true })
    else console.log(`chaos: kept ${dir}`)
  }
  const onSignal = () => {
    void cleanUp().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    lab.up()
    say(
      `lab ${lab.bridge}: ${o.validators} namespaces, ${lab.netem ? 'netem' : 'no sch_netem in this kernel: degraded links by tbf'}`,
    )
    const hosts = Array.from({ length: o.validators }, (_, i) => lab.ip(i))
    const net = await initNetwork({
      modules: defaultModules(),
      sections: demoSections,
      dev: true,
      dir,
      orgs: o.validators,
      suite: o.suite,
      hosts,
      apiBasePort: 7701,
      p2pBasePort: 7801,
      params: {
        timeoutProposeMs: 1500,
        timeoutPrevoteMs: 500,
        timeoutPrecommitMs: 500,
        timeoutDeltaMs: 250,
        emptyBlockIntervalMs: 500,
      },
    })
    // The API answers on the namespace's address (the load generator is outside it).
    net.nodes.forEach((node, i) => {
      const path = join(node.home, 'config.json')
      const config = JSON.parse(readFileSync(path, 'utf8')) as { api: { host: string } }
      config.api.host = hosts[i]!
      writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`)
    })
    if (o.faults.includes('diskfull')) {
      // The last node's home on a small tmpfs, so its disk can be filled.
      const home = net.nodes[o.validators - 1]!.home
      const copy = `${home}.orig`
      cpSync(home, copy, { recursive: true })
      rmSync(home, { recursive: true, force: true })
      mkdirSync(home)
      const m = spawnSync(
        'mount',
        ['-t', 'tmpfs', '-o', `size=${tmpfsMb(o.seconds, o.rate)}m,mode=0700`, 'tmpfs', home],
        {
          encoding: 'utf8',
        },
      )
      if (m.status !== 0) throw new Error(`mount tmpfs: ${m.stderr}`)
      tmpfs = home
      for (const f of readdirSync(copy)) cpSync(join(copy, f), join(home, f), { recursive: true })
      rmSync(copy, { recursive: true, force: true })
    }
    cluster = new Cluster(dir, net, lab, t0)
    const c = cluster
    for (let i = 0; i < o.validators; i++) c.start(i)
    const started = Date.now()
    while ((await Promise.all(c.clients.map((_, i) => c.height(i)))).some((h) => h === undefined || h < 1)) {
      if (Date.now() - started > 180_000)
        throw new Error(`the nodes did not all start and commit within 180 s (logs in ${dir})`)
      await sleep(250)
    }
    say(`${o.validators} validators committing`)
    const chainId = (await c.clients[0]!.status()).chainId
    const keys = net.nodes.map((n) => loadKeyFile(join(dir, 'keys', `${n.orgId}.operator.json`)).privateKey)
    load = new Load(c, o.suite, keys, o.rate, new Prng(o.seed ^ 0x5eed))
    load.start(chainId)

    const recoveries: Recovery[] = []
    for (const step of steps) {
      const what = describe(step, c.names)
      say(`fault: ${what} for ${(step.holdMs / 1000).toFixed(1)} s`)
      await apply(c, step, true)
      await sleep(step.holdMs)
      await apply(c, step, false)
      const healedAt = Date.now()
      const before = await c.maxHeight()
      let nextBlockAt: number | undefined
      const deadline = healedAt + Math.max(PROGRESS_AFTER_HEAL_MS * 3, step.gapMs)
      while (Date.now() < deadline) {
        if ((await c.maxHeight()) > before) {
          nextBlockAt = Date.now()
          break
        }
        await sleep(100)
      }
      recoveries.push({ fault: what, healedAtMs: healedAt, nextBlockAtMs: nextBlockAt })
      say(`healed: ${nextBlockAt === undefined ? 'no block yet' : `next block after ${nextBlockAt - healedAt} ms`}`)
      // Nodes that died under the fault (a full disk) come back once it is healed.
      for (let i = 0; i < o.validators; i++) if (!c.running(i)) c.start(i)
      const rest = step.gapMs - (Date.now() - healedAt)
      if (rest > 0) await sleep(rest)
    }

    await load.stop()
    say(
      `load stopped: ${load.ours.size} submitted, ${load.acknowledged.size} acknowledged; refusals ${JSON.stringify(Object.fromEntries(load.refusals))}`,
    )
    for (let i = 0; i < o.validators; i++) if (!c.running(i)) c.start(i)
    // Every node at the top height, which holds every acknowledged transaction.
    const heights = await settle(c, load.acknowledged)
    const top = Math.max(0, ...heights.filter((h): h is number => h !== undefined))
    const leader = heights.indexOf(top)
    say(`settled at height ${top}${heights.every((h) => h === top) ? '' : ` (heights ${heights.join(', ')})`}`)
    // Each node's chain as far as it got; the exactly-once check reads the most advanced one.
    const chains: Record<string, BlockView[]> = {}
    for (let i = 0; i < o.validators; i++) chains[c.names[i]!] = await blocksOf(c.clients[i]!, heights[i] ?? 0)
    const penalised = await penalisedValidators(c.clients[leader]!)
    const free: Record<string, number> = {}
    if (tmpfs !== undefined) {
      const s = statfsSync(tmpfs)
      free[c.names[o.validators - 1]!] = s.bavail * s.bsize
    }
    const findings: Finding[] = [
      ...checkCatchUp(Object.fromEntries(c.names.map((name, i) => [name, heights[i]])), free),
      ...checkExactlyOnce(chains[c.names[leader]!]!, load.acknowledged, load.ours),
      ...checkNoFork(chains),
      ...checkProgress(recoveries, PROGRESS_AFTER_HEAL_MS),
      ...checkNoDoubleSign(penalised, Object.fromEntries(c.names.map((name, i) => [name, c.logOf(i)]))),
      ...checkNoCrash(c.exits),
    ]
    const slowest = Math.max(...recoveries.map((r) => (r.nextBlockAtMs ?? Number.POSITIVE_INFINITY) - r.healedAtMs))
    console.log(
      `chaos: ${steps.length} faults (${[...new Set(steps.map((s) => s.kind))].join(', ')}), ` +
        `${load.acknowledged.size} acknowledged transactions, height ${top}, slowest recovery ${slowest} ms, ` +
        `${c.exits.length} node exit(s) (${c.exits.filter((e) => e.diskFull).length} on a full disk)`,
    )
    if (findings.length === 0) {
      console.log(
        'chaos: every check holds (exactly once, no fork, equal state roots, progress, no double-sign, no crash)',
      )
      return 0
    }
    for (const f of findings) console.log(`chaos: FAILED ${f.check}: ${f.detail}`)
    console.log(`chaos: replay with: ${replay} --keep`)
    o.keep = true
    return 1
  } finally {
    await cleanUp()
  }
}

async function apply(c: Cluster, step: Step, on: boolean): Promise<void> {
  const lab = c.lab
  switch (step.kind) {
    case 'kill':
      for (const i of step.nodes) {
        if (on) await c.stop(i, 'SIGKILL')
        else c.start(i)
      }
      return
    case 'pause':
      for (const i of step.nodes) c.signal(i, on ? 'SIGSTOP' : 'SIGCONT')
      return
    case 'partition':
      if (on) {
        for (const i of step.nodes) lab.block(i, step.other!)
        for (const i of step.other!) lab.block(i, step.nodes)
      } else lab.healAll()
      return
    case 'oneway':
      if (on) {
        if (step.direction === 'out') lab.block(step.nodes[0]!, step.other!)
        else for (const i of step.other!) lab.block(i, step.nodes)
      } else lab.healAll()
      return
    case 'degrade':
      for (const i of step.nodes) {
        if (on)
          lab.degrade(i, {
            delayMs: step.delayMs!,
            jitterMs: Math.round(step.delayMs! / 4),
            lossPercent: 5,
            rateKbit: step.rateKbit!,
          })
        else lab.heal(i)
      }
      return
    case 'skew': {
      const i = step.nodes[0]!
      await c.stop(i, 'SIGTERM')
      c.start(i, on ? step.skewS! : 0)
      return
    }
    case 'diskfull': {
      const i = step.nodes[0]!
      const home = c.net.nodes[i]!.home
      const filler = join(home, 'chaos-filler')
      if (on) {
        c.diskFull.add(i)
        const s = statfsSync(home)
        const free = s.bavail * s.bsize
        // Leave a few kilobytes: the node fails on its next large write, not on every one.
        const size = Math.max(0, free - 16 * 1024)
        spawnSync('fallocate', ['-l', String(size), filler])
        if (!existsSync(filler)) writeFileSync(filler, Buffer.alloc(size))
      } else {
        rmSync(filler, { force: true })
        // A node that died on the full disk counts as a disk-full exit until it is back.
        if (c.running(i)) c.diskFull.delete(i)
        else {
          c.start(i)
          c.diskFull.delete(i)
        }
      }
      return
    }
  }
}

/**
 * Waits (at most SETTLE_MS) until the most advanced node has decided every acknowledged
 * transaction and every node has reached its height; returns each node's height (undefined: it
 * did not answer). Past the deadline the checks name what is missing: a transaction never
 * committed, a node left behind.
 */
async function settle(c: Cluster, acknowledged: ReadonlySet<string>): Promise<(number | undefined)[]> {
  const deadline = Date.now() + SETTLE_MS
  const pending = new Set(acknowledged)
  for (;;) {
    const heights = await Promise.all(c.clients.map((_, i) => c.height(i)))
    const top = Math.max(-1, ...heights.filter((h): h is number => h !== undefined))
    const leader = c.clients[heights.indexOf(top)]
    if (leader !== undefined) {
      for (const h of [...pending].slice(0, 500)) {
        try {
          if ((await leader.tx(h)).status !== 'pending') pending.delete(h)
        } catch {}
      }
    }
    if (pending.size === 0 && heights.every((h) => h === top)) return heights
    if (Date.now() > deadline) return heights
    await sleep(500)
  }
}

/** How long the run waits, after the load, for the cluster to settle. */
const SETTLE_MS = 180_000

async function blocksOf(client: Client, upTo: number): Promise<BlockView[]> {
  const out: BlockView[] = []
  for (let h = 1; h <= upTo; h++) {
    const b = await client.block(h)
    out.push({
      height: h,
      hash: b.hash,
      stateRoot: Buffer.from(b.header.stateRoot).toString('hex'),
      txHashes: b.txHashes,
    })
  }
  return out
}

async function penalisedValidators(client: Client): Promise<{ id: string; height: number }[]> {
  return (await governanceValidators(client)).flatMap((v) =>
    v.jailedAtHeight === null ? [] : [{ id: v.id, height: v.jailedAtHeight }],
  )
}

const parsed = parseOptions(process.argv.slice(2))
if (parsed === 'help') {
  console.log(HELP)
} else if (typeof parsed === 'string') {
  console.error(`chaos: ${parsed} (see --help)`)
  process.exitCode = 2
} else {
  run(parsed).then(
    (code) => {
      process.exitCode = code
    },
    (e: unknown) => {
      console.error(`chaos: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      process.exitCode = 1
    },
  )
}
