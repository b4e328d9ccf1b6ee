#!/usr/bin/env node
// One test runner for every package: node:test with tsx, over every *.test.ts under packages/*/test.
// Usage: npm test [-- <path filter substring> ...]
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)
const files = []
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (name.endsWith('.test.ts')) files.push(p)
  }
}
for (const pkg of readdirSync(join(root, 'packages'))) {
  const t = join(root, 'packages', pkg, 'test')
  if (existsSync(t)) walk(t)
}
const selected = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort()
if (selected.length === 0) {
  console.error('no test files matched')
  process.exit(1)
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...selected], {
  stdio: 'inherit',
  cwd: root,
})
process.exit(r.status ?? 1)
