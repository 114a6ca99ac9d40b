// Cold start (section `start`), medians of 10 samples (3 with --quick):
// - chromium: each sample is a fresh Chromium profile (so empty OPFS, IndexedDB,
//   HTTP and code caches) and one page on the harness server (no-store):
//   ours = import('sds-wasm') → Persistency.open + openJob → first get, from
//   the unbundled build/web (harness import map) and from a Vite bundle;
//   sahpool = new Worker() → sqlite3InitModule → installOpfsSAHPoolVfs →
//   open + pragmas + CREATE → first SELECT; idb = new Worker() → open → first get.
// - node: ours in a fresh process per sample on a fresh root directory.
//   node bench/size-start/start.mjs [--quick] [--out PATH]
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { BrowserSession } from '../../tests/browser/chromium.mjs';
import { repoRoot, startServer } from '../../tests/browser/server.mjs';
import { snapshotBuild, startSnapshotHarness } from '../kv-browser/snapshot.mjs';
import { median } from '../kv-browser/workload.mjs';
import { bundleApp, prepareNodeModules } from './vite-app.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repoRoot, 'build/bench/start.json') },
  },
});
const samples = args.quick ? 3 : 10;

// In the page: import → open job → first get; returns { total, steps } in ms. Also the
// body of the bundled app (serialised), so both ours variants run the same steps.
const oursProbe = async () => {
  const t0 = performance.now();
  const { Persistency } = await import('sds-wasm');
  const t1 = performance.now();
  const persistency = await Persistency.open('start');
  const job = await persistency.openJob('cold');
  const t2 = performance.now();
  const payload = await job.get('c', new Uint8Array([1]));
  const t3 = performance.now();
  await persistency.close();
  if (payload !== undefined) throw new Error('a fresh profile held data');
  return { total: t3 - t0, steps: { import: t1 - t0, open: t2 - t1, firstRead: t3 - t2 } };
};

// Page functions: each returns { total, steps } in ms, timed in the page.
const pageProbes = {
  ours: oursProbe,
  // The worker posts wall-clock marks; the page turns them into steps from `new Worker()`.
  async worker(script) {
    const start = performance.timeOrigin + performance.now();
    const worker = new Worker(script, { type: 'module' });
    const data = await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.onerror = (event) => reject(new Error(event.message));
    });
    const total = performance.timeOrigin + performance.now() - start;
    worker.terminate();
    if (data.error) throw new Error(data.error);
    if (data.found) throw new Error('a fresh profile held data');
    const steps = {};
    let previous = start;
    for (const [name, mark] of Object.entries(data.marks)) {
      steps[name === 'evaluated' ? 'import' : name] = mark - previous;
      previous = mark;
    }
    return { total, steps };
  },
};

const workerScripts = {
  sahpool: '/bench/size-start/sahpool-start-worker.mjs',
  idb: '/bench/size-start/idb-start-worker.mjs',
};

// The bundled app: `window.coldStart` runs oursProbe, with 'sds-wasm' bundled by Vite.
async function bundleOursApp(dir) {
  await prepareNodeModules(dir, snapshot.root);
  return bundleApp(dir, 'ours-bundled', { 'main.js': `window.coldStart = ${oursProbe};\n` });
}

async function bundledSample(distDir) {
  const server = await startServer({ root: distDir });
  const browser = await BrowserSession.launch();
  try {
    const page = await browser.open(server.url('/index.html'));
    await page.page.waitForFunction(() => typeof window.coldStart === 'function');
    const sample = await page.run(() => window.coldStart());
    if (page.errors.length > 0) throw new Error(`ours-bundled: ${page.errors.join('; ')}`);
    return sample;
  } finally {
    await browser.dispose();
    await server.close();
  }
}

async function chromiumSample(system) {
  if (system === 'ours-bundled') return bundledSample(bundledDist);
  const harness = await startSnapshotHarness(snapshot.root);
  try {
    const page = await harness.open();
    const sample = system === 'ours'
      ? await page.run(pageProbes.ours)
      : await page.run(pageProbes.worker, workerScripts[system]);
    if (page.errors.length > 0) throw new Error(`${system}: ${page.errors.join('; ')}`);
    return { ...sample, chromium: harness.browser.context.browser()?.version() };
  } finally {
    await harness.close();
  }
}

