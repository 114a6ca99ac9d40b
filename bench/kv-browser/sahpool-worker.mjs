// System `sahpool`: @sqlite.org/sqlite-wasm with the opfs-sahpool VFS in this
// dedicated module worker, `locking_mode=EXCLUSIVE` + `journal_mode=WAL`,
// prepared statements. Started by the page with `{ rows, only }`; answers
// `{ results, settings }` or `{ error }`, and `{ log }` lines on the way.
import sqlite3InitModule from '/node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs';
import { categoryBytes, prefixStop, runWorkload } from './workload.mjs';

const log = (line) => postMessage({ log: `[sahpool] ${line}` });

async function adapterFor(pool) {
  const settings = {};
  return {
    settings,
    open(name) {
      const db = new pool.OpfsSAHPoolDb(`/${name}.db`);
      db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL;');
      db.exec(`CREATE TABLE IF NOT EXISTS kv(category BLOB, key BLOB, payload BLOB,
               PRIMARY KEY(category, key)) WITHOUT ROWID`);
      for (const pragma of ['journal_mode', 'locking_mode', 'synchronous', 'page_size', 'cache_size']) {
        settings[pragma] = db.selectValue(`PRAGMA ${pragma}`);
      }
      if (settings.journal_mode !== 'wal') throw new Error(`journal_mode stayed ${settings.journal_mode}`);
      return {
        db,
        insert: db.prepare('INSERT OR REPLACE INTO kv(category, key, payload) VALUES (?, ?, ?)'),
        get: db.prepare('SELECT payload FROM kv WHERE category = ? AND key = ?'),
        scan: db.prepare('SELECT key, payload FROM kv WHERE category = ? AND key >= ? AND key < ? ORDER BY key'),
        count: db.prepare('SELECT count(*) FROM kv WHERE category = ?'),
      };
    },
    write(h, entries) {
      const batch = entries.length > 1;
      if (batch) h.db.exec('BEGIN');
      for (const [key, payload] of entries) {
        h.insert.bind([categoryBytes, key, payload]).stepReset();
      }
      if (batch) h.db.exec('COMMIT');
    },
    get(h, key) {
      try {
        return h.get.bind([categoryBytes, key]).step() ? h.get.get(0) : undefined;
      } finally {
        h.get.reset();
      }
    },
    scan(h, start, stop, digest) {
      try {
        h.scan.bind([categoryBytes, start, stop]);
        while (h.scan.step()) digest.add(h.scan.get(0).length, h.scan.get(1));
      } finally {
        h.scan.reset();
      }
    },
    scanPrefix(h, prefix, digest) {
      this.scan(h, prefix, prefixStop(prefix), digest);
    },
    count(h) {
      try {
        h.count.bind([categoryBytes]).step();
        return h.count.get(0);
      } finally {
        h.count.reset();
      }
    },
    close(h) {
      for (const stmt of [h.insert, h.get, h.scan, h.count]) stmt.finalize();
      h.db.close();
    },
    drop(name) {
      pool.unlink(`/${name}.db`);
    },
  };
}

onmessage = async ({ data }) => {
  try {
    const sqlite3 = await sqlite3InitModule();
    const pool = await sqlite3.installOpfsSAHPoolVfs({ initialCapacity: 8, name: 'kv-bench-pool' });
    const adapter = await adapterFor(pool);
    const results = await runWorkload(adapter, { rows: data.rows, only: data.only, log });
    postMessage({ results, settings: { sqlite: sqlite3.version.libVersion, ...adapter.settings } });
  } catch (error) {
    postMessage({ error: `${error?.name}: ${error?.message}\n${error?.stack ?? ''}` });
  }
};
