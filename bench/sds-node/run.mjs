// SDS side by side in one Node process: our engine through the wasm API (`ours`), the same engine
// behind ReliableChannel with its state on disk (`ours-channel`), @waku/sds 0.0.8 (`waku`) and the
// engine native (`native`, a child process) on the workload of reference/sds-js-waku.md §6.
// Writes build/bench/sds.json (bench contract, section "sds"). See bench/sds-node/README.md.
//
//   node bench/sds-node/run.mjs [--quick] [--n N] [--out PATH] [--systems LIST]
//                               [--histories LIST] [--dialects LIST] [--channel-sync full|normal]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PAYLOAD_BYTES, WINDOW, makePayloads } from './workload.mjs';
import { runOurs } from './ours.mjs';
import { runChannel } from './channel.mjs';
import { runWaku, wakuVersion } from './waku.mjs';
import { runNative } from './native.mjs';
import { snapshotBuilds } from './snapshot.mjs';
import { formatNumber, header, rowLine } from './table.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const SYSTEMS = [
  { id: 'ours', label: 'sds-wasm engine (wasm, in-thread, public ReliabilityManager API)' },
  { id: 'ours-channel', label: 'sds-wasm ReliableChannel (job worker, SQLite on disk)' },
  { id: 'waku', label: `@waku/sds ${wakuVersion} (MessageChannel)` },
  { id: 'native', label: 'sds-wasm engine, native C++ (sds_native_bench --modes peer)' },
];
const HISTORIES = [200, 10, 2];
const DIALECTS = ['nim', 'spec'];
const WARMUP_MESSAGES = 2_000;

function parseList(text, allowed, what) {
  const items = text.split(',').filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item)) throw new Error(`unknown ${what} '${item}' (use ${allowed.join(', ')})`);
  }
  return allowed.filter((item) => items.includes(item));
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      n: { type: 'string' },
      out: { type: 'string', default: path.join(repo, 'build/bench/sds.json') },
      systems: { type: 'string', default: SYSTEMS.map((s) => s.id).join(',') },
      histories: { type: 'string', default: HISTORIES.join(',') },
      dialects: { type: 'string', default: DIALECTS.join(',') },
      'channel-sync': { type: 'string', default: 'full' },
    },
  });
  const n = values.n === undefined ? (values.quick ? 1_000 : 10_000) : Number(values.n);
  if (!Number.isSafeInteger(n) || n < 10) throw new Error('--n needs an integer of at least 10');
  if (!['full', 'normal'].includes(values['channel-sync'])) throw new Error('--channel-sync is full or normal');
  return {
    n,
    quick: values.quick,
    out: path.resolve(values.out),
    systems: parseList(values.systems, SYSTEMS.map((s) => s.id), 'system'),
    histories: parseList(values.histories, HISTORIES.map(String), 'history').map(Number),
    dialects: parseList(values.dialects, DIALECTS, 'dialect'),
    synchronousFull: values['channel-sync'] === 'full',
  };
}

// Progress of the slow systems on stderr, about every 1,000 messages.
function progressReporter(system, history, dialect, n) {
  const started = performance.now();
  return (phase, done) => {
    if (done % WINDOW !== 0 && done !== n) return;
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`  ${system} h${history}/${dialect} ${phase} ${done}/${n} (${seconds} s)\n`);
  };
}

function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null;
}

// The contract's details of one system in one phase (plus what else the run measured).
function details(phase) {
  const { count, window, overall, seconds, ...rest } = phase;
  return { ...rest, window, seconds };
}

function makeRow(op, history, dialect, systems, results) {
  const values = {};
  const perSystem = {};
  const lastOverFirst = {};
  for (const system of systems) {
    const phase = results[system]?.[op];
    values[system] = phase ? phase.overall : null;
    if (phase) perSystem[system] = details(phase);
    lastOverFirst[system] = phase ? ratio(phase.last1k, phase.first1k) : null;
  }
  return {
    id: `${op}/h${history}/${dialect}`,
    label: `${op}, history ${history}, ${dialect} dialect`,
    unit: 'msg/s',
    better: 'higher',
    values,
    details: perSystem,
    ratios: {
      oursOverWaku: ratio(values.ours, values.waku),
      oursOverNative: ratio(values.ours, values.native),
    },
    lastOverFirst,
  };
}

