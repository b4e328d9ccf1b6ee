/**
 * The wallet on this device (ADR 0038): the licence credentials a holder keeps in this browser,
 * in IndexedDB keyed by [holder DID, licence id], so a reload keeps them. The wallet page lists
 * them beside the demo mailbox's and imports handed-over ones (after its checks); the service
 * hall's 我的办件 puts a case's licence here. Credentials kept by an earlier version in
 * localStorage move here on first read.
 */
import { withIdbStore } from './idb.ts'

interface KeptCredential {
  holder: string
  licenseId: string
  credential: string
  keptMs: number
}

const DB_NAME = 'govchain-wallet'
const STORE = 'credentials'
const KEY_PATH = ['holder', 'licenseId']
/** Where an earlier version kept them: localStorage, one JSON object (licence id → credential) per holder. */
const legacyKey = (holder: string) => `govchain.wallet.${holder}`

function withStore<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return withIdbStore(DB_NAME, STORE, KEY_PATH, mode, fn)
}

async function moveLegacy(holder: string): Promise<void> {
  const text = localStorage.getItem(legacyKey(holder))
  if (text === null) return
  let old: Record<string, unknown> = {}
  try {
    old = JSON.parse(text) as Record<string, unknown>
  } catch {
    // Unreadable: nothing to move.
  }
  for (const [licenseId, credential] of Object.entries(old)) {
    if (typeof credential === 'string') await deviceWallet.keep(holder, licenseId, credential)
  }
  localStorage.removeItem(legacyKey(holder))
}

export const deviceWallet = {
  /** Licence id → credential, every one `holder` keeps on this device. */
  async read(holder: string): Promise<Record<string, string>> {
    await moveLegacy(holder)
    const range = IDBKeyRange.bound([holder, ''], [holder, '\uffff'])
    const rows = await withStore('readonly', (s) => s.getAll(range) as IDBRequest<KeptCredential[]>)
    return Object.fromEntries(rows.map((r) => [r.licenseId, r.credential]))
  },
  async keep(holder: string, licenseId: string, credential: string): Promise<void> {
    const row: KeptCredential = { holder, licenseId, credential, keptMs: Date.now() }
    await withStore('readwrite', (s) => s.put(row))
  },
  async remove(holder: string, licenseId: string): Promise<void> {
    await withStore('readwrite', (s) => s.delete([holder, licenseId]))
  },
}
