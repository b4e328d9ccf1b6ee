/**
 * A network whose validators run different crypto backends agrees block by block. Two nodes
 * run the fast paths (libsodium or the SM2 addon for signatures, the addon's OpenSSL digest for
 * hashes); two run with GOVCHAIN_CRYPTO_NATIVE=0 (OpenSSL after the Ed25519 rule's checks, or
 * pure-JS SM2, and node:crypto's hashes). ADRs 0003 and 0013 say every path gives the same
 * verdicts and digests; here a real network has to reach the same state roots with them.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { getSuite, type SuiteName, toHex } from '@govchain/core'
import { anchorPut } from '@govchain/sdk'
import { startNetwork, type TestNetwork, waitForCommits, waitUntil } from '../src/testnet.ts'

const TXS = 120

for (const suiteName of ['intl', 'gm'] as const satisfies readonly SuiteName[]) {
  describe(`validators on different crypto backends agree (${suiteName})`, { timeout: 240_000 }, () => {
    const suite = getSuite(suiteName)
    let net: TestNetwork
    before(async () => {
      const fallback = { GOVCHAIN_CRYPTO_NATIVE: '0' }
      // market, housing, police, tax: the last two on the fallbacks.
      net = await startNetwork({ orgs: 4, suite: suiteName, nodeEnv: { police: fallback, tax: fallback } })
    })
    after(async () => {
      await net?.stopAll()
    })

    test(`${TXS} anchors spread over all four commit with the same blocks and state roots everywhere`, async () => {
      const names = net.net.nodes.map((n) => n.name)
      const fast =
        suiteName === 'intl' ? '"verifier":"libsodium","hash":"addon"' : '"verifier":"sm2-addon","hash":"addon"'
      const slow = suiteName === 'intl' ? '"verifier":"openssl","hash":"node"' : '"verifier":"js","hash":"node"'
      for (const n of ['market', 'housing']) assert.ok(net.logOf(n).includes(fast), `${n} runs ${fast}`)
      for (const n of ['police', 'tax']) assert.ok(net.logOf(n).includes(slow), `${n} runs ${slow}`)

      const a = names[0]!
      const chainId = (await net.clients[a]!.status()).chainId
      const validUntil = (await net.clients[a]!.status()).height + 500
      const orgs = Object.keys(net.keys)
      const txs = Array.from({ length: TXS }, (_, i) =>
        anchorPut({
          suite,
          chainId,
          privateKey: net.keys[orgs[i % orgs.length]!]!.privateKey,
          hash: new Uint8Array(randomBytes(32)),
          kind: 'mixed',
          validUntilHeight: validUntil,
        }),
      )
      // Each node receives a quarter directly, so each kind of node admits, gossips and
      // proposes transactions the other kind then verifies and executes.
      const accepted = new Set<string>()
      await Promise.all(
        names.map(async (name, k) => {
          const mine = txs.filter((_, i) => i % names.length === k)
          const answer = await net.clients[name]!.submitTxs(mine.map((t) => t.bytes))
          answer.results.forEach((r, j) => {
            assert.ok('hash' in r, `${name} refused a transaction: ${JSON.stringify(r)}`)
            assert.equal(r.hash, mine[j]!.hashHex)
            accepted.add(r.hash)
          })
        }),
      )
      assert.equal(accepted.size, TXS)

      const { height: last } = await waitForCommits(net.clients[a]!, accepted, 120_000)
      await waitUntil(
        'every node at that height',
        async () => {
          for (const n of names) if ((await net.clients[n]!.status()).height < last) return false
          return true
        },
        60_000,
      )
      // Block by block, the same header (so the same state, tx and results roots) on every node.
      for (let h = 1; h <= last; h++) {
        const hashes = await Promise.all(names.map(async (n) => (await net.clients[n]!.block(h)).hash))
        assert.equal(new Set(hashes).size, 1, `height ${h}: ${hashes.join(' ')}`)
      }
      const roots = await Promise.all(
        names.map(async (n) => toHex((await net.clients[n]!.block(last)).header.stateRoot)),
      )
      assert.equal(new Set(roots).size, 1)
      assert.deepEqual(net.unexpectedExits(), [])
    })
  })
}
