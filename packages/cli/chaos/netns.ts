/**
 * The chaos suite's network (docs/reliability.md): one Linux network namespace per validator,
 * each joined to a bridge in the root namespace by a veth pair, so that faults can be put on
 * the wire between nodes without touching anything else on the machine.
 *
 *   root namespace:  bridge gc<tag>b, 10.231.<subnet>.254/24   (the load generator and checker)
 *   namespace i:     eth0 = 10.231.<subnet>.<i+1>/24, lo up     (validator i)
 *
 * Faults, all on the sending side of a namespace's eth0:
 *
 *   partition a -> b   a's neighbour entry for b's address is replaced by a permanent one with
 *                      a MAC no interface has: a's frames to b are flooded by the bridge and
 *                      dropped by every receiver, silently, as on a cut link (TCP sees only
 *                      timeouts). A symmetric partition is the entry on both sides; healing
 *                      deletes the entries and ARP resolves again.
 *   degraded link      `tc netem` delay, jitter and loss where the kernel has sch_netem; where it
 *                      has not (this project's CI kernel lacks it), a token bucket (`tc tbf`)
 *                      at a low rate with a queueing-latency budget: packets wait (delay, varying
 *                      with the load: jitter) and those over the budget are dropped (loss).
 *
 * Nothing here leaves the namespaces and the bridge the lab made: they are named after a tag,
 * and `down()` deletes them (also left-overs of a run that died with the same tag). Needs root
 * (CAP_NET_ADMIN).
 */
import { spawnSync } from 'node:child_process'

/** A MAC address no interface of the lab has (locally administered, unicast). */
const BLACK_HOLE_MAC = '02:00:00:00:de:ad'

/** A degraded link on a node's outgoing traffic. */
export interface LinkFault {
  delayMs: number
  jitterMs: number
  lossPercent: number
  /** The token bucket's rate where netem is missing. */
  rateKbit: number
}

export class NetLab {
  readonly bridge: string
  /** Whether the kernel has sch_netem (probed by up()). */
  netem = false
  private readonly blocked: Set<number>[]

  constructor(
    /** Short, [a-z0-9], so every interface name stays under Linux's 15 characters. */
    readonly tag: string,
    /** Third octet of 10.231.x.0/24. */
    readonly subnet: number,
    readonly size: number,
  ) {
    if (!/^[a-z0-9]{1,6}$/.test(tag)) throw new Error(`netns tag must be 1-6 of [a-z0-9]: ${tag}`)
    if (!Number.isInteger(subnet) || subnet < 0 || subnet > 255) throw new Error(`subnet octet out of range: ${subnet}`)
    if (!Number.isInteger(size) || size < 1 || size > 200) throw new Error(`lab size out of range: ${size}`)
    this.bridge = `gc${tag}b`
    this.blocked = Array.from({ length: size }, () => new Set<number>())
  }

  /** The address validator i is reached at. */
  ip(i: number): string {
    return `10.231.${this.subnet}.${i + 1}`
  }

  /** The root namespace's address on the bridge (the load generator's source). */
  get hostIp(): string {
    return `10.231.${this.subnet}.254`
  }

  ns(i: number): string {
    return `gc${this.tag}n${i}`
  }

  /** argv prefix that runs a command inside validator i's namespace. */
  exec(i: number): string[] {
    return ['ip', 'netns', 'exec', this.ns(i)]
  }

