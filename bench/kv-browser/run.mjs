// KV benchmark (section `kv`): the workload of kv-anchors.md on OPFS in
// headless Chromium for sds-wasm (`ours`), sqlite-wasm opfs-sahpool and
// IndexedDB, plus native SQLite and our native C++ layer from
// build/native/bench/kv_native_bench. Writes build/bench/kv.json.
//   node bench/kv-browser/run.mjs [--quick] [--out PATH] [--reps N] [--rows N]
//                                 [--systems ours,sahpool,idb,native]
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { repoRoot } from '../../tests/browser/server.mjs';
import { snapshotBuild, startSnapshotHarness } from './snapshot.mjs';
import { median, phaseIds } from './workload.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repoRoot, 'build/bench/kv.json') },
    reps: { type: 'string' },
    rows: { type: 'string' },
    systems: { type: 'string', default: 'ours,sahpool,idb,native' },
  },
});
const rows = Number(args.rows ?? (args.quick ? 10_000 : 100_000));
const reps = Number(args.reps ?? (args.quick ? 1 : 3));
const wanted = new Set(args.systems.split(','));
const snapshot = await snapshotBuild();
const nativeBench = path.join(snapshot.root, 'kv_native_bench');
if (wanted.has('native')) await fs.copyFile(path.join(repoRoot, 'build/native/bench/kv_native_bench'), nativeBench);

const systems = [
  { id: 'ours', label: 'sds-wasm Job on OPFS (public API, Chromium)' },
  { id: 'sahpool', label: '@sqlite.org/sqlite-wasm 3.54.1 opfs-sahpool, WAL + EXCLUSIVE (worker)' },
  { id: 'idb', label: 'IndexedDB, default durability (worker)' },
  { id: 'native', label: 'native SQLite C API on disk (same SQLite build as ours)' },
  { id: 'ours-native', label: 'our C++ layer natively (persistency::Job) on disk' },
];
const rowLabels = {
  'put-tx1': 'put, one commit per row (first 2,000 rows)',
  'put-tx100': 'put, 100 rows per transaction',
  'put-tx1000': 'put, 1000 rows per transaction',
  get: 'random point get, one at a time',
  'scan-1000': 'range scan of 1000 rows',
  'prefix-scan-1000': 'prefix scan of 1000 rows',
  count: `count(*) of the category (${rows.toLocaleString('en')} rows)`,
};
const units = { get: 'ops/s', count: 'ops/s' };

// One browser system, one repetition, on a fresh Chromium profile.
async function runBrowserSystem(system) {
  const harness = await startSnapshotHarness(snapshot.root);
  try {
    const page = await harness.open();
    page.page.on('console', (message) => console.error(message.text()));
    const outcome = await page.run(
      async ({ system, rows }) => (await import('/bench/kv-browser/page.mjs')).runSystem(system, { rows }),
      { system, rows },
    );
    if (page.errors.length > 0) throw new Error(`${system}: page errors: ${page.errors.join('; ')}`);
    await page.close();
    return { ...outcome, chromium: harness.browser.context.browser()?.version() };
  } finally {
    await harness.close();
  }
}

