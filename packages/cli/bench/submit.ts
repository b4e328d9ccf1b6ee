/**
 * Batched submission for the application benchmarks: POST /v1/txs/batch, round-robin over the
 * nodes, each transaction a node pushes back (MEMPOOL_FULL, MEMPOOL_SENDER_QUOTA, RATE_LIMITED)
 * sent again after a short pause; any other refusal stops the benchmark with its code. And the
 * one wait they share: every transaction committed, each with code OK, or the benchmark stops.
 */
import { type BuiltTx, type Client, errorCode } from '@govchain/sdk'

/** Sends one batch until every transaction of it has been accepted. */
export async function submitBatch(c: Client, txs: readonly BuiltTx[]): Promise<void> {
  let batch = txs
  for (let attempt = 0; batch.length > 0; attempt++) {
    if (attempt > 200) throw new Error('a batch was pushed back 200 times')
    let answer: Awaited<ReturnType<Client['submitTxs']>>
    try {
      answer = await c.submitTxs(batch.map((t) => t.bytes))
    } catch (e) {
      // The API's per-client rate limit refuses a whole batch (429): wait, send it again.
      if (errorCode(e) !== 'RATE_LIMITED') throw e
      await new Promise((r) => setTimeout(r, 200))
      continue
    }
    batch = batch.filter((_, i) => {
      const r = answer.results[i]!
      if ('hash' in r) return false
      if (r.code === 'MEMPOOL_FULL' || r.code === 'MEMPOOL_SENDER_QUOTA' || r.code === 'RATE_LIMITED') return true
      throw new Error(`refused at admission: ${r.code} ${r.message}`)
    })
    if (batch.length > 0) await new Promise((r) => setTimeout(r, 50))
  }
}

/** Submits `txs` in batches of `size`, one batch in flight per client; resolves once all were accepted. */
export async function submitAll(clients: readonly Client[], txs: readonly BuiltTx[], size = 200): Promise<void> {
  const batches: BuiltTx[][] = []
  for (let i = 0; i < txs.length; i += size) batches.push(txs.slice(i, i + size))
  let next = 0
  await Promise.all(
    clients.map(async (c) => {
      while (next < batches.length) await submitBatch(c, batches[next++]!)
    }),
  )
}

/**
 * Reads the blocks from `fromHeight` on, a page of GET /v1/txs?height= at a time (a few requests
 * per block, not one per transaction), until every transaction of `hashes` is in one. Throws if
 * any committed with a code other than OK (a benchmark counts only work that was done), naming
 * the codes, or if they are not all committed within `timeoutMs`.
 */
export async function waitAllOk(
  client: Client,
  hashes: readonly string[],
  fromHeight: number,
  timeoutMs = 600_000,
): Promise<void> {
  const want = new Set(hashes)
  const failed = new Map<string, number>()
  const deadline = Date.now() + timeoutMs
  let height = fromHeight
  while (want.size > 0) {
    if (Date.now() > deadline) throw new Error(`${want.size} transactions not committed within ${timeoutMs / 1000} s`)
    const latest = (await client.status()).height
    for (; height <= latest; height++) {
      let cursor: string | undefined
      do {
        const page = await client.txList({ height, limit: 100, ...(cursor === undefined ? {} : { cursor }) })
        for (const t of page.items) {
          if (!want.delete(t.hash) || t.code === 'OK') continue
          failed.set(t.code, (failed.get(t.code) ?? 0) + 1)
        }
        cursor = page.next ?? undefined
      } while (cursor !== undefined)
    }
    if (want.size > 0) await new Promise((r) => setTimeout(r, 50))
  }
  if (failed.size > 0) {
    throw new Error(`committed with an error: ${[...failed].map(([code, n]) => `${code} ×${n}`).join(', ')}`)
  }
}
