/**
 * The LMDB store on a really full disk: a 1 MB tmpfs, filled to its last byte by a file beside
 * the store (full-disk-child.ts, in its own process so that Node's default handling
 * of unhandled rejections applies). Every kind of write is refused with the typed
 * STORE_UNWRITABLE and changes nothing; the process survives lmdb-js's orphan rejection of a
 * failed asynchronous batch (kriszyp/lmdb-js#368); once the filler is gone the same writes
 * succeed and survive a reopen. Mounting needs root, as the chaos suite does; CI runs as root.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'

const WRITER = join(import.meta.dirname, 'full-disk-child.ts')
const mountPoint = mkdtempSync(join(tmpdir(), 'govchain-full-'))

before(() => {
  assert.equal(process.getuid?.(), 0, 'this test mounts a tmpfs: run it as root (CI does)')
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { encoding: 'utf8' })
  assert.equal(r.status, 0, `mount: ${r.stderr}`)
})
after(() => {
  spawnSync('umount', ['-l', mountPoint])
  rmSync(mountPoint, { recursive: true, force: true })
})

test('a full disk refuses every write with STORE_UNWRITABLE, changes nothing, and heals', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', WRITER, mountPoint], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, `the writer process ended with ${r.status} ${r.signal ?? ''}:\n${r.stderr}`)
  const seen = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '')
  const refused = /^STORE_UNWRITABLE: No space left on device \(ENOSPC\)$/
  assert.match(seen.full.commitBlock, refused)
  assert.match(seen.full.putPending, refused)
  assert.match(seen.full.putRecordSync, refused)
  assert.deepEqual(
    { height: seen.full.height, block2: seen.full.block2, pending: seen.full.pending, record: seen.full.record },
    { height: 1, block2: false, pending: 0, record: false },
  )
  assert.deepEqual(seen.healed, { commitBlock: 'written', putPending: 'written' })
  assert.deepEqual(seen.reopened, { height: 2, block2Txs: 400, pending: 300 })
})
