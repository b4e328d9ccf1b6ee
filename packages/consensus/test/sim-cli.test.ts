import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'

const cli = new URL('../src/sim/cli.ts', import.meta.url).pathname
const run = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', timeout: 120_000 })
const SUMMARY = /^seeds=(\d+) heights=(\d+) safety_violations=(\d+) liveness_failures=(\d+) double_signs=(\d+)$/m

test('sim command: summary line and exit 0 within the bound', () => {
  const r = run(['--seeds', '3', '--validators', '4..5', '--heights', '3'])
  assert.equal(r.status, 0, r.stdout + r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.match(lines.at(-1)!, SUMMARY)
  assert.equal(lines.at(-1), 'seeds=3 heights=9 safety_violations=0 liveness_failures=0 double_signs=0')
  assert.match(r.stdout, /simulated heights\/s/)
})

test('sim command: beyond the bound it exits 1 and prints the replay command, which replays the failure', () => {
  const r = run(['--seeds', '20', '--validators', '4', '--byzantine', '2', '--heights', '10', '--max-failures', '1'])
  assert.equal(r.status, 1)
  const replay = /replay: npm run sim -- (.*)$/m.exec(r.stdout)
  assert.ok(replay, r.stdout)
  const again = run(replay[1]!.split(' '))
  assert.equal(again.status, 1)
  const m = SUMMARY.exec(again.stdout)
  assert.ok(m !== null && Number(m[1]) === 1 && Number(m[3]) + Number(m[4]) > 0)
})

test('sim command: bad arguments exit 2; --help exits 0', () => {
  assert.equal(run(['--validators', '10..4']).status, 2)
  assert.equal(run(['--nope']).status, 2)
  const h = run(['--help'])
  assert.equal(h.status, 0)
  assert.match(h.stdout, /--seed-base B/)
})
