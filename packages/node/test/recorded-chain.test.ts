/**
 * The recorded chain (docs/recorded-chain.md, issue 14 "no state root changes"): each recording
 * in test/fixtures is replayed from its genesis through the real execution path (buildBlock,
 * then validateBlock, then commit, with the node's module registry), and every block's state,
 * transactions and results roots, validator set hashes, block hash, and every transaction's
 * code and events must come out byte-identical to the recording. The recordings must also cover
 * every method of the registry, each with a success and a failure, so that a method added later
 * cannot escape them.
 *
 * A difference here means the code changed state. If that is meant, regenerate the recordings
 * (npm run record:chain) and say so in the commit; a refactoring must never need to.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { handler, type Module, ModuleRegistry } from '@govchain/app'
import { utf8 } from '@govchain/core'
import { BUILTIN_MODULES } from '@govchain/distribution'
import {
  coverageGaps,
  describeMismatches,
  type ReplayReport,
  readRecording,
  recordingModules,
  registryMethods,
  replayRecording,
} from './recorded-chain-fixtures.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures')
const SUITES = ['gm', 'intl'] as const

const reports = new Map<string, ReplayReport>()
function replayed(suite: (typeof SUITES)[number]): ReplayReport {
  let r = reports.get(suite)
  if (r === undefined) {
    r = replayRecording(readRecording(join(FIXTURES, `recorded-chain-${suite}.json`)))
    reports.set(suite, r)
  }
  return r
}

/** The built-in modules with one of them replaced (a stand-in for a change to a module). */
function registryWith(name: string, change: (m: Module) => Module): ModuleRegistry {
  return new ModuleRegistry(BUILTIN_MODULES.map((m) => (m.name === name ? change(m) : m)))
}

describe('recorded chain', () => {
  for (const suite of SUITES) {
    it(`${suite}: every block replays byte-identical (roots, block hash, codes, events)`, () => {
      const recording = readRecording(join(FIXTURES, `recorded-chain-${suite}.json`))
      const report = replayed(suite)
      assert.deepEqual(
        report.mismatches,
        [],
        `the replay differs from the recording:\n${describeMismatches(report.mismatches)}`,
      )
      assert.equal(report.blocks, recording.blocks.length)
      assert.equal(
        report.txs,
        recording.blocks.reduce((n, b) => n + b.txs.length, 0),
      )
    })

    it(`${suite}: every method of the registry is exercised, with a success and a failure`, () => {
      const report = replayed(suite)
      const gaps = coverageGaps(recordingModules(), report.counts)
      assert.deepEqual(
        gaps,
        { neverSucceeded: [], neverFailed: [] },
        'the recording does not cover these methods: add transactions for them to scripts/record-chain.ts and regenerate',
      )
      // Nothing replayed that the registry does not know (the labels come from the transaction bytes).
      const known = new Set(registryMethods(recordingModules()))
      assert.deepEqual(
        [...report.counts.keys()].filter((m) => !known.has(m)),
        [],
      )
    })
  }

  it('a change to what a handler writes is caught at its first transaction', () => {
    const recording = readRecording(join(FIXTURES, 'recorded-chain-intl.json'))
    const modules = registryWith('catalog', (m) => {
      const original = m.handlers.setGateway!
      return {
        ...m,
        handlers: {
          ...m.handlers,
          setGateway: handler(
            original.args,
            (ctx, args) => {
              original.handle(ctx, args)
              ctx.state.set(utf8('one-more-key'), utf8('x'))
            },
            original.sender,
          ),
        },
      }
    })
    const report = replayRecording(recording, { modules })
    const first = recording.blocks.find((b) => b.txs.some((t) => t.module === 'catalog' && t.method === 'setGateway'))!
    const root = report.mismatches.find((m) => m.field === 'stateRoot')
    assert.ok(root !== undefined, describeMismatches(report.mismatches))
    assert.equal(root.height, first.height)
    const index = first.txs.findIndex((t) => t.module === 'catalog' && t.method === 'setGateway' && t.code === 'OK')
    assert.match(root.detail ?? '', new RegExp(`^first differs after tx ${index} \\(catalog\\.setGateway`))
    assert.ok(report.mismatches.some((m) => m.field === 'blockHash'))
    // The replay stops at the first block that differs: later blocks would build on another state.
    assert.equal(report.blocks, first.height)
  })

  it('a method no recorded transaction calls is reported as missing', () => {
    const modules = registryWith('anchor', (m) => ({
      ...m,
      handlers: { ...m.handlers, putMany: handler(m.handlers.put!.args, () => {}) },
    }))
    const gaps = coverageGaps(modules, replayed('intl').counts)
    assert.deepEqual(gaps, { neverSucceeded: ['anchor.putMany'], neverFailed: ['anchor.putMany'] })
  })
})
