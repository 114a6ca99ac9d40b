// Node numbers for the persistency API (build first: scripts/build.sh):
//   node web/bench/node.mjs [rows]
// Cold start: fresh processes, import → open job → first get. Throughput: one job on a temp
// directory; keys are 00 08 + 8-byte big-endian index, payloads 1 KiB (as in the KV anchors).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rows = Number(process.argv[2] ?? 20000);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-web-bench-'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function coldStart(existing) {
  const script = `
    const t0 = performance.now();
    const { Persistency, keys } = await import('sds-wasm');
    const imported = performance.now();
    const p = await Persistency.open(process.argv[1]);
    const job = await p.openJob('cold');
    const opened = performance.now();
    await job.get('c', keys.key('missing'));
    const done = performance.now();
    console.log(JSON.stringify({ import: imported - t0, open: opened - imported, get: done - opened, total: done - t0 }));
    await p.close();`;
  const run = (root) =>
    JSON.parse(String(execFileSync(process.execPath, ['--input-type=module', '-e', script, root], { cwd: path.dirname(new URL(import.meta.url).pathname) })));
  const runs = [];
  for (let i = 0; i < 7; ++i) {
    const root = path.join(scratch, `cold-${existing}-${i}`);
    if (existing) run(root);
    runs.push(run(root));
  }
  const pick = (field) => median(runs.map((result) => result[field])).toFixed(1);
  const what = existing ? 'existing job' : 'new job';
  console.log(`cold start, ${what} (median of ${runs.length}): total ${pick('total')} ms = import ${pick('import')} + openJob ${pick('open')} + first get ${pick('get')}`);
}

async function throughput() {
  const { Persistency, keys } = await import('sds-wasm');
  const key = (i) => keys.bytes(keys.uint64(i));
  const payload = new Uint8Array(1024).map((_, i) => (i * 131) & 0xff);
  const p = await Persistency.open(path.join(scratch, 'throughput'));
  const rate = (count, ms) => `${Math.round((count / ms) * 1000).toLocaleString('en')} /s (${ms.toFixed(0)} ms)`;
  const time = async (body) => {
    const start = performance.now();
    await body();
    return performance.now() - start;
  };

  const batched = await p.openJob('batched');
  const batchMs = await time(async () => {
    for (let i = 0; i < rows; i += 100) {
      batched.batch(Array.from({ length: 100 }, (_, j) => ({ op: 'put', category: 'c', key: key(i + j), payload })));
      // One batch per turn, as an application issuing them over time would.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await batched.flush();
  });
  console.log(`put, batches of 100, one per turn: ${rate(rows, batchMs)}`);

  const single = await p.openJob('single');
  const singleMs = await time(async () => {
    for (let i = 0; i < rows; ++i) single.put('c', key(i), payload);
    await single.flush();
  });
  console.log(`put, ${rows} single puts then flush: ${rate(rows, singleMs)}`);

  const gets = Math.min(rows, 10000);
  const sequentialMs = await time(async () => {
    for (let i = 0; i < gets; ++i) await single.get('c', key((i * 7919) % rows));
  });
  console.log(`get, awaited one by one: ${rate(gets, sequentialMs)}`);
  const pipelinedMs = await time(() => Promise.all(Array.from({ length: gets }, (_, i) => single.get('c', key((i * 7919) % rows)))));
  console.log(`get, ${gets} issued together: ${rate(gets, pipelinedMs)}`);

  let scanned = 0;
  const scanMs = await time(async () => {
    for (let s = 0; s + 1000 <= rows; s += 1000) scanned += (await single.scan('c', { start: key(s), stop: key(s + 1000) })).length;
  });
  console.log(`scan, ranges of 1000 rows: ${rate(scanned, scanMs)}`);
  await p.close();
}

try {
  coldStart(false);
  coldStart(true);
  await throughput();
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
