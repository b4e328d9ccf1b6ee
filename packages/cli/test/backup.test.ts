/**
 * Issue 18, backup and restore, on a 4-validator intl network of real processes with encrypted
 * keys, under a steady load of anchor transactions:
 *  - `govchain backup` of a running validator;
 *  - that validator signs on, is stopped, its home wiped, the (now old) backup restored with
 *    --new-home: it catches up, its signing fence resolves above everything it signed before,
 *    the chain keeps committing, all state roots agree, and no node sees an equivocation;
 *  - the same old backup restored over the existing home: the later signer record is kept;
 *  - a flipped byte, a truncated archive, a rewritten manifest, another chain's and another
 *    node's backup, and an abort in the middle of extraction each leave the home byte-identical,
 *    and a running node's home is not restored over;
 *  - the backup of a home with encrypted keys holds no private key in clear (the network itself
 *    is --dev so that four nodes start within the harness's timeout on a loaded 2-core machine).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { getSuite, toHex } from '@govchain/core'
import { defaultModules, demoSections } from '@govchain/distribution'
import { backupHome, initNetwork, LmdbChainStore, lastSignedStep, loadKeyFile, restoreHome } from '@govchain/node'
import { anchorPut } from '@govchain/sdk'
import * as tar from 'tar-stream'
import { sleep, startNetwork, type TestNetwork, waitForCommits, waitUntil } from '../src/testnet.ts'
import { assertNoSecretIn, pemSecret, type Secret } from './key-scan.ts'

const BIN = fileURLToPath(new URL('../bin/govchain.js', import.meta.url))
const PASSPHRASE = 'backup test passphrase 备份'
const suite = getSuite('intl')
const run = promisify(execFile)

async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, GOVCHAIN_PASSPHRASE: PASSPHRASE }
  delete env.NODE_TEST_CONTEXT
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, maxBuffer: 1 << 24 })
    return { ...r, code: 0 }
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number }
    return { stdout: x.stdout, stderr: x.stderr, code: x.code }
  }
}

/** Every file of a folder (and its siblings' names) with its hash: "byte-identical" made checkable. LMDB's lock table is runtime state, not data. */
function treeOf(home: string): string {
  const files = readdirSync(home, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(home, f)).isFile() && basename(f) !== 'lock.mdb')
    .sort()
  const h = createHash('sha256')
  for (const f of files)
    h.update(
      `${f}\0${createHash('sha256')
        .update(readFileSync(join(home, f)))
        .digest('hex')}\n`,
    )
  return `${h.digest('hex')} ${readdirSync(dirname(home)).sort().join(',')}`
}

async function signerHeight(home: string): Promise<number> {
  const store = LmdbChainStore.open({ path: LmdbChainStore.pathFor(home), nodeCacheSize: 0 })
  try {
    return lastSignedStep(store)?.height ?? 0
  } finally {
    await store.close()
  }
}

/** Rewrites an archive member by member; `edit` may change a member's bytes (or drop it with null). */
async function rewrite(src: string, dst: string, edit: (name: string, bytes: Buffer) => Buffer | null): Promise<void> {
  const members: { name: string; mode: number; bytes: Buffer }[] = []
  const ex = tar.extract()
  const reading = (async () => {
    for await (const e of ex) {
      const chunks: Buffer[] = []
      for await (const c of e) chunks.push(c as Buffer)
      members.push({ name: e.header.name, mode: e.header.mode ?? 0o600, bytes: Buffer.concat(chunks) })
    }
  })()
  createReadStream(src).pipe(ex)
  await reading
  const pack = tar.pack()
  const out: Buffer[] = []
  pack.on('data', (c) => out.push(c as Buffer))
  const ended = new Promise<void>((r) => pack.on('end', () => r()))
  for (const m of members) {
    const b = edit(m.name, m.bytes)
    if (b !== null) pack.entry({ name: m.name, mode: m.mode }, b)
  }
  pack.finalize()
  await ended
  writeFileSync(dst, Buffer.concat(out))
}