  /** Creates the bridge, the namespaces, the veth pairs, the addresses and the idle qdiscs. */
  up(): void {
    this.down()
    run('ip', ['link', 'add', this.bridge, 'type', 'bridge'])
    run('ip', ['addr', 'add', `${this.hostIp}/24`, 'dev', this.bridge])
    run('ip', ['link', 'set', this.bridge, 'up'])
    const probe = spawnSync('tc', ['qdisc', 'add', 'dev', this.bridge, 'root', 'netem', 'delay', '0ms'])
    this.netem = probe.status === 0
    if (this.netem) spawnSync('tc', ['qdisc', 'del', 'dev', this.bridge, 'root'])
    for (let i = 0; i < this.size; i++) {
      const ns = this.ns(i)
      const host = `gc${this.tag}h${i}`
      const peer = `gc${this.tag}p${i}`
      run('ip', ['netns', 'add', ns])
      run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer])
      run('ip', ['link', 'set', peer, 'netns', ns])
      run('ip', ['link', 'set', host, 'master', this.bridge])
      run('ip', ['link', 'set', host, 'up'])
      const inNs = (argv: string[]) => run('ip', ['netns', 'exec', ns, ...argv])
      inNs(['ip', 'link', 'set', peer, 'name', 'eth0'])
      inNs(['ip', 'addr', 'add', `${this.ip(i)}/24`, 'dev', 'eth0'])
      inNs(['ip', 'link', 'set', 'eth0', 'up'])
      inNs(['ip', 'link', 'set', 'lo', 'up'])
    }
  }

  /** Node `from` can no longer send to the nodes `to` (frames dropped without an error). */
  block(from: number, to: readonly number[]): void {
    for (const t of to) {
      if (t === from) continue
      this.inNs(from, [
        'ip',
        'neigh',
        'replace',
        this.ip(t),
        'lladdr',
        BLACK_HOLE_MAC,
        'dev',
        'eth0',
        'nud',
        'permanent',
      ])
      this.blocked[from]!.add(t)
    }
  }

  /** Delay, jitter and loss on everything node i sends (see the header for the tbf fallback). */
  degrade(i: number, spec: LinkFault): string {
    if (this.netem) {
      const args = ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', `${spec.delayMs}ms`]
      if (spec.jitterMs > 0) args.push(`${spec.jitterMs}ms`)
      if (spec.lossPercent > 0) args.push('loss', `${spec.lossPercent}%`)
      this.inNs(i, args)
      return `netem delay ${spec.delayMs}ms±${spec.jitterMs}ms loss ${spec.lossPercent}%`
    }
    // A rate that the node's consensus and gossip traffic exceeds at bursts, and a latency
    // budget of the wanted delay: packets queue up to delayMs and are dropped beyond it.
    const rate = `${spec.rateKbit}kbit`
    this.inNs(i, [
      'tc',
      'qdisc',
      'replace',
      'dev',
      'eth0',
      'root',
      'tbf',
      'rate',
      rate,
      'burst',
      '16kb',
      'latency',
      `${spec.delayMs}ms`,
    ])
    return `tbf rate ${rate} latency ${spec.delayMs}ms`
  }

  /** Removes every partition and link fault of node i. */
  heal(i: number): void {
    for (const t of this.blocked[i]!) this.inNs(i, ['ip', 'neigh', 'del', this.ip(t), 'dev', 'eth0'])
    this.blocked[i]!.clear()
    // Deleting the root qdisc of a link that has only the default one is an error for tc: ignore it.
    spawnSync('ip', ['netns', 'exec', this.ns(i), 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'])
  }

  healAll(): void {
    for (let i = 0; i < this.size; i++) this.heal(i)
  }

  /** Deletes what a lab with this tag made (namespaces take their veth ends with them). */
  down(): void {
    for (let i = 0; i < this.size; i++) {
      spawnSync('ip', ['netns', 'del', this.ns(i)])
      spawnSync('ip', ['link', 'del', `gc${this.tag}h${i}`])
    }
    spawnSync('ip', ['link', 'del', this.bridge])
  }

  private inNs(i: number, argv: string[]): void {
    run('ip', ['netns', 'exec', this.ns(i), ...argv])
  }
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.error !== undefined) throw new Error(`${cmd}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`)
}

/** Why this machine cannot run the lab, or undefined when it can (root, ip and tc present). */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the chaos suite needs root (network namespaces, tc, tmpfs mounts)'
  for (const [cmd, arg] of [
    ['ip', '-V'],
    ['tc', '-V'],
  ] as const) {
    const r = spawnSync(cmd, [arg])
    if (r.error !== undefined || r.status !== 0) return `${cmd} (iproute2) is not installed`
  }
  return undefined
}
