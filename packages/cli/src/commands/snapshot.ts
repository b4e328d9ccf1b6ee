/**
 * `govchain snapshot export|import`: a node's state at one height to one file and into a fresh
 * home (packages/node/src/snapshot.ts; docs/adr/0029-state-snapshots.md; docs/operations.md).
 */

import { GovchainError, toHex } from '@govchain/core'
import { defaultModules } from '@govchain/distribution'
import { exportSnapshot, importSnapshot, readArchive, type SnapshotProgress } from '@govchain/node'
import type { Command } from 'commander'

function progressPrinter(out: (line: string) => void): (p: SnapshotProgress) => void {
  let last = ''
  return (p) => {
    const line = p.total > 0 ? `${p.phase} ${p.done}/${p.total}` : `${p.phase} ${p.done}`
    if (line !== last) out(line)
    last = line
  }
}

function heightArg(v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new Error(`--height must be a positive integer, got ${v}`)
  return n
}

function seconds(startedMs: number): string {
  return `${((performance.now() - startedMs) / 1000).toFixed(1)} s`
}

export function registerSnapshotCommands(program: Command, out: (line: string) => void): void {
  const snapshot = program
    .command('snapshot')
    .description('state snapshots: start a new node or observer at a recent height instead of replaying every block')

  snapshot
    .command('export')
    .description(
      'write the chain state at one committed height to a file: the state tree at that height, the blocks of ' +
        'the replay window up to it with their commit certificates, the validator-set changes since genesis and ' +
        'a manifest with SHA-256/SM3 hashes. The node may run',
    )
    .requiredOption('--home <dir>', 'node home folder')
    .requiredOption('--out <file>', 'the snapshot file to write (never overwritten)')
    .option('--height <n>', 'the height (default: the latest committed)', heightArg)
    .action(async (o: { home: string; out: string; height?: number }) => {
      const started = performance.now()
      const r = await exportSnapshot({
        home: o.home,
        out: o.out,
        modules: defaultModules(),
        ...(o.height === undefined ? {} : { height: o.height }),
        onProgress: progressPrinter(out),
      })
      const m = r.manifest
      out(
        `wrote ${r.out}: ${r.bytes} bytes, chain ${m.chainId} height ${m.height} (block ${m.blockHash}), ` +
          `${m.stateEntries} state entries, blocks ${m.fromHeight}..${m.height}, ${m.indexEntries} index entries ` +
          `(${seconds(started)})`,
      )
    })

  snapshot
    .command('import')
    .description(
      'import a snapshot into a fresh node home (init-node, or a home whose store holds no block; the node ' +
        "stopped). Checks everything first against the home's genesis: the certificate of the snapshot's height " +
        'by the validator set reached from genesis through the recorded changes, the blocks, and the rebuilt ' +
        'state root against the certified header; writes nothing if anything fails. Then start the node: it ' +
        'syncs on from the next height',
    )
    .requiredOption('--home <dir>', 'node home folder')
    .requiredOption('--file <file>', 'the snapshot file')
    .option('--trust-hash <hex>', "also require the snapshot's block hash to be this one (from a source you trust)")
    .action(async (o: { home: string; file: string; trustHash?: string }) => {
      const started = performance.now()
      const m = await importSnapshot({
        home: o.home,
        file: o.file,
        ...(o.trustHash === undefined ? {} : { trustHash: o.trustHash }),
        onProgress: progressPrinter(out),
      })
      out(
        `imported ${m.chainId} at height ${m.height} (block ${m.blockHash}, state root ${m.stateRoot}) into ` +
          `${o.home} (${seconds(started)}); start the node to sync on from height ${m.height + 1}`,
      )
    })
}

export function registerArchiveCommands(program: Command, out: (line: string) => void): void {
  const archive = program
    .command('archive')
    .description('blocks a pruning node archived before dropping them (HOME/archive/blocks-<from>-<to>.bin)')
  archive
    .command('read')
    .description(
      'read an archive file back: checks its digest and every block hash, then prints each block (height, hash, ' +
        'time, proposer, state root, transaction hashes and result codes) as one JSON line',
    )
    .requiredOption('--file <file>', 'the archive file')
    .option('--height <n>', 'only this height', heightArg)
    .action((o: { file: string; height?: number }) => {
      const { manifest, blocks } = readArchive(o.file)
      const chosen = o.height === undefined ? blocks : blocks.filter((b) => b.height === o.height)
      if (chosen.length === 0) {
        throw new GovchainError('BLOCK_NOT_FOUND', `${o.file} holds heights ${manifest.from}..${manifest.to}`)
      }
      for (const b of chosen) {
        out(
          JSON.stringify({
            height: b.height,
            hash: b.hash,
            timeMs: b.block.header.timeMs,
            proposer: b.block.header.proposer,
            stateRoot: toHex(b.block.header.stateRoot),
            txs: b.results.map((r) => ({ hash: toHex(r.txHash), code: r.code })),
          }),
        )
      }
    })
}
