// The KV workload of /work/shared/reference/kv-anchors.md, shared by every
// browser system so they all store and read the same bytes, and the driver
// that times its phases against a system adapter. Runs in a page or a worker.
//
// Keys: `00 08` + 8-byte big-endian row index (the anchors' key; the same
// bytes as sds-wasm `keys.bytes(keys.uint64(i))`). The prefix-scan dataset is
// keyed `00 08 BE(i / 1000) 00 08 BE(i)`, so each 10-byte prefix holds 1000
// rows. Payloads: 1 KiB slices of a fixed-seed mulberry32 pool, as in
// bench/workload.h.

export const payloadSize = 1024;
export const scanRows = 1000;
export const singleCommitRows = 2000;
export const gets = 10_000;
export const scans = 100;
export const prefixScans = 100;
export const counts = 10;
/** The category, as text (ours) and as the BLOB the SQL and IDB systems store. */
export const category = 'c';
export const categoryBytes = new Uint8Array([0x63]);

const payloadSeed = 1;
const getSeed = 2;
const scanSeed = 3;
const prefixSeed = 4;
const poolSize = 1 << 20;

/** mulberry32: the generator of the anchors and of bench/workload.h. */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `count` draws in [0, bound) from `seed`, as `RandomIndices` in bench/workload.h. */
export function randomIndices(seed, count, bound) {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => Math.floor((next() * bound) / 2 ** 32));
}

function writeIndex(out, at, value) {
  out[at] = 0;
  out[at + 1] = 8;
  const view = new DataView(out.buffer, out.byteOffset + at + 2, 8);
  view.setUint32(0, Math.floor(value / 2 ** 32));
  view.setUint32(4, value >>> 0);
}

/** Key of row `i` of the flat dataset: `00 08` + BE64(i). */
export function flatKey(i) {
  const key = new Uint8Array(10);
  writeIndex(key, 0, i);
  return key;
}

/** Prefix shared by the 1000 rows of group `g` of the grouped dataset. */
export const groupPrefix = flatKey;