// The three targets the issue sets, per row: ours/waku ≥ 100, ours/native ≥ 0.5, last/first ≥ 0.8.
function checks(rows) {
  const verdict = (value, target) => (value === null ? null : value >= target);
  return rows.map((row) => ({
    row: row.id,
    oursOverWakuAtLeast100: verdict(row.ratios.oursOverWaku, 100),
    oursOverNativeAtLeastHalf: verdict(row.ratios.oursOverNative, 0.5),
    lastOverFirstAtLeast08: Object.fromEntries(
      Object.entries(row.lastOverFirst).map(([system, value]) => [system, verdict(value, 0.8)]),
    ),
  }));
}

async function packageVersion() {
  return JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')).version;
}

function setupLines(options, version, loadAtStart) {
  return [
    `N = ${options.n.toLocaleString('en-US')} messages of ${PAYLOAD_BYTES} bytes on one channel, distinct payloads from the fixed-seed mulberry32 generator of bench/sds_workload.h (the same bytes for every system)`,
    'wrap: the sender wraps all N first (nobody acknowledges, so its outgoing buffer grows to N); unwrap: a second participant unwraps them in send order (all delivered at once, none buffered)',
    `causal history ${options.histories.join(', ')}; bloom filter 10,000 / 0.001; SDS-R repair on; message ids content-addressed (hex SHA-256 of the payload, @waku/sds's rule)`,
    'our engine: log (maxMessageHistory) and outgoing buffer sized to hold all N, like @waku/sds 0.0.8, which bounds neither; no ticks or sweeps, like the @waku/sds harness; simulated clock, 1 ms per message',
    '@waku/sds: pushOutgoingMessage + await processTasks() per wrap, the callback encodes and reports success; Message.decode + pushIncomingMessage + await processTasks() per unwrap',
    'ours and waku: every call timed on its own with performance.now() (ours: wrap/unwrap plus the takeEvents() that drains it); rates count only timed calls; first1k/last1k over the first/last 1,000 messages (half the phase when N < 2,000)',
    `warm-up: ${WARMUP_MESSAGES.toLocaleString('en-US')} untimed messages (history 200) through ours (both dialects) and @waku/sds before the first case; the wasm module is compiled once and instantiated per case`,
    `ours-channel: ReliableChannel in Node (one job per participant, each its own worker thread and SQLite file in a fresh temp directory), WAL, synchronous=${options.synchronousFull ? 'FULL (every step fsynced: durable when its promise resolves)' : 'NORMAL (steps reach the disk at checkpoints; a power loss can lose the last ones)'}; calls issued 1,000 at a time without awaiting each other, a window ends when all of its steps are committed; rates are per window`,
    'native: build/native/bench/sds_native_bench --modes peer (same workload and settings, Wrap/Unwrap + TakeEvents timed per call, forked child, glibc tcache_count=4096)',
    'heapMB: ours, ours-channel and waku = JS heapUsed after a forced full GC (ours: wasmMB is the wasm memory size, rssMB the process RSS; ours-channel: the engine lives in the workers, counted only in rssMB); native = peak RSS of the child (wrap: at the end of the wrap phase)',
    `versions: Node ${process.version}, @waku/sds ${wakuVersion}, sds-wasm ${version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load average at start ${loadAtStart}`,
  ];
}

