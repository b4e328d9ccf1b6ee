/**
 * Child process of the crash test: opens the LMDB store at argv[2], resumes from its latest
 * block, and commits blocks of anchor transactions for ever, printing `committed <height>`
 * after each commitBlock returns. The parent SIGKILLs it at a random instant.
 */
import { suites } from '@govchain/core'
import { anchorTx, ChainDriver, signer } from '@govchain/distribution/testkit'
import { LmdbChainStore } from '@govchain/store'

const path = process.argv[2]!
const suite = suites.intl
const store = LmdbChainStore.open({ path })
const driver = new ChainDriver(suite, store)
const key = signer(suite)
process.stdout.write(`ready ${store.latestHeight()}\n`)
let n = store.latestHeight() * 1000
for (;;) {
  const height = driver.height
  const txs = Array.from({ length: 25 }, () => {
    n++
    return anchorTx(suite, key, n, { validUntilHeight: height + 10 }).bytes
  })
  driver.step(txs)
  process.stdout.write(`committed ${height}\n`)
}
