/**
 * What a chaos run must show afterwards (issue 19, docs/reliability.md), as pure functions over
 * what the run recorded and what the nodes answered, so that each check is tested on its own
 * (test/chaos-checks.test.ts) with histories that break it.
 *
 *   exactly once   every transaction a node acknowledged (HTTP 202) is in exactly one block; no
 *                  transaction of the run, acknowledged or not, is in two
 *   no fork        at every height the nodes hold, they hold the same block hash and state root
 *   progress       after each heal, a new block within the allowed time
 *   no double-sign no node saw equivocation (its log) and no validator lost its power to evidence
 *   no crash       no node exited on its own, except the coded STORE_UNWRITABLE stop on a full disk
 *   catch-up       after the run, every node reached the height of the most advanced one
 */

/** One block as a node reports it. */
export interface BlockView {
  height: number
  hash: string
  stateRoot: string
  txHashes: readonly string[]
}

export interface Finding {
  check: 'exactly-once' | 'no-fork' | 'progress' | 'no-double-sign' | 'no-crash' | 'catch-up'
  detail: string
}

/**
 * Acknowledged transactions in exactly one block of `canonical`, and no transaction of `ours`
 * (everything the run submitted) in two.
 */
export function checkExactlyOnce(
  canonical: readonly BlockView[],
  acknowledged: ReadonlySet<string>,
  ours: ReadonlySet<string>,
): Finding[] {
  const seen = new Map<string, number[]>()
  for (const b of canonical) {
    for (const t of b.txHashes) {
      if (!ours.has(t)) continue
      const at = seen.get(t) ?? []
      at.push(b.height)
      seen.set(t, at)
    }
  }
  const findings: Finding[] = []
  const missing = [...acknowledged].filter((t) => !seen.has(t))
  if (missing.length > 0) {
    findings.push({
      check: 'exactly-once',
      detail: `${missing.length} acknowledged transaction(s) never committed, e.g. ${missing.slice(0, 3).join(', ')}`,
    })
  }
  for (const [t, heights] of seen) {
    if (heights.length > 1) {
      findings.push({
        check: 'exactly-once',
        detail: `transaction ${t} committed ${heights.length} times: heights ${heights.join(', ')}`,
      })
    }
  }
  return findings
}

/** Same block hash and state root at every height two nodes both hold. */
export function checkNoFork(chains: Readonly<Record<string, readonly BlockView[]>>): Finding[] {
  const byHeight = new Map<number, { node: string; block: BlockView }[]>()
  for (const [node, blocks] of Object.entries(chains)) {
    for (const block of blocks) {
      const at = byHeight.get(block.height) ?? []
      at.push({ node, block })
      byHeight.set(block.height, at)
    }
  }
  const findings: Finding[] = []
  for (const [height, views] of [...byHeight].sort((a, b) => a[0] - b[0])) {
    const first = views[0]!
    for (const v of views.slice(1)) {
      if (v.block.hash !== first.block.hash) {
        findings.push({
          check: 'no-fork',
          detail: `height ${height}: ${first.node} holds block ${first.block.hash}, ${v.node} holds ${v.block.hash}`,
        })
      } else if (v.block.stateRoot !== first.block.stateRoot) {
        findings.push({
          check: 'no-fork',
          detail: `height ${height}: same block, state roots differ (${first.node} ${first.block.stateRoot}, ${v.node} ${v.block.stateRoot})`,
        })
      }
    }
  }
  return findings
}

/** One heal: when it happened and when the first block after it was seen (undefined: none). */
export interface Recovery {
  fault: string
  healedAtMs: number
  nextBlockAtMs: number | undefined
}

export function checkProgress(recoveries: readonly Recovery[], allowedMs: number): Finding[] {
  const findings: Finding[] = []
  for (const r of recoveries) {
    if (r.nextBlockAtMs === undefined) {
      findings.push({ check: 'progress', detail: `no block after healing ${r.fault}` })
    } else if (r.nextBlockAtMs - r.healedAtMs > allowedMs) {
      findings.push({
        check: 'progress',
        detail: `first block ${r.nextBlockAtMs - r.healedAtMs} ms after healing ${r.fault} (allowed ${allowedMs} ms)`,
      })
    }
  }
  return findings
}

