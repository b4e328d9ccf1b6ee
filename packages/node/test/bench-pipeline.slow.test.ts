/**
 * `npm run bench:pipeline` as a command (packages/node/bench/pipeline.ts): a short run of each
 * workload prints every figure as a number (issue 16's service case per case and per stage),
 * and bad arguments exit 2 with the reason. Nothing
 * here looks at the figures' values: benchmarks print, tests do not time.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, test } from 'node:test'

const SCRIPT = join(import.meta.dirname, '..', 'bench', 'pipeline.ts')

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ['-C', 'development', '--import', 'tsx', SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The `name=value` figures a run printed. */
function figures(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .split('\n')
      .filter((l) => /^[a-zA-Z]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
}

describe('bench:pipeline', () => {
  for (const tx of ['anchor', 'did']) {
    test(`--tx ${tx}: a short run prints every step's CPU per transaction`, () => {
      const r = run('--tx', tx, '--txs', '120', '--block', '50')
      assert.equal(r.code, 0, r.stderr)
      const f = figures(r.stdout)
      assert.equal(f.get('suite'), `intl tx=${tx} txs=120 block=50`)
      for (const name of ['admissionUsPerTx', 'buildUsPerTx', 'validateUsPerTx', 'commitUsPerTx', 'totalUsPerTx']) {
        assert.match(f.get(name) ?? '', /^\d+\.\d$/, `${name} in ${r.stdout}`)
      }
      // Every transaction writes at least one key, so at least its leaf is a new tree node.
      const stored = /^(\d+\.\d) indexWritesPerTx=\d+\.\d$/.exec(f.get('treeNodesPerTx') ?? '')
      assert.ok(stored !== null && Number(stored[1]) >= 1, r.stdout)
      assert.match(
        f.get('apiReadUsPerKey') ?? '',
        /^\d+\.\d \(with proof \d+\.\d; a tree per read, as before: \d+\.\d\)$/,
      )
    })
  }

  test("--tx service: a short run prints every step's CPU per case, and per stage", () => {
    const r = run('--suite', 'gm', '--tx', 'service', '--txs', '12', '--block', '5')
    assert.equal(r.code, 0, r.stderr)
    const f = figures(r.stdout)
    assert.equal(f.get('suite'), 'gm tx=service txs=12 block=5')
    for (const name of [
      'admissionUsPerCase',
      'buildUsPerCase',
      'validateUsPerCase',
      'commitUsPerCase',
      'totalUsPerCase',
    ]) {
      assert.match(f.get(name) ?? '', /^\d+\.\d$/, `${name} in ${r.stdout}`)
    }
    // Every stage ran, each case's apply, accept and decision one transaction, the receipts batched
    // (three waves: one batch per provider and wave, 6 for 12 cases).
    const stage = (name: string) =>
      new RegExp(
        `^stage\\.${name}: txsPerCase=([\\d.]+) admission=\\d+\\.\\d build=\\d+\\.\\d validate=\\d+\\.\\d commit=\\d+\\.\\d \\(µs per case\\); treeNodesPerCase=\\d+\\.\\d indexWritesPerCase=\\d+\\.\\d$`,
        'm',
      ).exec(r.stdout)?.[1]
    assert.deepEqual(
      ['apply', 'accept', 'receipts', 'decide'].map(stage),
      ['1.000', '1.000', '0.500', '1.000'],
      r.stdout,
    )
    // Each of a case's four stages writes keys, so a case stores at least four new tree nodes.
    const stored = /^(\d+\.\d) indexWritesPerCase=(\d+\.\d)$/.exec(f.get('treeNodesPerCase') ?? '')
    assert.ok(stored !== null && Number(stored[1]) >= 4, r.stdout)
    assert.match(
      f.get('apiReadUsPerKey') ?? '',
      /^\d+\.\d \(with proof \d+\.\d; a tree per read, as before: \d+\.\d\)$/,
    )
  })

  test('bad arguments exit 2 with the reason; --help exits 0', () => {
    const bad = run('--tx', 'transfer')
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--tx must be anchor, did or service/)
    const badCount = run('--txs', '0')
    assert.equal(badCount.code, 2)
    assert.match(badCount.stderr, /--txs must be an integer/)
    const help = run('--help')
    assert.equal(help.code, 0)
    assert.match(help.stdout, /--tx <anchor\|did\|service>/)
  })
})
