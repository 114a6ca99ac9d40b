// Cold start of IndexedDB in a dedicated module worker: posts wall-clock
// marks (ms since the epoch) after opening the database and after the first get.
const now = () => performance.timeOrigin + performance.now();
const marks = { evaluated: now() };
const settle = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});
try {
  const request = indexedDB.open('start', 1);
  request.onupgradeneeded = () => request.result.createObjectStore('kv');
  const db = await settle(request);
  marks.open = now();
  const value = await settle(db.transaction('kv', 'readonly').objectStore('kv')
    .get([new Uint8Array([0x63]), new Uint8Array([1])]));
  marks.firstRead = now();
  db.close();
  postMessage({ marks, found: value !== undefined });
} catch (error) {
  postMessage({ error: String(error?.stack ?? error) });
}
