// The OPFS benchmark, in a dedicated module worker: SqliteStore on the
// "sds-host" VFS over FileSystemSyncAccessHandles, one fresh database per
// workload, for each journal mode / locking / synchronous combination.
import createSdsCore from '/build/wasm/dist/sds_core.mjs';

const SUFFIXES = ['', '-journal', '-wal'];
const PAGE_SIZE = 8192;

// `memory` is the reference without any file I/O (and without durability).
const CONFIGS = [
  { name: 'memory (no file)', memory: true, journalMode: 'memory' },
  { name: 'wal/exclusive/normal', journalMode: 'wal', exclusiveLocking: true, synchronousFull: false },
  { name: 'wal/exclusive/full', journalMode: 'wal', exclusiveLocking: true, synchronousFull: true },
  { name: 'truncate/exclusive/normal', journalMode: 'truncate', exclusiveLocking: true, synchronousFull: false },
  { name: 'truncate/exclusive/full', journalMode: 'truncate', exclusiveLocking: true, synchronousFull: true },
  { name: 'delete/exclusive/normal', journalMode: 'delete', exclusiveLocking: true, synchronousFull: false },
  { name: 'delete/exclusive/full', journalMode: 'delete', exclusiveLocking: true, synchronousFull: true },
  { name: 'delete/normal-locking/full', journalMode: 'delete', exclusiveLocking: false, synchronousFull: true },
];

const unwrap = (result) => {
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
};

// 8-byte big-endian row number: keys sort in insertion order.
function rowKey(i) {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, BigInt(i));
  return key;
}

// Opens a store on OPFS files, emptied first when `fresh`; the flush() calls
// SQLite makes are counted.
async function openStore(core, directory, name, config, fresh = true) {
  const handles = [];
  const counters = { flushes: 0 };
  if (config.memory) {
    const store = unwrap(core.SqliteStore.open(':memory:', { journalMode: 'memory', pageSize: PAGE_SIZE }));
    return { store, counters, size: () => NaN, close: () => store.delete() };
  }
  for (const suffix of SUFFIXES) {
    const file = await directory.getFileHandle(name + suffix, { create: true });
    const handle = await file.createSyncAccessHandle();
    if (fresh) handle.truncate(0);
    handles.push([`/bench/${name}${suffix}`, handle]);
    core.hostFiles.set(`/bench/${name}${suffix}`, {
      read: (buffer, options) => handle.read(buffer, options),
      write: (buffer, options) => handle.write(buffer, options),
      truncate: (size) => handle.truncate(size),
      getSize: () => handle.getSize(),
      close: () => handle.close(),
      flush: () => {
        counters.flushes += 1;
        handle.flush();
      },
    });
  }
  const { name: _, memory: __, ...options } = config;
  const store = unwrap(core.SqliteStore.open(`/bench/${name}`, { vfs: 'sds-host', pageSize: PAGE_SIZE, ...options }));
  return {
    store,
    counters,
    size: () => handles[0][1].getSize(),
    close() {
      store.delete();
      for (const [path, handle] of handles) {
        core.hostFiles.delete(path);
        handle.close();
      }
    },
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

function singleRowCommits(db, count) {
  const payload = new Uint8Array(100).fill(7);
  const times = [];
  const flushesBefore = db.counters.flushes;
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    unwrap(db.store.apply([{ op: 'put', category: 'c', key: rowKey(i), payload }]));
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    totalMs: times.reduce((sum, t) => sum + t, 0),
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
    flushesPerCommit: (db.counters.flushes - flushesBefore) / count,
  };
}

function bulkInsert(db, rows, batchSize) {
  const payload = new Uint8Array(1024).fill(42);
  const start = performance.now();
  for (let first = 0; first < rows; first += batchSize) {
    const batch = [];
    for (let i = first; i < Math.min(rows, first + batchSize); i++) {
      batch.push({ op: 'put', category: 'b', key: rowKey(i), payload });
    }
    unwrap(db.store.apply(batch));
  }
  return { ms: performance.now() - start };
}

function randomGets(db, rows, count) {
  let state = 12345;  // a fixed LCG: every configuration reads the same keys
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    if (!unwrap(db.store.get('b', rowKey(state % rows)))) throw new Error('a stored row is missing');
  }
  return { ms: performance.now() - start };
}

// V8 first runs wasm through its baseline compiler and optimizes hot code
// later; an unmeasured workload first keeps that out of the first result.
function warmUp(core) {
  const db = { store: unwrap(core.SqliteStore.open(':memory:', { journalMode: 'memory' })), counters: {} };
  bulkInsert(db, 20000, 500);
  randomGets(db, 20000, 20000);
  db.store.delete();
}

async function run(params) {
  const commits = Number(params.commits ?? 1000);
  const rows = Number(params.rows ?? 100000);
  const gets = Number(params.gets ?? 10000);
  const only = params.configs ? params.configs.split(',') : null;
  // Repeated runs rotate the order, so slow phases of a shared machine do
  // not always hit the same configuration.
  const rotate = Number(params.rotate ?? 0) % CONFIGS.length;
  const ordered = [...CONFIGS.slice(rotate), ...CONFIGS.slice(0, rotate)];
  const core = await createSdsCore();
  warmUp(core);
  const root = await navigator.storage.getDirectory();
  const directory = await root.getDirectoryHandle('bench', { create: true });
  const results = [];
  for (const config of ordered.filter((c) => !only || only.includes(c.name))) {
    const result = { config: config.name };
    const create = (label) => openStore(core, directory, `${label}.db`, config);

    let db = await create('commits');
    result.commits = singleRowCommits(db, commits);
    db.close();

    for (const batchSize of [100, 1000]) {
      db = await create(`bulk${batchSize}`);
      result[`bulk${batchSize}`] = bulkInsert(db, rows, batchSize);
      db.close();
    }
    // Reopened, so the reads start from an empty SQLite page cache (the
    // in-memory database is read where it was filled instead).
    db = config.memory ? await create('gets') : await openStore(core, directory, 'bulk1000.db', config, false);
    if (config.memory) bulkInsert(db, rows, 1000);
    result.gets = randomGets(db, rows, gets);
    result.dbMiB = db.size() / 1024 / 1024;
    db.close();

    for (const label of config.memory ? [] : ['commits', 'bulk100', 'bulk1000']) {
      for (const suffix of SUFFIXES) await directory.removeEntry(`${label}.db${suffix}`);
    }
    results.push(result);
    postMessage({ progress: `${config.name}: done` });
  }
  return results;
}

onmessage = async ({ data }) => {
  try {
    postMessage({ results: await run(data) });
  } catch (error) {
    postMessage({ error: String(error?.stack ?? error) });
  }
};
