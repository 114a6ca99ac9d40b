// Drives the OPFS journal-mode benchmark in Debian's headless Chromium and
// prints a table. The profile lives on disk (not an in-memory incognito
// profile), so OPFS writes and flushes reach the file system.
//   node bench/opfs/run.mjs [--repeat=3] [--rows=100000] [--commits=1000] [--gets=10000] [--configs=a,b]
// With --repeat, every cell is the median over the runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const params = Object.fromEntries(process.argv.slice(2)
  .map((arg) => arg.replace(/^--/, '').split('='))
  .map(([name, value]) => [name, value ?? '']));

const server = await serve();
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-opfs-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await context.newPage();
  page.on('console', (message) => console.error(`[page] ${message.text()}`));
  page.setDefaultTimeout(0);
  const repeat = Number(params.repeat ?? 1);
  const runs = [];
  for (let run = 0; run < repeat; run++) {
    const query = new URLSearchParams({ ...params, rotate: String(run) });
    await page.goto(`${server.origin}/bench/opfs/index.html?${query}`);
    runs.push(await page.evaluate(() => window.benchResults));
  }
  const results = Object.assign(medians(runs), {
    rows: Number(params.rows ?? 100000),
    gets: Number(params.gets ?? 10000),
  });
  console.log(`Chromium ${context.browser()?.version() ?? ''}, page size 8192, rows of 1 KiB` +
    ` (single commits: 100 B), ${os.cpus().length} cores, median of ${repeat} run(s)`);
  printTable(results);
} finally {
  await context.close();
  await server.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

// One result per configuration, each number the median of its runs.
function medians(runs) {
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  const merge = (samples) => (typeof samples[0] === 'number' ? median(samples)
    : typeof samples[0] === 'object'
      ? Object.fromEntries(Object.keys(samples[0]).map((k) => [k, merge(samples.map((s) => s[k]))]))
      : samples[0]);
  return runs[0].map(({ config }) => merge(runs.map((run) => run.find((r) => r.config === config))));
}

function printTable(results) {
  const header = ['config', 'commit p50 ms', 'p99 ms', 'flush/commit', '1000 commits s',
    'batch 100 s', 'MiB/s', 'batch 1000 s', 'MiB/s', 'get µs', 'db MiB'];
  const seconds = (ms) => (ms / 1000).toFixed(2);
  const mibPerSecond = (ms) => (results.rows / 1024 / (ms / 1000)).toFixed(1);
  const rows = results.map((r) => [
    r.config,
    r.commits.p50Ms.toFixed(2), r.commits.p99Ms.toFixed(2), r.commits.flushesPerCommit.toFixed(1),
    seconds(r.commits.totalMs),
    seconds(r.bulk100.ms), mibPerSecond(r.bulk100.ms),
    seconds(r.bulk1000.ms), mibPerSecond(r.bulk1000.ms),
    ((r.gets.ms * 1000) / results.gets).toFixed(1), Number.isNaN(r.dbMiB) ? '-' : r.dbMiB.toFixed(1),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => (i ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const row of rows) console.log(line(row));
}
