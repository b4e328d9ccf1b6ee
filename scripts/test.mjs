#!/usr/bin/env node
// One test runner for every package: node:test with tsx, over every *.test.ts under packages/*/test.
// Usage: npm test [-- <path filter substring> ...]
//        npm run test:unit [-- <filter> ...]   the fast tier: no multi-process networks, browsers,
//                                              database servers or long simulator sweeps
// Sources run through the "development" export condition (set in NODE_OPTIONS, so every child
// process a test spawns resolves @govchain/* to src/ as well).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

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
const selected = files
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !unitOnly || !SLOW.some((re) => re.test(relative(root, f))))
  .sort()
if (selected.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}
const nodeOptions = [process.env.NODE_OPTIONS ?? '', '--conditions=development'].join(' ').trim()
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...selected], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, NODE_OPTIONS: nodeOptions },
})
process.exit(r.status ?? 1)