async function writeResult(options, document) {
  await mkdir(path.dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(document, null, 2)}\n`);
}

// Reads the file back and checks that every row carries a value (or null) for every system listed.
async function validate(file) {
  const document = JSON.parse(await readFile(file, 'utf8'));
  const ids = document.systems.map((s) => s.id);
  for (const row of document.rows) {
    for (const id of ids) {
      if (!(id in row.values)) throw new Error(`${file}: row ${row.id} lacks system ${id}`);
      const value = row.values[id];
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw new Error(`${file}: row ${row.id}, ${id}: ${value}`);
      }
      if (value !== null && !row.details[id]) throw new Error(`${file}: row ${row.id}, ${id}: no details`);
    }
  }
  return document.rows.length;
}

async function warmUp(options, dist) {
  const { payloads, ids } = makePayloads(WARMUP_MESSAGES);
  if (options.systems.includes('ours')) {
    for (const dialect of DIALECTS) await runOurs({ dist, history: 200, dialect, payloads, ids });
  }
  if (options.systems.includes('waku')) await runWaku({ history: 200, payloads, ids });
}

async function main() {
  const options = parseOptions();
  const builds = await snapshotBuilds(repo);
  try {
    await runAll(options, builds);
  } finally {
    await builds.remove();
  }
}

async function runAll(options, builds) {
  if (options.systems.includes('native') && !builds.nativeBinary) {
    throw new Error('build/native/bench/sds_native_bench is missing: bash scripts/build.sh native (or drop native with --systems)');
  }
  const api = await import(pathToFileURL(builds.webEntry).href);
  const loadAtStart = os.loadavg().map((v) => v.toFixed(2)).join(', ');
  const document = {
    section: 'sds',
    title: `SDS wrap/unwrap in Node, ${options.n.toLocaleString('en-US')} x 1 KiB`,
    setup: setupLines(options, await packageVersion(), loadAtStart),
    systems: SYSTEMS.filter((s) => options.systems.includes(s.id)),
    rows: [],
  };
  console.log(document.title);
  for (const line of document.setup) console.log(`- ${line}`);
  const { payloads, ids } = makePayloads(options.n);
  await warmUp(options, builds.dist);
  console.log(`\nmsg/s overall; ratios of overall rates; last/first = last-1k / first-1k rate.\n`);
  console.log(header());

  const runners = {
    ours: ({ history, dialect }) => runOurs({ dist: builds.dist, history, dialect, payloads, ids }),
    native: ({ history, dialect }) => runNative({ binary: builds.nativeBinary, history, dialect, n: options.n }),
    'ours-channel': ({ history, dialect, progress }) =>
      runChannel({ api, history, dialect, payloads, ids, progress, synchronousFull: options.synchronousFull }),
    waku: ({ history, dialect, progress }) => (dialect === 'spec' ? runWaku({ history, payloads, ids, progress }) : null),
  };
  for (const history of options.histories) {
    for (const dialect of options.dialects) {
      const results = {};
      for (const system of ['ours', 'native', 'ours-channel', 'waku'].filter((s) => options.systems.includes(s))) {
        const progress = system === 'ours' || system === 'native' ? undefined : progressReporter(system, history, dialect, options.n);
        results[system] = await runners[system]({ history, dialect, progress });
      }
      for (const op of ['wrap', 'unwrap']) {
        const row = makeRow(op, history, dialect, options.systems, results);
        document.rows.push(row);
        console.log(rowLine(row));
      }
      document.checks = checks(document.rows);
      await writeResult(options, document);
    }
  }

  console.log('\nMemory after each phase, MB (ours: JS heap / wasm memory; channel: JS heap / process RSS; waku: JS heap; native: peak RSS):');
  for (const row of document.rows) {
    const d = row.details;
    const parts = [
      d.ours && `ours ${formatNumber(d.ours.heapMB, 1)} / ${formatNumber(d.ours.wasmMB, 1)}`,
      d['ours-channel'] && `channel ${formatNumber(d['ours-channel'].heapMB, 1)} / ${formatNumber(d['ours-channel'].rssMB, 0)}`,
      d.waku && `waku ${formatNumber(d.waku.heapMB, 1)}`,
      d.native && `native ${formatNumber(d.native.heapMB, 1)}`,
    ].filter(Boolean);
    console.log(`  ${row.id.padEnd(16)} ${parts.join(', ')}`);
  }
  console.log('\nMedian call time first → last window, µs (flat = the cost per message does not grow):');
  for (const row of document.rows) {
    const parts = Object.entries(row.details)
      .filter(([, d]) => d.firstP50Us !== undefined)
      .map(([system, d]) => `${system} ${formatNumber(d.firstP50Us, 1)} → ${formatNumber(d.lastP50Us, 1)}`);
    console.log(`  ${row.id.padEnd(16)} ${parts.join(', ')}`);
  }
  console.log('\nTargets (✓ met, ✗ missed, - not measured): ours/waku ≥ 100×, ours/native ≥ 0.5, last/first ≥ 0.8 per system');
  const mark = (value) => (value === null ? '-' : value ? '✓' : '✗');
  for (const check of document.checks) {
    const lastFirst = Object.entries(check.lastOverFirstAtLeast08).map(([s, v]) => `${s} ${mark(v)}`).join(' ');
    console.log(`  ${check.row.padEnd(16)} ours/waku ${mark(check.oursOverWakuAtLeast100)}  ours/native ${mark(check.oursOverNativeAtLeastHalf)}  last/first: ${lastFirst}`);
  }
  const rows = await validate(options.out);
  console.log(`\nwrote ${path.relative(process.cwd(), options.out)} (${rows} rows, checked); load average now ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