/** Validators that lost power to evidence, and log lines of nodes that saw equivocation. */
export function checkNoDoubleSign(
  penalised: readonly { id: string; height: number }[],
  logs: Readonly<Record<string, string>>,
): Finding[] {
  const findings: Finding[] = penalised.map((p) => ({
    check: 'no-double-sign' as const,
    detail: `validator ${p.id} lost its power to equivocation evidence at height ${p.height}`,
  }))
  for (const [node, log] of Object.entries(logs)) {
    const lines = log.split('\n').filter((l) => l.includes('equivocation detected'))
    if (lines.length > 0) {
      findings.push({
        check: 'no-double-sign',
        detail: `${node} saw equivocation ${lines.length} time(s): ${lines[0]!.slice(0, 300)}`,
      })
    }
  }
  return findings
}

/** A node process that ended without the run asking it to. */
export interface Exit {
  node: string
  atMs: number
  code: number | null
  signal: string | null
  /** Its disk was full (the disk-full fault was on it) when it exited. */
  diskFull: boolean
  /** The code of its `fatal: stopping` log line, if it wrote one (fatalCodeOf). */
  fatalCode?: string
  logTail: string
}

/**
 * The code of a node's `fatal: stopping` log line, or undefined when `line` is not one. The
 * line may follow text another writer left on the same pipe without a newline (lmdb-js's
 * `Write error: ...` on stderr), so the JSON is read from its first `{`.
 */
export function fatalCodeOf(line: string): string | undefined {
  if (!line.includes('"msg":"fatal: stopping"')) return undefined
  try {
    const code = (JSON.parse(line.slice(line.indexOf('{'))) as { code?: unknown }).code
    return typeof code === 'string' ? code : undefined
  } catch {
    return undefined
  }
}

/**
 * An exit the run did not ask for is a crash, except the coded stop of a node whose disk was
 * full: a validator that cannot store its signer's record stops (consensus reactor) and says
 * STORE_UNWRITABLE in its `fatal: stopping` line (read from the whole of that process's output:
 * the stop's own lines push it out of the tail). Anything else on a full disk (an unhandled rejection from the store, as
 * lmdb-js's orphan promise once was) is a crash as well.
 */
export function checkNoCrash(exits: readonly Exit[]): Finding[] {
  return exits
    .filter((e) => !(e.diskFull && e.fatalCode === 'STORE_UNWRITABLE'))
    .map((e) => ({
      check: 'no-crash' as const,
      detail: `${e.node} exited (code ${e.code}, signal ${e.signal}); log tail:\n${e.logTail}`,
    }))
}

/**
 * Every node at the height of the most advanced one once the run has settled. A node left behind
 * is named with its height, and with the free space of its home when the run knows it (a node
 * whose disk the run's own data filled cannot catch up, whatever the protocol does: a 25-minute
 * run once outgrew the disk-full node's tmpfs, and its 760 missing heights read as acknowledged
 * transactions "never committed").
 */
export function checkCatchUp(
  heights: Readonly<Record<string, number | undefined>>,
  freeBytes: Readonly<Record<string, number | undefined>> = {},
): Finding[] {
  const known = Object.values(heights).filter((h): h is number => h !== undefined)
  const top = known.length === 0 ? 0 : Math.max(...known)
  const findings: Finding[] = []
  for (const [node, h] of Object.entries(heights)) {
    if (h !== undefined && h >= top) continue
    const free = freeBytes[node]
    findings.push({
      check: 'catch-up',
      detail:
        `${node} ${h === undefined ? 'did not answer' : `is at height ${h}`}, the cluster at ${top}` +
        (free === undefined ? '' : ` (its home has ${Math.floor(free / 1024)} KB free)`),
    })
  }
  return findings
}
