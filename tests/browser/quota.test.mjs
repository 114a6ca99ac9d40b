// Running out of storage quota surfaces as PersistencyError 'QuotaExceeded'
// (on flush and as an 'error' event) and never corrupts the database: once
// the quota is raised again the job opens with every flushed write intact.
// The quota is lowered for real through the DevTools protocol; OPFS sync
// access handle writes then throw QuotaExceededError as on a full disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeout, useHarness } from './harness.mjs';

const lib = '/tests/browser/fixtures/page-lib.mjs';

const harness = useHarness();

// Page side: the payload of row `row` of chunk `chunk` (16 KiB, recognisable).
const chunkPayload = (chunk, row) => `${chunk}.${row}|`.repeat(4096).slice(0, 16384);

test('quota exhaustion surfaces as QuotaExceeded and leaves the database intact', { timeout }, async () => {
  const root = 'quota';
  const page = await harness.open();
  const cdp = await page.page.context().newCDPSession(page.page);
  const setQuota = (quotaSize) =>
    cdp.send('Storage.overrideQuotaForOrigin', { origin: harness.server.origin, quotaSize });
  try {
    const usage = await page.run(async ({ lib, root }) => {
      const { sds, bytes } = await import(lib);
      globalThis.persistency = await sds.Persistency.open(root);
      const job = await globalThis.persistency.openJob('full');
      for (let i = 0; i < 64; i++) job.put('base', bytes(`b${i}`), bytes(`base ${i}`.padEnd(1024, '.')));
      await job.flush();
      return (await navigator.storage.estimate()).usage;
    }, { lib, root });

    // A couple of MiB of room: OPFS grants file capacity in chunks of about a MiB.
    await setQuota(usage + 2 * 1024 * 1024);
    const filled = await page.run(async ({ lib, payloadSource }) => {
      const { sds, bytes, settlement } = await import(lib);
      const payload = new Function(`return (${payloadSource})`)();
      const job = globalThis.persistency.job('full');
      const events = [];
      job.addEventListener('error', (event) => events.push(event.error?.kind ?? String(event.error)));
      let lastFlushed = -1;
      let failure;
      for (let chunk = 0; chunk < 400 && failure === undefined; chunk++) {
        const ops = [];
        for (let row = 0; row < 16; row++) {
          ops.push({ op: 'put', category: 'fill', key: bytes(`${chunk}/${row}`), payload: bytes(payload(chunk, row)) });
        }
        job.batch(ops);
        const outcome = await settlement(job.flush());
        if (outcome === 'resolved') lastFlushed = chunk;
        else failure = outcome;
      }
      const afterFailure = {
        base: await settlement(job.count('base').then((n) => { if (n !== 64) throw new Error(`count ${n}`); })),
        write: await settlement((job.put('base', bytes('more'), bytes('x'.repeat(1 << 20))), job.flush())),
      };
      return { lastFlushed, failure, events, afterFailure };
    }, { lib, payloadSource: chunkPayload.toString() });
    assert.equal(filled.failure, 'QuotaExceeded');
    assert.ok(filled.lastFlushed >= 0, 'nothing fit below the quota: the test did not exercise a partial fill');
    assert.ok(filled.events.includes('QuotaExceeded'), `error events: ${filled.events}`);
    assert.deepEqual(filled.afterFailure, { base: 'resolved', write: 'QuotaExceeded' });

    await page.run(() => globalThis.persistency.close());
    await setQuota(undefined);
    await page.reload();
    const reopened = await page.run(async ({ lib, root, payloadSource }) => {
      const { sds, bytes, text } = await import(lib);
      const payload = new Function(`return (${payloadSource})`)();
      const persistency = await sds.Persistency.open(root);
      const job = await persistency.openJob('full');
      let badBase = 0;
      for (const { key, payload: value } of await job.scan('base')) {
        const i = text(key).slice(1);
        if (text(value) !== `base ${i}`.padEnd(1024, '.')) badBase++;
      }
      const chunks = new Map();
      let badFill = 0;
      for (const { key, payload: value } of await job.scan('fill')) {
        const [chunk, row] = text(key).split('/').map(Number);
        chunks.set(chunk, (chunks.get(chunk) ?? 0) + 1);
        if (text(value) !== payload(chunk, row)) badFill++;
      }
      const present = [...chunks.keys()].sort((a, b) => a - b);
      const result = {
        base: await job.count('base'),
        badBase,
        chunks: present.length,
        highestChunk: present.at(-1) ?? -1,
        partialChunks: present.filter((chunk) => chunks.get(chunk) !== 16),
        badFill,
        // PRAGMA integrity_check, on top of the full reads above.
        integrity: await job.integrityCheck(),
      };
      job.put('fill', bytes('after'), bytes(payload(-1, -1)));
      await job.flush();
      result.writable = text(await job.get('fill', bytes('after'))) === payload(-1, -1);
      await persistency.close();
      return result;
    }, { lib, root, payloadSource: chunkPayload.toString() });

    assert.deepEqual(reopened, {
      base: 64,
      badBase: 0,
      // Every flushed chunk is complete; the chunk whose commit failed is absent.
      chunks: filled.lastFlushed + 1,
      highestChunk: filled.lastFlushed,
      partialChunks: [],
      badFill: 0,
      integrity: 'ok',
      writable: true,
    });
    assert.deepEqual(page.errors, []);
  } finally {
    await setQuota(undefined).catch(() => {});
    await cdp.detach().catch(() => {});
  }
  await page.close();
});