async function nodeSample() {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sds-start-'));
  try {
    const started = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath,
      [path.join(snapshot.root, 'bench/size-start/node-start-child.mjs'), root], { cwd: snapshot.root });
    const sample = JSON.parse(stdout);
    if (sample.found) throw new Error('a fresh root held data');
    return { ...sample, spawnToExit: performance.now() - started };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

function summarize(runs) {
  const steps = Object.fromEntries(Object.keys(runs[0].steps)
    .map((step) => [step, median(runs.map((run) => run.steps[step]))]));
  const totals = runs.map((run) => run.total);
  return {
    value: median(totals),
    details: { ...steps, min: Math.min(...totals), max: Math.max(...totals), samples: runs.length },
  };
}

const snapshot = await snapshotBuild();
const appDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sds-start-app-'));
process.once('exit', () => rmSync(appDir, { recursive: true, force: true }));
const bundledDist = await bundleOursApp(appDir);
const results = { chromium: {}, node: {} };
let chromium = '?';
for (const system of ['ours', 'ours-bundled', 'sahpool', 'idb']) {
  const runs = [];
  for (let i = 0; i < samples; i++) {
    const sample = await chromiumSample(system);
    chromium = sample.chromium ?? chromium;
    runs.push(sample);
    console.error(`chromium ${system} ${i + 1}/${samples}: ${sample.total.toFixed(1)} ms`);
  }
  results.chromium[system] = summarize(runs);
}
const nodeRuns = [];
for (let i = 0; i < samples; i++) {
  const sample = await nodeSample();
  nodeRuns.push(sample);
  console.error(`node ours ${i + 1}/${samples}: ${sample.total.toFixed(1)} ms`);
}
results.node.ours = summarize(nodeRuns);
results.node.ours.details.sinceProcessStart = median(nodeRuns.map((run) => run.sinceProcessStart));
results.node.ours.details.spawnToExit = median(nodeRuns.map((run) => run.spawnToExit));
await snapshot.dispose();
await fs.rm(appDir, { recursive: true, force: true });

const systems = [
  { id: 'ours', label: 'sds-wasm: import → open job → first get' },
  { id: 'ours-bundled', label: 'sds-wasm bundled by Vite: import → open job → first get' },
  { id: 'sahpool', label: 'sqlite-wasm opfs-sahpool: new Worker() → ready → first SELECT' },
  { id: 'idb', label: 'IndexedDB: new Worker() → open → first get' },
];
const result = {
  section: 'start',
  title: `Cold start, median of ${samples} fresh starts`,
  setup: [
    `Chromium ${chromium} headless (playwright-core 1.65.1), a fresh profile per sample (empty OPFS, IndexedDB, HTTP and code caches); files served from 127.0.0.1 with cache-control: no-store, no COOP/COEP`,
    'ours (Chromium): the unbundled build/web ES modules through the harness import map (as tests/browser load them), timed in the page from import() to the first get\'s reply; open = Persistency.open + openJob (job worker start, wasm compile + instantiate, OPFS handles, schema)',
    'ours-bundled (Chromium): the same steps in a tiny app bundled by Vite 7 (build mode, minified; sds-wasm installed as npm pack publishes it); import() loads the split chunk, the job worker and the wasm are Vite assets',
    'sahpool: @sqlite.org/sqlite-wasm 3.54.1-build1 in a module worker, timed in the page from new Worker() to the worker\'s answer; steps from the worker\'s wall-clock marks: import (worker script + index.mjs fetched and evaluated), initModule (wasm fetch + compile + instantiate), installVfs, open (open + locking_mode=EXCLUSIVE + journal_mode=WAL + CREATE TABLE), firstRead',
    'idb: a module worker, import = worker script evaluated, open = indexedDB.open with the upgrade creating the store, firstRead = one readonly get',
    'node: Node ' + process.version + ', a fresh process per sample on a fresh root directory; timed inside the process from import(\'sds-wasm\') to the first get; details.sinceProcessStart and spawnToExit add process start-up',
    `Measured build: ${snapshot.build} (a copy taken at the start of the run)`,
    'Every first read looks up a key that does not exist (the database was just created)',
  ],
  systems,
  rows: ['chromium', 'node'].map((id) => ({
    id,
    label: id === 'chromium' ? 'cold start in headless Chromium' : 'cold start in Node',
    unit: 'ms',
    better: 'lower',
    values: Object.fromEntries(systems.map((s) => [s.id, results[id][s.id]?.value ?? null])),
    details: Object.fromEntries(Object.entries(results[id]).map(([system, r]) => [system, r.details])),
  })),
};

await fs.mkdir(path.dirname(args.out), { recursive: true });
await fs.writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
const check = JSON.parse(await fs.readFile(args.out, 'utf8'));
for (const row of check.rows) {
  for (const { id } of check.systems) {
    if (!(id in row.values)) throw new Error(`start row ${row.id} lacks ${id}`);
  }
}

console.log(`\n${result.title} (ms; steps are medians of each step)`);
for (const row of result.rows) {
  for (const [system, details] of Object.entries(row.details)) {
    const { min, max, samples: n, ...steps } = details;
    const stepText = Object.entries(steps).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
    console.log(`${row.id.padEnd(8)} ${system.padEnd(12)} ${row.values[system].toFixed(1).padStart(7)}  (${min.toFixed(0)}–${max.toFixed(0)}; ${stepText})`);
  }
}
console.log(`\nwrote ${path.relative(process.cwd(), args.out)}`);
