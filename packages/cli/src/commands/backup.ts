/**
 * `govchain backup` and `govchain restore`: a node home to one tar archive and back
 * (packages/node/src/backup.ts; docs/adr/0027-backup-and-restore.md; docs/operations.md).
 */
import { type BackupProgress, backupHome, restoreHome } from '@govchain/node'
import type { Command } from 'commander'

function progressPrinter(out: (line: string) => void): (p: BackupProgress) => void {
  let last = ''
  return (p) => {
    const line =
      p.file === undefined ? `${p.phase} ${p.done}/${p.total}` : `${p.phase} ${p.file} (${p.done + 1}/${p.total})`
    if (line !== last) out(line)
    last = line
  }
}

export function registerBackupCommands(program: Command, out: (line: string) => void): void {
  program
    .command('backup')
    .description(
      'write a backup of a node home to one tar archive, online (the node may run): a manifest with ' +
        'chain id, genesis hash, height and SHA-256/SM3 checksums, the configuration, the key files as they ' +
        'are (still encrypted) and a consistent copy of the chain store with the signer state',
    )
    .requiredOption('--home <dir>', 'node home folder')
    .requiredOption('--out <file>', 'the archive to write (never overwritten)')
    .action(async (o: { home: string; out: string }) => {
      const started = performance.now()
      const r = await backupHome(o.home, o.out, progressPrinter(out))
      const m = r.manifest
      const signer = m.signer === null ? 'none' : `${m.signer.height}/${m.signer.round} ${m.signer.step}`
      out(
        `wrote ${r.out}: ${r.bytes} bytes, ${m.files.length} files, chain ${m.chainId} node ${m.nodeId} ` +
          `height ${m.height}, last signed ${signer} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      )
    })

  program
    .command('restore')
    .description(
      'restore a node home from a backup (stop the node first). Verifies the whole archive and that it is ' +
        "this home's chain and node before writing anything, writes beside the home and swaps it in; the old " +
        'home is kept as <home>.pre-restore-<time>. The restored node signs nothing until it has caught up ' +
        'with its peers (docs/operations.md, "Backup and restore")',
    )
    .requiredOption('--in <file>', 'the backup archive')
    .requiredOption('--home <dir>', 'node home folder to restore')
    .option('--new-home', 'the home does not exist any more (lost disk): restore without checking against it')
    .action(async (o: { in: string; home: string; newHome?: boolean }) => {
      const started = performance.now()
      const r = await restoreHome({
        in: o.in,
        home: o.home,
        newHome: o.newHome === true,
        onProgress: progressPrinter(out),
      })
      const signer = r.signer === null ? 'none' : `${r.signer.height}/${r.signer.round} ${r.signer.step}`
      out(
        `restored ${r.home} at height ${r.manifest.height} (chain ${r.manifest.chainId}, node ${r.manifest.nodeId}); ` +
          `signer starts after ${signer}; signing resumes once caught up with the peers ` +
          `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
      )
      if (r.previous !== undefined) out(`the previous home is kept at ${r.previous}; delete it when the node runs`)
    })
}
