/**
 * Multi-process: four validator processes on loopback. 2,000 anchor transactions are spread
 * over the nodes while one validator is SIGKILLed mid-run and restarted and another is stopped
 * for good. Every accepted transaction must be committed exactly once, the live nodes must end
 * with the same blocks and state roots, and the restarted node must catch up.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { getSuite, toHex } from '@govchain/core'
import { anchorPut, createClient, errorCode } from '@govchain/sdk'
import { sleep, startNetwork, type TestNetwork, waitForCommits, waitUntil } from '../src/testnet.ts'

const TXS = 2000
const suite = getSuite('intl')

/** An anchor of a random hash, valid for the next 100 heights after the status given. */
const freshAnchor = (st: { chainId: string; height: number }, privateKey: Uint8Array) =>
  anchorPut({
    suite,
    chainId: st.chainId,
    privateKey,
    hash: new Uint8Array(randomBytes(32)),
    kind: 'e2e',
    validUntilHeight: st.height + 100,
  })

describe('a 4-validator network under crashes (intl)', { timeout: 480_000 }, () => {
  let net: TestNetwork
  before(async () => {
    net = await startNetwork({ orgs: 4, suite: 'intl' })
  })
  after(async () => {
    await net?.stopAll()
  })

  test('2,000 transactions, one validator killed and restarted, another stopped for good', async () => {
    const names = net.net.nodes.map((n) => n.name) // market, housing, police, tax
    const [a, b, victim, quitter] = names as [string, string, string, string]
    const status = await net.clients[a]!.status()
    const chainId = status.chainId
    await waitUntil('first block', async () => (await net.clients[a]!.status()).height >= 1)
    const validUntil = (await net.clients[a]!.status()).height + 900

    const orgs = Object.keys(net.keys)
    const txs = Array.from({ length: TXS }, (_, i) => {
      const key = net.keys[orgs[i % orgs.length]!]!
      return anchorPut({
        suite,
        chainId,
        privateKey: key.privateKey,
        hash: new Uint8Array(randomBytes(32)),
        kind: 'e2e',
        validUntilHeight: validUntil,
      })
    })

    const accepted = new Set<string>()
    /** Which node answered 202 for each transaction, and when (for a timeout's diagnosis). */
    const acceptedBy = new Map<string, string>()
    const down = new Set<string>()
    let rejected = 0
    let cursor = 0
    async function submitWorker(): Promise<void> {
      while (cursor < txs.length) {
        const i = cursor++
        const live = names.filter((n) => !down.has(n))
        const target = live[i % live.length]!
        try {
          const { hash } = await net.clients[target]!.submitTx(txs[i]!.bytes)
          assert.equal(hash, txs[i]!.hashHex)
          accepted.add(hash)
          acceptedBy.set(hash, `${target}@${i}`)
        } catch (e) {
          // A node going down mid-request is the only acceptable failure; retry elsewhere once.
          rejected++
          const other = names.find((n) => !down.has(n) && n !== target)!
          try {
            const { hash } = await net.clients[other]!.submitTx(txs[i]!.bytes)
            accepted.add(hash)
            acceptedBy.set(hash, `${other}@${i} (retry)`)
          } catch (e2) {
            const code = errorCode(e2)
            // The first node took it before it went down: the retry finds it pending elsewhere
            // (gossiped) or already committed. Either way it must be committed exactly once.
            if (code !== 'TX_DUPLICATE' && code !== 'TX_REPLAY') {
              throw new Error(`submit failed twice: ${errorCode(e)} then ${code}`)
            }
            accepted.add(txs[i]!.hashHex)
            acceptedBy.set(txs[i]!.hashHex, `${target}@${i} (then ${code} at ${other})`)
          }
        }
        if (i === 600) {
          down.add(victim)
          await net.kill(victim, 'SIGKILL')
        }
        if (i === 1200) {
          await net.start(victim)
          down.delete(victim)
        }
        if (i === 1500) {
          down.add(quitter)
          await net.kill(quitter, 'SIGTERM')
        }
      }
    }
    await Promise.all(Array.from({ length: 16 }, () => submitWorker()))
    assert.ok(accepted.size >= TXS - 5, `accepted ${accepted.size} of ${TXS} (rejected ${rejected})`)

    const live = [a, b, victim]
    // Every accepted transaction gets committed (the victim, restarted, must catch up too).
    // Blocks are scanned as they come, each once; a transaction that waited in a crashed node's
    // journal is committed after that node's restart, so the wait is for all of them, not the last.
    const { height: lastHeight, counts: seen } = await waitForCommits(net.clients[a]!, accepted, 180_000).catch(
      async (e: unknown) => {
        // Where are the missing ones? Which node took each, and what each live node says of it.
        const missing = ((e as { details?: { missing?: string[] } }).details?.missing ?? []).slice(0, 5)
        const where = await Promise.all(
          missing.map(async (h) => {
            const views = await Promise.all(
              live.map(async (n) => {
                const st = await net.clients[n]!.tx(h).then(
                  (r) => r.status,
                  (err: unknown) => errorCode(err),
                )
                const height = await net.clients[n]!.status().then(
                  (s) => s.height,
                  () => -1,
                )
                return `${n}(h${height}):${st}`
              }),
            )
            return `${h.slice(0, 12)} accepted by ${acceptedBy.get(h)}; ${views.join(' ')}`
          }),
        )
        // And the last warnings of each live node (consensus stuck, sync, p2p).
        const warnings = live.map((n) => {
          const lines = net
            .logOf(n)
            .split('\n')
            .filter((l) => /"level":"(warn|error|fatal)"/.test(l))
          return `${n}:\n${lines.slice(-8).join('\n').slice(-2500)}`
        })
        // The quitter's own last lines (its shutdown: the API's drain, p2p closes), since a
        // transaction it answered 202 for exists elsewhere only if it handed it on before leaving.
        const quitLog = net.logOf(quitter).trim().split('\n').slice(-12).join('\n').slice(-3000)
        throw new Error(
          `${(e as Error).message}\n${where.join('\n')}\n${warnings.join('\n')}\n${quitter} (stopped for good):\n${quitLog}`,
        )
      },
    )

    // Each accepted tx exactly once, and nothing appears twice.
    for (const h of accepted) assert.equal(seen.get(h), 1, `tx ${h} committed ${seen.get(h) ?? 0} times`)
    for (const [h, n] of seen) assert.equal(n, 1, `tx ${h} appears ${n} times`)

    // The three live nodes, the restarted victim among them, agree block by block.
    const common = await waitUntil(
      'live nodes at a common height',
      async () => {
        const heights = await Promise.all(live.map(async (n) => (await net.clients[n]!.status()).height))
        const min = Math.min(...heights)
        return min >= lastHeight ? min : false
      },
      60_000,
    )
    const headers = await Promise.all(live.map((n) => net.clients[n]!.block(common)))
    for (const h of headers) {
      assert.equal(h.hash, headers[0]!.hash)
      assert.equal(toHex(h.header.stateRoot), toHex(headers[0]!.header.stateRoot))
    }
    // And they keep committing with the quitter gone for good.
    const before = (await net.clients[victim]!.status()).height
    await waitUntil(
      'progress after the quitter left',
      async () => (await net.clients[victim]!.status()).height > before + 2,
    )
    assert.match(net.logOf(victim), /committed block/)
  })

  test('bad transactions through the API get a coded rejection and change nothing', async () => {
    const [a] = net.net.nodes.map((n) => n.name) as [string]
    const client = net.clients[a]!
    const st = await client.status()
    const key = net.keys[Object.keys(net.keys)[0]!]!
    const url = `${net.net.nodes[0]!.apiUrl}/v1/txs`
    const post = async (body: unknown) => {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: r.status, body: (await r.json()) as { code: string } }
    }
    const good = freshAnchor(st, key.privateKey)
    const rootBefore = st.stateRoot

    assert.equal((await post({ tx: 'not base64!' })).body.code, 'INVALID_ARGUMENT')
    assert.equal((await post({ tx: Buffer.from([1, 2, 3]).toString('base64') })).body.code, 'TX_MALFORMED')
    assert.equal((await post({})).status, 400)
    const wrongChain = anchorPut({
      suite,
      chainId: 'another-chain',
      privateKey: key.privateKey,
      hash: new Uint8Array(32).fill(1),
      kind: 'e2e',
      validUntilHeight: st.height + 100,
    })
    assert.equal((await post({ tx: Buffer.from(wrongChain.bytes).toString('base64') })).body.code, 'TX_WRONG_CHAIN')
    const badSig = good.bytes.slice()
    badSig[badSig.length - 1]! ^= 1
    assert.equal((await post({ tx: Buffer.from(badSig).toString('base64') })).body.code, 'TX_BAD_SIGNATURE')
    const expired = anchorPut({
      suite,
      chainId: st.chainId,
      privateKey: key.privateKey,
      hash: new Uint8Array(32).fill(2),
      kind: 'e2e',
      validUntilHeight: 1,
    })
    assert.equal((await post({ tx: Buffer.from(expired.bytes).toString('base64') })).body.code, 'TX_EXPIRED')
    const oversize = await post({ tx: Buffer.alloc(400 * 1024).toString('base64') })
    assert.equal(oversize.status, 413)

    // Nothing above changed the state (compare at the same height: blocks keep coming).
    const h = st.height
    const blockAfter = await client.block(h)
    assert.equal(toHex(blockAfter.header.stateRoot), rootBefore)

    // The good one commits once; submitting it again is a duplicate, then a replay.
    const first = await post({ tx: Buffer.from(good.bytes).toString('base64') })
    assert.equal(first.status, 202)
    const dup = await post({ tx: Buffer.from(good.bytes).toString('base64') })
    assert.ok(['TX_DUPLICATE', 'TX_REPLAY'].includes(dup.body.code), dup.body.code)
    const done = await client.waitForTx(good.hashHex, { timeoutMs: 30_000 })
    assert.equal(done.status, 'committed')
    assert.equal((await post({ tx: Buffer.from(good.bytes).toString('base64') })).body.code, 'TX_REPLAY')
    // Still alive.
    await sleep(300)
    assert.ok((await client.status()).height >= done.height!)
  })

  test('garbage on the p2p port and a TLS client from outside the consortium are refused', async () => {
    const { connect } = await import('node:net')
    const tls = await import('node:tls')
    const { createOrgCA, issueNodeCert } = await import('@govchain/node')
    const node = net.net.nodes[0]!
    const [host, portText] = node.p2pAddress.split(':') as [string, string]
    const port = Number(portText)
    // Raw garbage: the TLS layer drops it.
    await new Promise<void>((resolve) => {
      const s = connect(port, host, () => s.write(randomBytes(4096)))
      s.on('error', () => resolve())
      s.on('close', () => resolve())
    })
    // A well-formed TLS 1.3 client with a certificate from a CA outside the consortium.
    const ca = createOrgCA({ orgId: 'intruder', orgName: 'Intruder', validityDays: 30 })
    const leaf = issueNodeCert(ca, { nodeId: 'intruder', orgId: 'intruder', hosts: ['127.0.0.1'], validityDays: 30 })
    const outcome = await new Promise<string>((resolve) => {
      const s = tls.connect({
        host,
        port,
        cert: leaf.certPem,
        key: leaf.keyPem,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.3',
      })
      s.on('secureConnect', () => {
        s.write(randomBytes(64))
      })
      s.on('data', () => {})
      s.on('error', (e) => resolve(`error: ${(e as Error).message}`))
      s.on('close', () => resolve('closed'))
      setTimeout(() => resolve('still open'), 5000)
    })
    assert.notEqual(outcome, 'still open')
    // The node is unharmed.
    const h1 = (await net.clients[node.name]!.status()).height
    await waitUntil('still committing', async () => (await net.clients[node.name]!.status()).height > h1)
  })

  test('a client that fails over reads its own write from a node that was behind', async () => {
    const names = net.net.nodes.map((n) => n.name)
    const [a, b, , quitter] = names as [string, string, string, string]
    const urlOf = (name: string) => net.net.nodes.find((n) => n.name === name)!.apiUrl
    // Four live again (the first test stopped one for good), so one can pause and three commit.
    await net.start(quitter)
    const target = (await net.clients[a]!.status()).height
    await waitUntil('the restarted node caught up', async () => (await net.clients[quitter]!.status()).height >= target)
    // b falls behind: it hangs while the others commit our transaction.
    const bHeight = (await net.clients[b]!.status()).height
    net.procs.get(b)!.kill('SIGSTOP')
    const switched: string[] = []
    const client = createClient({
      urls: [urlOf(a), urlOf(b)],
      timeoutMs: 5_000,
      catchUpMs: 30_000,
      onFailover: (e) => switched.push(`${e.from} ${e.error.code}`),
    })
    try {
      const st = await client.status()
      const key = net.keys[Object.keys(net.keys)[0]!]!
      const tx = freshAnchor(st, key.privateKey)
      await client.submitTx(tx.bytes)
      const done = await client.waitForTx(tx.hashHex, { timeoutMs: 60_000 })
      assert.equal(done.status, 'committed')
      assert.ok(done.height! > bHeight, 'b is behind the write by construction')
      assert.equal(client.transport.heightFloor, done.height)
      // A few more heights without b, so that it resumes blocks behind and must sync them.
      await waitUntil(
        'three heights past the write',
        async () => (await net.clients[a]!.status()).height >= done.height! + 3,
      )
      // a is gone; b resumes, and the read fails over to it at once: b answers only when it has
      // the block (without the floor it would answer 404 TX_NOT_FOUND).
      await net.kill(a)
      net.procs.get(b)!.kill('SIGCONT')
      const read = await client.tx(tx.hashHex)
      assert.equal(read.status, 'committed')
      assert.equal(read.height, done.height)
      assert.equal(client.url, urlOf(b))
      assert.deepEqual(switched, [`${urlOf(a)} SDK_NETWORK_ERROR`])
    } finally {
      net.procs.get(b)?.kill('SIGCONT')
    }
  })
})