async function runNative() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kv-native-json-'));
  try {
    const json = path.join(dir, 'native.json');
    const flags = ['--json', json, '--reps', String(reps), '--rows', String(rows)];
    console.error(`native: ${nativeBench} ${flags.join(' ')}`);
    const child = promisify(execFile)(nativeBench, flags, { maxBuffer: 64 << 20 });
    child.child.stderr.pipe(process.stderr);
    await child;
    return JSON.parse(await fs.readFile(json, 'utf8'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

// kv_native_bench phase ids → kv row ids.
const nativePhase = {
  put_tx1: 'put-tx1', put_tx100: 'put-tx100', put_tx1000: 'put-tx1000', get: 'get',
  scan: 'scan-1000', prefix_scan: 'prefix-scan-1000', count: 'count',
};

const values = Object.fromEntries(phaseIds.map((id) => [id, {}]));
const details = Object.fromEntries(phaseIds.map((id) => [id, {}]));
const notes = {};

for (const system of ['ours', 'sahpool', 'idb'].filter((s) => wanted.has(s))) {
  const runs = [];
  for (let rep = 0; rep < reps; rep++) {
    console.error(`== ${system}, repetition ${rep + 1}/${reps}`);
    runs.push(await runBrowserSystem(system));
  }
  notes[system] = { ...runs[0].settings, chromium: runs[0].chromium };
  for (const id of phaseIds) {
    const rates = runs.map((run) => run.results[id].units / run.results[id].seconds);
    values[id][system] = median(rates);
    details[id][system] = {
      ms: median(runs.map((run) => run.results[id].seconds * 1000)),
      units: runs[0].results[id].units,
      rates: rates.map(Math.round),
    };
  }
}

if (wanted.has('native')) {
  const native = await runNative();
  notes.native = { sqlite: native.sqlite, reps: native.reps };
  for (const phase of native.phases) {
    const id = nativePhase[phase.phase];
    if (!id) continue;
    const v = phase.variants;
    // Puts: the Job waits for each transaction, as every other system does; the
    // fire-and-forget rate (the job commits several writes together) is a detail.
    const job = v['job-tx'] ?? v.job;
    values[id].native = v.raw.rate_median;
    values[id]['ours-native'] = job.rate_median;
    details[id].native = { rates: v.raw.rates.map(Math.round), ms: (phase.units_per_run / v.raw.rate_median) * 1000 };
    details[id]['ours-native'] = {
      rates: job.rates.map(Math.round),
      ms: (phase.units_per_run / job.rate_median) * 1000,
      sqliteStoreRate: v.store && Math.round(v.store.rate_median),
      ...(v['job-tx'] && { fireAndForgetRate: Math.round(v.job.rate_median) }),
      ...(v.job64 && { job64InFlightRate: Math.round(v.job64.rate_median) }),
    };
  }
}

await snapshot.dispose();

const measured = systems.filter((s) => phaseIds.some((id) => values[id][s.id] !== undefined));
const result = {
  section: 'kv',
  title: `KV store on OPFS in headless Chromium vs sqlite-wasm, IndexedDB and native, ${rows.toLocaleString('en')} rows x 1 KiB`,
  setup: [
    `N = ${rows.toLocaleString('en')} rows of 1 KiB (fixed-seed mulberry32 pool); put tx=1 writes the first ${Math.min(rows, 2000).toLocaleString('en')} rows; every put phase starts from an empty database`,
    'Table kv(category BLOB, key BLOB, payload BLOB, PRIMARY KEY(category, key)) WITHOUT ROWID; category "c"; browser keys 00 08 + 8-byte big-endian index (as kv-anchors.md); native keys MakeKey(uint64) = 8 bytes',
    'Reads run on the tx=1000 database, reopened before each read phase (cold SQLite cache, warm OS cache): 10,000 random gets one at a time; 100 range scans of 1000 rows; count(*) x10',
    'Prefix scans: 100 prefixes over a second dataset keyed prefix(i / 1000) + index, so each prefix holds 1000 rows (built untimed, 1000 rows per transaction)',
    'Every read is checked against the workload (row count, bytes, payload heads)',
    `ours: Persistency.open('kv-bench') + openJob per database (one job worker each); a transaction = job.batch(puts) + await job.flush(); a single commit = job.put() + await job.flush(); job.scan(range) / job.scanPrefix(prefix) return KvRow[]; job defaults: journal_mode=WAL, locking_mode=EXCLUSIVE, synchronous=FULL (durable commits), page_size 8192, cache 16 MiB; the driver runs on the page's main thread`,
    `sahpool: @sqlite.org/sqlite-wasm 3.54.1-build1, installOpfsSAHPoolVfs({ initialCapacity: 8 }), PRAGMA locking_mode=EXCLUSIVE + journal_mode=WAL, read back: ${JSON.stringify(notes.sahpool ?? {})}; oo1 prepared statements, BEGIN ... COMMIT per batch, driver in the same module worker`,
    'idb: raw IndexedDB in a module worker, keys [Uint8Array category, Uint8Array key], value a 1 KiB Uint8Array copy, default durability, one readwrite transaction per batch (awaited), one readonly transaction per get; scans = getAllKeys + getAll in one transaction; count = count(bound([c], [c, []]))',
    `native and ours-native: build/native/bench/kv_native_bench (SQLite ${notes.native?.sqlite ?? '?'}, WAL, synchronous=NORMAL, page_size 8192, cache 16 MiB, files in /tmp on ext4), medians of ${notes.native?.reps ?? reps} repetitions; ours-native = persistency::Job (calls through its storage thread; puts flush after each transaction, fireAndForgetRate = flush once at the end, letting the job group commits; sqliteStoreRate = SqliteStore called directly)`,
    `Measured build: ${snapshot.build} (a copy taken at the start of the run)`,
    `Chromium ${notes.ours?.chromium ?? notes.sahpool?.chromium ?? notes.idb?.chromium ?? '?'} headless (playwright-core 1.65.1, /usr/bin/chromium), fresh profile per system and repetition; systems run one after another, never at the same time; medians of ${reps} repetition(s)`,
  ],
  systems: measured,
  rows: phaseIds.map((id) => ({
    id,
    label: rowLabels[id],
    unit: units[id] ?? 'rows/s',
    better: 'higher',
    values: Object.fromEntries(measured.map((s) => [s.id, values[id][s.id] ?? null])),
    details: details[id],
  })),
};

await fs.mkdir(path.dirname(args.out), { recursive: true });
await fs.writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
validate(JSON.parse(await fs.readFile(args.out, 'utf8')));
printTable(result);
console.log(`\nwrote ${path.relative(process.cwd(), args.out)}`);

function validate(record) {
  const ids = record.systems.map((s) => s.id);
  for (const row of record.rows) {
    for (const id of ids) {
      if (!(id in row.values)) throw new Error(`row ${row.id} lacks system ${id}`);
      const value = row.values[id];
      if (value !== null && !(Number.isFinite(value) && value > 0)) throw new Error(`row ${row.id}: bad ${id} value ${value}`);
    }
  }
}

function printTable(record) {
  const ids = record.systems.map((s) => s.id);
  const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '-');
  const format = (v) => (v === null || v === undefined ? '-' : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en'));
  const header = ['row', 'unit', ...ids, 'ours/sahpool', 'ours/idb', 'ours/native'];
  const lines = record.rows.map((row) => [
    row.id, row.unit, ...ids.map((id) => format(row.values[id])),
    ratio(row.values.ours, row.values.sahpool), ratio(row.values.ours, row.values.idb), ratio(row.values.ours, row.values.native),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const show = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(`\n${record.title}`);
  console.log(show(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(show(line));
  console.log('Ratios are rate ratios: > 1 means ours is faster.');
}
