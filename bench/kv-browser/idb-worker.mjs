// System `idb`: raw IndexedDB in this dedicated module worker. One object
// store, out-of-line keys `[Uint8Array category, Uint8Array key]` (binary
// array keys sort like the SQLite key), values a 1 KiB Uint8Array copy,
// transactions with the default durability. Protocol as sahpool-worker.mjs.
import { categoryBytes, prefixStop, runWorkload } from './workload.mjs';

const log = (line) => postMessage({ log: `[idb] ${line}` });
const store = 'kv';

const settle = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});
const committed = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
});

const adapter = {
  open(name) {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(store);
    return settle(request);
  },
  async write(db, entries) {
    const tx = db.transaction(store, 'readwrite');
    const objects = tx.objectStore(store);
    for (const [key, payload] of entries) objects.put(payload.slice(), [categoryBytes, key]);
    await committed(tx);
  },
  get: (db, key) => settle(db.transaction(store, 'readonly').objectStore(store).get([categoryBytes, key])),
  async scan(db, start, stop, digest) {
    const objects = db.transaction(store, 'readonly').objectStore(store);
    const range = IDBKeyRange.bound([categoryBytes, start], [categoryBytes, stop], false, true);
    const [keys, values] = await Promise.all([settle(objects.getAllKeys(range)), settle(objects.getAll(range))]);
    for (let i = 0; i < keys.length; i++) digest.add(keys[i][1].byteLength, values[i]);
  },
  scanPrefix(db, prefix, digest) {
    return this.scan(db, prefix, prefixStop(prefix), digest);
  },
  count: (db) =>
    settle(db.transaction(store, 'readonly').objectStore(store).count(IDBKeyRange.bound([categoryBytes], [categoryBytes, []]))),
  close: (db) => db.close(),
  drop: (name) => settle(indexedDB.deleteDatabase(name)),
};

onmessage = async ({ data }) => {
  try {
    const results = await runWorkload(adapter, { rows: data.rows, only: data.only, log });
    postMessage({ results, settings: { durability: 'default' } });
  } catch (error) {
    postMessage({ error: `${error?.name}: ${error?.message}\n${error?.stack ?? ''}` });
  }
};
