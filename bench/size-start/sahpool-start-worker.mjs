// Cold start of sqlite-wasm opfs-sahpool in a dedicated module worker: posts
// the wall-clock time (ms since the epoch, comparable across threads) after
// each step, then `{ done }` after the first SELECT.
import sqlite3InitModule from '/node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs';

const now = () => performance.timeOrigin + performance.now();
const marks = { evaluated: now() };
try {
  const sqlite3 = await sqlite3InitModule();
  marks.initModule = now();
  const pool = await sqlite3.installOpfsSAHPoolVfs({ initialCapacity: 8 });
  marks.installVfs = now();
  const db = new pool.OpfsSAHPoolDb('/start.db');
  db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL;');
  db.exec(`CREATE TABLE IF NOT EXISTS kv(category BLOB, key BLOB, payload BLOB,
           PRIMARY KEY(category, key)) WITHOUT ROWID`);
  marks.open = now();
  const payload = db.selectValue('SELECT payload FROM kv WHERE category = ? AND key = ?',
    [new Uint8Array([0x63]), new Uint8Array([1])]);
  marks.firstRead = now();
  postMessage({ marks, found: payload !== undefined });
} catch (error) {
  postMessage({ error: String(error?.stack ?? error) });
}
