#!/usr/bin/env node
// One test runner for every package: node:test with tsx, over every *.test.ts under packages/*/test.
// Usage: npm test [-- <path filter substring> ...]
//        npm run test:unit [-- <filter> ...]   the fast tier: no multi-process networks, browsers,
//                                              database servers or long simulator sweeps
// Sources run through the "development" export condition (set in NODE_OPTIONS, so every child
// process a test spawns resolves @govchain/* to src/ as well).
//
// The fast tier runs its files with one process per core: node:test's default concurrency is
// availableParallelism() - 1, i.e. one file at a time on the 2-core CI machine, where each file
// also pays ~0.5 s of CPU for tsx and its module graph before its first test. The slow tier keeps
// node's default: its files start networks of processes that time out when starved of CPU.
// Both tiers print their wall time at the end, so a tier that grows is seen.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)
const unitOnly = args.includes('--unit')
const filters = args.filter((a) => a !== '--unit')

/**
 * Test files outside the fast tier: each starts real node processes, a browser, a database server
 * or runs a long seeded sweep. Everything else must stay fast enough for the tier to finish in
 * under a minute on the 2-core CI machine.
 */
const SLOW = [
  /^packages\/[^/]+\/test\/e2e\//,
  /^packages\/cli\/test\//,
  /^packages\/portal\/test\//,
  /^packages\/apps\/[^/]+\/test\/.*\.(network|browser)\.test\.ts$/,
  /^packages\/consensus\/test\/sim-ci\.test\.ts$/,
  /^packages\/node\/test\/storage-crash\.test\.ts$/,
  /^packages\/node\/test\/gateway-postgres\.test\.ts$/,
  /^packages\/p2p\/test\/p2p\.test\.ts$/,
  /\.slow\.test\.ts$/,
]

const files = []
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (name.endsWith('.test.ts')) files.push(p)
  }
}
function walkPackages(dir) {
  for (const pkg of readdirSync(dir)) {
    const base = join(dir, pkg)
    if (!statSync(base).isDirectory()) continue
    if (existsSync(join(base, 'package.json'))) {
      const t = join(base, 'test')
      if (existsSync(t)) walk(t)
    } else {
      walkPackages(base) // a group folder such as packages/apps
    }
  }
}
walkPackages(join(root, 'packages'))
const isSlow = (f) => SLOW.some((re) => re.test(relative(root, f)))
const selected = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort()
const tiers = [
  { name: 'fast tier', files: selected.filter((f) => !isSlow(f)), concurrency: Math.max(2, availableParallelism()) },
  { name: 'slow tier', files: unitOnly ? [] : selected.filter(isSlow), concurrency: undefined },
].filter((t) => t.files.length > 0)
if (tiers.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}
/**
 * CPU seconds (user + system) of the child processes this runner has waited for, and theirs
 * (Linux /proc; undefined elsewhere): unlike wall time, comparable on a shared machine.
 */
function childCpuS() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // cutime and cstime (fields 16 and 17 of proc(5)) in USER_HZ ticks, 100 a second on Linux.
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return undefined
  }
}

const nodeOptions = [process.env.NODE_OPTIONS ?? '', '--conditions=development'].join(' ').trim()

/**
 * The fast tier's files, in `n` groups of about equal size, each group one process: a test
 * process's start (the TypeScript loader, then the module graph of node, app and core) costs
 * about a second of CPU, more than most fast files' tests, so one process per file spent half
 * the tier starting up. Files are independent modules; a group imports them one after the other
 * and node:test runs their tests in import order. The slow tier keeps one process per file.
 */
function groupEntries(tierFiles, n) {
  const dir = mkdtempSync(join(tmpdir(), 'govchain-test-groups-'))
  const groups = Array.from({ length: Math.min(n, tierFiles.length) }, () => ({ files: [], bytes: 0 }))
  const bySize = [...tierFiles].sort((a, b) => statSync(b).size - statSync(a).size)
  for (const f of bySize) {
    const g = groups.reduce((min, x) => (x.bytes < min.bytes ? x : min))
    g.files.push(f)
    g.bytes += statSync(f).size
  }
  // node:test starts a file's tests as soon as they are declared, so without the gate the
  // first files' tests ran while the later files were still being loaded and evaluated (and
  // their root-level `before` hooks ran): seconds of synchronous work on the same event loop,
  // which a loaded machine stretched past the 10 s timeouts of requests to in-process servers
  // (client.test.ts, gateway-holders.test.ts). A root hook holds every test until all are loaded.
  return groups.map((g, i) => {
    const entry = join(dir, `group-${i}.test.mjs`)
    writeFileSync(
      entry,
      [
        "import { before } from 'node:test'",
        'let loaded',
        'const all = new Promise((ok) => { loaded = ok })',
        'before(() => all)',
        ...g.files.sort().map((f) => `await import(${JSON.stringify(pathToFileURL(f).href)})`),
        'loaded()',
        '',
      ].join('\n'),
    )
    return entry
  })
}
const summaries = []
let status = 0
for (const tier of tiers) {
  const startedMs = performance.now()
  const cpuStartedS = childCpuS()
  const concurrency = tier.concurrency === undefined ? [] : [`--test-concurrency=${tier.concurrency}`]
  const entries = tier.concurrency === undefined ? tier.files : groupEntries(tier.files, tier.concurrency)
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', ...concurrency, ...entries],
    { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_OPTIONS: nodeOptions } },
  )
  const wallS = (performance.now() - startedMs) / 1000
  const cpuEndS = childCpuS()
  const cpuS = cpuStartedS === undefined || cpuEndS === undefined ? undefined : cpuEndS - cpuStartedS
  summaries.push(
    `${tier.name}: ${tier.files.length} files in ${wallS.toFixed(1)} s wall` +
      `${cpuS === undefined ? '' : `, ${cpuS.toFixed(1)} s CPU`}` +
      `${tier.concurrency === undefined ? '' : `, ${entries.length} processes`}` +
      `${r.status === 0 ? '' : ` (FAILED, exit ${r.status ?? r.signal})`}`,
  )
  if (r.status !== 0) status = r.status ?? 1
}
for (const line of summaries) console.log(line)
process.exit(status)
