/** IndexedDB in a promise: one object store per database, opened for each call and closed after it. */

function idbRequest<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result)
    r.onerror = () => fail(r.error)
  })
}

/** Runs `fn` on object store `store` of database `dbName` (version 1, made with `keyPath`). */
export async function withIdbStore<T>(
  dbName: string,
  store: string,
  keyPath: string | string[],
  mode: IDBTransactionMode,
  fn: (s: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const open = indexedDB.open(dbName, 1)
  open.onupgradeneeded = () => open.result.createObjectStore(store, { keyPath })
  const d = await idbRequest(open)
  try {
    return await idbRequest(fn(d.transaction(store, mode).objectStore(store)))
  } finally {
    d.close()
  }
}