/** Key of row `i` of the grouped dataset: group prefix, then `00 08` + BE64(i). */
export function groupedKey(i) {
  const key = new Uint8Array(20);
  writeIndex(key, 0, Math.floor(i / scanRows));
  writeIndex(key, 10, i);
  return key;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** First key after every key starting with `prefix` (no prefix here ends in 0xFF). */
export function prefixStop(prefix) {
  const stop = prefix.slice();
  stop[stop.length - 1] += 1;
  return stop;
}

/** Payloads: a 1 MiB random pool, one 1 KiB window per row at a splitmix64-spread offset. */
export class PayloadPool {
  constructor(rows) {
    const next = mulberry32(payloadSeed);
    this.pool = new Uint8Array(poolSize + payloadSize);
    for (let i = 0; i < this.pool.length; i++) this.pool[i] = next() >>> 24;
    const span = BigInt(poolSize + 1);
    const mask = (1n << 64n) - 1n;
    this.offsets = new Uint32Array(rows);
    for (let row = 0; row < rows; row++) {
      let z = (BigInt(row) + 0x9e3779b97f4a7c15n) & mask;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
      z ^= z >> 31n;
      this.offsets[row] = Number(z % span);
    }
  }

  /** A view of row `row`'s payload (systems that keep it must copy it). */
  of(row) {
    const offset = this.offsets[row];
    return this.pool.subarray(offset, offset + payloadSize);
  }
}

/**
 * A cheap fingerprint of what a phase read: rows, bytes and a hash over the
 * first 4 payload bytes of each row in order. A fast wrong answer cannot match.
 */
export class Digest {
  rows = 0;
  bytes = 0;
  hash = 0;

  add(keyLength, payload) {
    this.rows += 1;
    this.bytes += keyLength + payload.length;
    const head = ((payload[0] << 24) | (payload[1] << 16) | (payload[2] << 8) | payload[3]) >>> 0;
    this.hash = (Math.imul(this.hash ^ head, 16777619) + keyLength) >>> 0;
  }

  equals(other) {
    return this.rows === other.rows && this.bytes === other.bytes && this.hash === other.hash;
  }

  toString() {
    return `${this.rows} rows / ${this.bytes} bytes / #${this.hash.toString(16)}`;
  }
}

/** The phases, in order, as row ids of the `kv` section. */
export const phaseIds = ['put-tx1', 'put-tx100', 'put-tx1000', 'get', 'scan-1000', 'prefix-scan-1000', 'count'];

/**
 * Runs every phase against `adapter` and returns `{ [phaseId]: { seconds, units } }`.
 *
 * The adapter (all methods may be async):
 * - `open(name)` → db: opens database `name`, creating it empty if missing;
 * - `write(db, entries)`: commits `[key, payload][]` as one transaction (one entry:
 *   a single autocommit write) and returns once it is committed;
 * - `get(db, key)` → payload or undefined;
 * - `scan(db, start, stop, digest)`: feeds every row of `[start, stop)`, in key order,
 *   to `digest.add(keyLength, payload)`;
 * - `scanPrefix(db, prefix, digest)`: the same for the rows whose key starts with `prefix`;
 * - `count(db)` → rows of the category;
 * - `close(db)`; `drop(name)` deletes a closed database.
 *
 * Each put phase starts from an empty database, opened before the clock starts; the tx=1000
 * one is the dataset of the reads.
 * Every read phase runs on a freshly reopened database (cold SQLite cache, warm OS cache).
 * `hooks.before(phase)` / `hooks.after(phase)` run around each timed phase (profiling).
 */
export async function runWorkload(adapter, { rows, log = () => {}, hooks = {}, only } = {}) {
  const pool = new PayloadPool(rows);
  const results = {};
  const wanted = (phase) => !only || only.includes(phase);
  const timed = async (phase, units, work) => {
    await hooks.before?.(phase);
    const start = performance.now();
    const value = await work();
    const seconds = (performance.now() - start) / 1000;
    await hooks.after?.(phase);
    results[phase] = { seconds, units };
    log(`${phase}: ${(seconds * 1000).toFixed(0)} ms, ${Math.round(units / seconds)}/s`);
    return value;
  };

  const fill = async (db, count, tx, keyOf) => {
    for (let first = 0; first < count; first += tx) {
      const entries = [];
      for (let row = first; row < Math.min(first + tx, count); row++) entries.push([keyOf(row), pool.of(row)]);
      await adapter.write(db, entries);
    }
  };
  const checkCount = async (db, expected, what) => {
    const stored = await adapter.count(db);
    if (stored !== expected) throw new Error(`${what}: stored ${stored} rows, expected ${expected}`);
  };

  for (const [phase, tx, count] of [
    ['put-tx1', 1, Math.min(rows, singleCommitRows)],
    ['put-tx100', 100, rows],
    ['put-tx1000', 1000, rows],
  ]) {
    const name = phase === 'put-tx1000' ? 'flat' : phase;
    if (!wanted(phase) && phase !== 'put-tx1000') continue;
    await adapter.drop(name);
    const db = await adapter.open(name);
    if (wanted(phase)) await timed(phase, count, () => fill(db, count, tx, flatKey));
    else await fill(db, count, tx, flatKey);
    await checkCount(db, count, phase);
    await adapter.close(db);
    if (name !== 'flat') await adapter.drop(name);
  }
  const groupedRows = Math.floor(rows / scanRows) * scanRows;
  if (wanted('prefix-scan-1000')) {
    await adapter.drop('grouped');
    const started = performance.now();
    const db = await adapter.open('grouped');
    await fill(db, groupedRows, 1000, groupedKey);
    await adapter.close(db);
    log(`grouped dataset (untimed): ${(performance.now() - started).toFixed(0)} ms`);
  }

  const read = async (phase, name, units, expected, work) => {
    if (!wanted(phase)) return;
    const db = await adapter.open(name);
    const digest = await timed(phase, units, () => work(db));
    await adapter.close(db);
    if (!digest.equals(expected)) throw new Error(`${phase} read ${digest}, expected ${expected}`);
  };

  const getRows = randomIndices(getSeed, gets, rows);
  const getExpected = new Digest();
  for (const row of getRows) getExpected.add(10, pool.of(row));
  await read('get', 'flat', gets, getExpected, async (db) => {
    const digest = new Digest();
    for (const row of getRows) {
      const payload = await adapter.get(db, flatKey(row));
      if (payload === undefined) throw new Error(`get: row ${row} is missing`);
      digest.add(10, payload);
    }
    return digest;
  });

  const starts = randomIndices(scanSeed, scans, rows - scanRows + 1);
  const scanExpected = new Digest();
  for (const start of starts) {
    for (let row = start; row < start + scanRows; row++) scanExpected.add(10, pool.of(row));
  }
  await read('scan-1000', 'flat', scans * scanRows, scanExpected, async (db) => {
    const digest = new Digest();
    for (const start of starts) await adapter.scan(db, flatKey(start), flatKey(start + scanRows), digest);
    return digest;
  });

  const groups = randomIndices(prefixSeed, prefixScans, groupedRows / scanRows);
  const prefixExpected = new Digest();
  for (const group of groups) {
    for (let row = group * scanRows; row < (group + 1) * scanRows; row++) prefixExpected.add(20, pool.of(row));
  }
  await read('prefix-scan-1000', 'grouped', prefixScans * scanRows, prefixExpected, async (db) => {
    const digest = new Digest();
    for (const group of groups) await adapter.scanPrefix(db, groupPrefix(group), digest);
    return digest;
  });

  const countExpected = new Digest();
  await read('count', 'flat', counts, countExpected, async (db) => {
    let last = 0;
    for (let i = 0; i < counts; i++) last = await adapter.count(db);
    if (last !== rows) throw new Error(`count: ${last} rows, expected ${rows}`);
    return countExpected;
  });

  await adapter.drop('flat');
  if (wanted('prefix-scan-1000')) await adapter.drop('grouped');
  return results;
}
