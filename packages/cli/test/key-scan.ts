/**
 * For the key-custody tests: load that commits, every private key of a test network, and a scan
 * of every file under a folder for any of them — their bytes, hex (either case), base64url, and inside decoded PEM
 * blocks (a plain PKCS#8 key holds its scalar inside base64).
 */
import assert from 'node:assert/strict'
import { createPrivateKey, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { getSuite, type SuiteName } from '@govchain/core'
import { readPemKey } from '@govchain/node'
import { anchorPut } from '@govchain/sdk'
import { type TestNetwork, waitForCommits, waitUntil } from '../src/testnet.ts'

export interface Secret {
  name: string
  key: Buffer
}

/** The 32-byte private scalar of a PEM key file (encrypted ones opened with `passphrase`). */
export function pemSecret(name: string, path: string, passphrase: string): Secret {
  const pem = readPemKey(path, { passphrase, allowPlain: false })
  return { name, key: Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url') }
}

/** Scans every file under `dir`; fails naming the file and the key found. Returns the bytes read. */
export function assertNoSecretIn(dir: string, secrets: readonly Secret[]): { files: number; bytes: number } {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
  let scanned = 0
  for (const f of files) {
    const bytes = readFileSync(f)
    scanned += bytes.length
    const text = bytes.toString('latin1').toLowerCase()
    const pems = [...bytes.toString('latin1').matchAll(/-----BEGIN [A-Z ]+-----([A-Za-z0-9+/=\s]+)-----END/g)].map(
      (m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'),
    )
    for (const s of secrets) {
      assert.equal(bytes.indexOf(s.key), -1, `${f} holds the ${s.name} key's bytes`)
      assert.equal(text.indexOf(s.key.toString('hex')), -1, `${f} holds the ${s.name} key in hex`)
      assert.equal(bytes.indexOf(Buffer.from(s.key.toString('base64url'))), -1, `${f} holds it in base64url`)
      for (const der of pems) assert.equal(der.indexOf(s.key), -1, `${f} holds the ${s.name} key in a PEM block`)
    }
  }
  return { files: files.length, bytes: scanned }
}

/**
 * Submits `count` anchor transactions signed by the operators, spread over the nodes, and waits
 * until each is committed exactly once. Returns the last height.
 */
export async function commitAnchors(net: TestNetwork, suiteName: SuiteName, count: number): Promise<number> {
  const suite = getSuite(suiteName)
  const names = net.net.nodes.map((n) => n.name)
  const first = net.clients[names[0]!]!
  await waitUntil('first block', async () => (await first.status()).height >= 1)
  const { chainId, height } = await first.status()
  const orgs = Object.keys(net.keys)
  const txs = Array.from({ length: count }, (_, i) =>
    anchorPut({
      suite,
      chainId,
      privateKey: net.keys[orgs[i % orgs.length]!]!.privateKey,
      hash: new Uint8Array(randomBytes(32)),
      kind: 'custody',
      validUntilHeight: height + 500,
    }),
  )
  let cursor = 0
  const accepted: string[] = []
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (cursor < txs.length) {
        const i = cursor++
        accepted.push((await net.clients[names[i % names.length]!]!.submitTx(txs[i]!.bytes)).hash)
      }
    }),
  )
  const { counts, height: last } = await waitForCommits(first, accepted, 180_000)
  assert.equal(counts.size, count)
  assert.ok(
    [...counts.values()].every((c) => c === 1),
    'each transaction committed exactly once',
  )
  return last
}