describe('backup and restore of a validator under load (intl)', { timeout: 600_000 }, () => {
  let net: TestNetwork
  let tmp: string
  let load: { stop: () => Promise<string[]> }

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'govchain-backup-'))
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    await net?.stopAll()
  })

  /** A steady load: 4 workers submit anchors to the nodes that are up until stopped. */
  function startLoad(down: Set<string>): { stop: () => Promise<string[]> } {
    const names = net.net.nodes.map((n) => n.name)
    const orgs = Object.keys(net.keys)
    const accepted: string[] = []
    let stopping = false
    let i = 0
    const worker = async (): Promise<void> => {
      const first = net.clients[names[0]!]!
      while (!stopping) {
        const { chainId, height } = await first.status()
        const tx = anchorPut({
          suite,
          chainId,
          privateKey: net.keys[orgs[i % orgs.length]!]!.privateKey,
          hash: new Uint8Array(randomBytes(32)),
          kind: 'backup-load',
          validUntilHeight: height + 500,
        })
        const live = names.filter((n) => !down.has(n))
        try {
          accepted.push((await net.clients[live[i++ % live.length]!]!.submitTx(tx.bytes)).hash)
        } catch {
          // the node went down under the request: the transaction is not counted
        }
        await sleep(20)
      }
    }
    const workers = Array.from({ length: 4 }, worker)
    return {
      stop: async () => {
        stopping = true
        await Promise.all(workers)
        return accepted
      },
    }
  }

  test('backup online, sign on, wipe, restore the old backup: catches up, never double-signs', async (t) => {
    const names = net.net.nodes.map((n) => n.name)
    const victim = names[3]!
    const vhome = net.net.nodes[3]!.home
    const first = net.clients[names[0]!]!
    const down = new Set<string>()
    await waitUntil('first block', async () => (await first.status()).height >= 2)
    load = startLoad(down)
    await waitUntil('load commits', async () => (await first.status()).height >= 6)

    // Online: the node runs and commits while the copy is taken.
    const archive = join(tmp, 'old.tar')
    const t0 = performance.now()
    const b = await cli(['backup', '--home', vhome, '--out', archive])
    const backupSeconds = (performance.now() - t0) / 1000
    assert.equal(b.code, 0, b.stderr)
    assert.match(b.stdout, /copy data\/chain\.lmdb\/data\.mdb/, 'prints progress')
    const backupHeight = Number(b.stdout.match(/height (\d+)/)![1])
    assert.ok(backupHeight >= 5)

    // The validator signs on well past the backup, then is stopped and its disk lost.
    await waitUntil('ten more blocks', async () => (await first.status()).height >= backupHeight + 10)
    down.add(victim)
    await net.kill(victim, 'SIGTERM')
    const signedBefore = await signerHeight(vhome)
    assert.ok(signedBefore >= backupHeight + 8, `signed up to ${signedBefore}, backup at ${backupHeight}`)
    rmSync(vhome, { recursive: true, force: true })

    const t1 = performance.now()
    const r = await cli(['restore', '--in', archive, '--home', vhome, '--new-home'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /verify .*\n[\s\S]*extract [\s\S]*restored/)
    await net.start(victim)
    down.delete(victim)
    await waitUntil('the fence resolves', async () => /signing fence resolved/.test(net.logOf(victim)), 120_000)
    const recoverySeconds = (performance.now() - t1) / 1000
    const from = Number(net.logOf(victim).match(/signing again from height (\d+)/)![1])
    assert.ok(from > signedBefore, `fence ${from} is above the last signed height ${signedBefore}`)
    // It signs again: its precommits are in later certificates.
    await waitUntil('blocks past the fence', async () => (await first.status()).height >= from + 3, 120_000)

    // Same old backup over the existing home (which has signed beyond it): the later record is kept.
    await net.kill(victim, 'SIGTERM')
    down.add(victim)
    const signedNow = await signerHeight(vhome)
    assert.ok(signedNow >= from, `signed at ${signedNow} after the fence ${from}`)
    const r2 = await cli(['restore', '--in', archive, '--home', vhome])
    assert.equal(r2.code, 0, r2.stderr)
    assert.match(r2.stdout, new RegExp(`signer starts after ${signedNow}/`))
    assert.equal(await signerHeight(vhome), signedNow)
    for (const d of readdirSync(dirname(vhome)).filter((d) => d.includes('.pre-restore-')))
      rmSync(join(dirname(vhome), d), { recursive: true })
    await net.start(victim)
    down.delete(victim)
    await waitUntil(
      'the fence resolves again',
      async () =>
        (net.logOf(victim).match(/signing fence resolved/g) ?? []).length >= 1 &&
        (await net.clients[victim]!.status()).height >= (await first.status()).height - 1,
      120_000,
    )

    const accepted = await load.stop()
    assert.ok(accepted.length > 50, `${accepted.length} transactions under load`)
    const { counts } = await waitForCommits(first, accepted, 180_000)
    assert.ok(
      [...counts.values()].every((c) => c === 1),
      'each transaction committed exactly once',
    )

    // Every node at the same height has the same block and state root.
    const target = (await first.status()).height
    await waitUntil(
      'all at the same height',
      async () => {
        const hs = await Promise.all(names.map(async (n) => (await net.clients[n]!.status()).height))
        return hs.every((h) => h >= target)
      },
      120_000,
    )
    const blocks = await Promise.all(names.map((n) => net.clients[n]!.block(target)))
    for (const blk of blocks) {
      assert.equal(blk.hash, blocks[0]!.hash)
      assert.equal(toHex(blk.header.stateRoot), toHex(blocks[0]!.header.stateRoot))
    }
    for (const n of names) assert.doesNotMatch(net.logOf(n), /equivocation/i, `${n} saw no equivocation`)
    t.diagnostic(
      `backup of a running validator: ${backupSeconds.toFixed(1)} s (${statSync(archive).size} bytes, height ${backupHeight}); ` +
        `restore to signing again: ${recoverySeconds.toFixed(1)} s`,
    )
  })

  test('bad archives and an aborted restore change nothing', async () => {
    const names = net.net.nodes.map((n) => n.name)
    const vhome = net.net.nodes[3]!.home
    // A running node's home is not restored over (its own backup, taken online).
    const running = join(tmp, 'running.tar')
    await backupHome(vhome, running)
    const siblings = readdirSync(dirname(vhome)).sort().join(',')
    const r = await cli(['restore', '--in', running, '--home', vhome])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /RESTORE_NODE_RUNNING/)
    assert.equal(readdirSync(dirname(vhome)).sort().join(','), siblings, 'nothing written beside the home')
    await net.kill(names[3]!, 'SIGTERM')
    const good = join(tmp, 'good.tar')
    await backupHome(vhome, good)
    const before = treeOf(vhome)
    const expect = async (file: string, code: string, extra: string[] = []) => {
      const r = await cli(['restore', '--in', file, '--home', vhome, ...extra])
      assert.notEqual(r.code, 0, `${basename(file)} refused`)
      assert.match(r.stderr, new RegExp(code), `${basename(file)}: ${r.stderr}`)
      assert.equal(treeOf(vhome), before, `${basename(file)} left the home byte-identical`)
    }
    const bytes = readFileSync(good)

    const flipped = join(tmp, 'flipped.tar')
    const f = Buffer.from(bytes)
    f[f.length - 4096] = f[f.length - 4096]! ^ 0x01 // inside data.mdb, the last member
    writeFileSync(flipped, f)
    await expect(flipped, 'BACKUP_CHECKSUM')

    const truncated = join(tmp, 'truncated.tar')
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)))
    await expect(truncated, 'BACKUP_INVALID')

    const wrongManifest = join(tmp, 'manifest.tar')
    await rewrite(good, wrongManifest, (n, b) =>
      n === 'manifest.json' ? Buffer.from(b.toString().replace(/"chainId": "[^"]+"/, '"chainId": "other-chain"')) : b,
    )
    await expect(wrongManifest, 'BACKUP_INVALID')

    const noManifest = join(tmp, 'no-manifest.tar')
    await rewrite(good, noManifest, (n, b) => (n === 'manifest.json' ? null : b))
    await expect(noManifest, 'BACKUP_INVALID')

    const strayMember = join(tmp, 'stray.tar')
    await rewrite(good, strayMember, (n, b) => (n === 'keys/tls.crt' ? Buffer.concat([b, Buffer.from('x')]) : b))
    await expect(strayMember, 'BACKUP_CHECKSUM')

    // Another node's backup (same chain): two nodes must never share a key.
    const otherNode = join(tmp, 'other-node.tar')
    await backupHome(net.net.nodes[0]!.home, otherNode)
    await expect(otherNode, 'BACKUP_FOREIGN')

    // Another chain's backup; that chain's keys are encrypted (not --dev), and stay so in its backup.
    const otherDir = join(tmp, 'other-net')
    const other = await initNetwork({
      modules: defaultModules(),
      sections: demoSections,
      passphrase: PASSPHRASE,
      dir: otherDir,
      orgs: 1,
      suite: 'intl',
      apiBasePort: 1,
      p2pBasePort: 2,
    })
    const ohome = other.nodes[0]!.home
    await LmdbChainStore.open({ path: LmdbChainStore.pathFor(ohome) }).close()
    const foreign = join(tmp, 'foreign.tar')
    await backupHome(ohome, foreign)
    await expect(foreign, 'BACKUP_FOREIGN')
    const v = loadKeyFile(join(ohome, 'keys', 'validator.json'), { passphrase: PASSPHRASE, allowPlain: false })
    const secrets: Secret[] = [
      { name: 'validator', key: Buffer.from(v.privateKey) },
      pemSecret('TLS', join(ohome, 'keys', 'tls.key'), PASSPHRASE),
    ]
    const scan = join(tmp, 'scan')
    mkdirSync(scan)
    writeFileSync(join(scan, 'foreign.tar'), readFileSync(foreign))
    assertNoSecretIn(scan, secrets)
    const keystore = readFileSync(join(ohome, 'keys', 'validator.json'))
    assert.ok(readFileSync(foreign).includes(keystore), 'the keystore is in the archive byte for byte')
    assert.equal(JSON.parse(keystore.toString()).privateKey, undefined, 'a keystore, not a plain key')

    // Aborted half-way through writing (Ctrl-C, a full disk): the home stays, the partial copy goes.
    await assert.rejects(
      restoreHome({
        in: good,
        home: vhome,
        onProgress: (p) => {
          if (p.phase === 'extract' && p.file?.endsWith('data.mdb')) throw new Error('aborted by the test')
        },
      }),
      /aborted by the test/,
    )
    assert.equal(treeOf(vhome), before, 'an aborted restore left the home byte-identical')

    // The good archive still restores, and the node starts from it.
    const ok = await restoreHome({ in: good, home: vhome })
    assert.ok(existsSync(ok.previous!))
    rmSync(ok.previous!, { recursive: true })
    await net.start(names[3]!)
    await waitUntil('restored node answers', async () => (await net.clients[names[3]!]!.status()).height > 0)
  })
})
