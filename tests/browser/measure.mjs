// Quick sanity figures for the browser runtime in headless Chromium (not a
// benchmark suite): cold start and put/get throughput on OPFS.
//   node tests/browser/measure.mjs
import { startHarness } from './harness.mjs';

const lib = '/tests/browser/fixtures/page-lib.mjs';
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const harness = await startHarness();
try {
  const setup = await harness.open();
  await setup.run(async ({ lib }) => {
    const { sds, bytes } = await import(lib);
    const persistency = await sds.Persistency.open('measure');
    const job = await persistency.openJob('cold');
    job.put('c', bytes('k'), bytes('v'));
    await job.flush();
    await persistency.close();
  }, { lib });
  await setup.close();

  // Cold start: a fresh page each time, timed from the first import of the package.
  const starts = [];
  for (let i = 0; i < 5; i++) {
    const page = await harness.open();
    starts.push(await page.run(async () => {
      const t0 = performance.now();
      const sds = await import('sds-wasm');
      const t1 = performance.now();
      const persistency = await sds.Persistency.open('measure');
      const job = await persistency.openJob('cold');
      const t2 = performance.now();
      const value = await job.get('c', new TextEncoder().encode('k'));
      const t3 = performance.now();
      if (value?.length !== 1) throw new Error('cold start read the wrong value');
      await persistency.close();
      return { import: t1 - t0, open: t2 - t1, firstGet: t3 - t2, total: t3 - t0 };
    }));
    await page.close();
  }
  const cold = Object.fromEntries(Object.keys(starts[0]).map((k) => [k, median(starts.map((s) => s[k]))]));
  console.log(`cold start (median of 5 fresh pages, ms): ${Object.entries(cold).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);

  const page = await harness.open();
  const figures = await page.run(async ({ lib }) => {
    const { sds, bytes } = await import(lib);
    const persistency = await sds.Persistency.open('measure');
    const payload = new Uint8Array(1024).fill(42);
    const key = (n) => bytes(`k${String(n).padStart(8, '0')}`);
    const rate = (count, ms) => Math.round((count * 1000) / ms);
    const timed = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
    const results = {};

    let job = await persistency.openJob('single');
    const singles = 300;
    results['single put + flush (commits/s)'] = rate(singles, await timed(async () => {
      for (let i = 0; i < singles; i++) { job.put('c', key(i), payload); await job.flush(); }
    }));
    for (const size of [100, 1000]) {
      job = await persistency.openJob(`batch${size}`);
      const rows = 20000;
      results[`batch of ${size} x 1 KiB + flush (rows/s)`] = rate(rows, await timed(async () => {
        for (let b = 0; b < rows / size; b++) {
          const ops = [];
          for (let i = 0; i < size; i++) ops.push({ op: 'put', category: 'c', key: key(b * size + i), payload });
          job.batch(ops);
          await job.flush();
        }
      }));
    }
    job = await persistency.openJob('puts');
    results['20000 fire-and-forget puts + one flush (rows/s)'] = rate(20000, await timed(async () => {
      for (let i = 0; i < 20000; i++) job.put('c', key(i), payload);
      await job.flush();
    }));
    const randomKeys = Array.from({ length: 5000 }, () => key(Math.floor(Math.random() * 20000)));
    results['random get, awaited one by one (gets/s)'] = rate(randomKeys.length, await timed(async () => {
      for (const k of randomKeys) if (!(await job.get('c', k))) throw new Error('missing key');
    }));
    results['random get, 5000 in flight (gets/s)'] = rate(randomKeys.length, await timed(async () => {
      const values = await Promise.all(randomKeys.map((k) => job.get('c', k)));
      if (values.some((v) => !v)) throw new Error('missing key');
    }));
    results['scan of 20000 rows (rows/s)'] = rate(20000, await timed(async () => {
      if ((await job.scan('c')).length !== 20000) throw new Error('short scan');
    }));
    for (const id of ['single', 'batch100', 'batch1000', 'puts', 'cold']) await persistency.dropJob(id);
    await persistency.close();
    return results;
  }, { lib });
  for (const [what, value] of Object.entries(figures)) console.log(`${what}: ${value}`);
  if (page.errors.length) console.log('page errors:', page.errors);
} finally {
  await harness.close();
}
