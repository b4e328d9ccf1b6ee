/**
 * The checks of the sim command, over a way to run it: sim-command.test.ts calls simCommand in
 * process (fast tier), sim-cli.slow.test.ts starts cli.ts as a process each time (slow tier).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SIM_HELP } from '../src/sim/command.ts'

export interface SimRun {
  status: number | null
  stdout: string
  stderr: string
}

const SUMMARY = /^seeds=(\d+) heights=(\d+) safety_violations=(\d+) liveness_failures=(\d+) double_signs=(\d+)$/m

export function simCommandChecks(how: string, run: (args: string[]) => SimRun): void {
  test(`sim command (${how}): summary line and exit 0 within the bound`, () => {
    const r = run(['--seeds', '3', '--validators', '4..5', '--heights', '3'])
    assert.equal(r.status, 0, r.stdout + r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.match(lines.at(-1)!, SUMMARY)
    assert.equal(lines.at(-1), 'seeds=3 heights=9 safety_violations=0 liveness_failures=0 double_signs=0')
    assert.match(r.stdout, /simulated heights\/s/)
  })

  test(`sim command (${how}): beyond the bound it exits 1 and prints the replay command, which replays the failure`, () => {
    const r = run(['--seeds', '20', '--validators', '4', '--byzantine', '2', '--heights', '10', '--max-failures', '1'])
    assert.equal(r.status, 1)
    const replay = /replay: npm run sim -- (.*)$/m.exec(r.stdout)
    assert.ok(replay, r.stdout)
    const again = run(replay[1]!.split(' '))
    assert.equal(again.status, 1)
    const m = SUMMARY.exec(again.stdout)
    assert.ok(m !== null && Number(m[1]) === 1 && Number(m[3]) + Number(m[4]) > 0)
  })

  test(`sim command (${how}): bad arguments exit 2 with the message and the help on stderr; --help exits 0`, () => {
    const reversed = run(['--validators', '10..4'])
    assert.equal(reversed.status, 2)
    assert.match(reversed.stderr, /^sim: --validators must be within 1\.\.64, A <= B\n/)
    assert.ok(reversed.stderr.trimEnd().endsWith(SIM_HELP))
    assert.equal(reversed.stdout, '')
    const unknown = run(['--nope'])
    assert.equal(unknown.status, 2)
    assert.match(unknown.stderr, /^sim: Unknown option '--nope'/)
    const h = run(['--help'])
    assert.equal(h.status, 0)
    assert.match(h.stdout, /--seed-base B/)
  })
}
