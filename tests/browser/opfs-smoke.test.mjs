// The platform premise, without the library: a module worker can open an
// OPFS sync access handle from a page served by the test server, the data
// survives a reload and a browser relaunch, and a second handle on the same
// file is refused while the first is open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, timeout } from './harness.mjs';

const workerUrl = '/tests/browser/fixtures/opfs-append-worker.mjs';

// Runs in the page: starts a worker, sends it one request, returns its answer.
// `keep` leaves the worker (and its open handle) alive in `globalThis.heldWorkers`.
function appendInWorker({ workerUrl, file, text, keep }) {
  const worker = new Worker(workerUrl, { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
    worker.postMessage({ file, text, hold: keep });
  }).finally(() => {
    if (keep) (globalThis.heldWorkers ??= []).push(worker);
    else worker.terminate();
  });
}

let harness;
before(async () => {
  harness = await startHarness();
}, { timeout });
after(async () => {
  await harness?.close();
});

test('OPFS sync access handle data survives a reload and a browser relaunch', { timeout }, async () => {
  const file = 'smoke.txt';
  let page = await harness.open();
  assert.equal(await page.run(() => globalThis.crossOriginIsolated), false);
  assert.deepEqual(await page.run(appendInWorker, { workerUrl, file, text: 'one' }), {
    ok: true, before: '', read: 0, written: 3, size: 3,
  });

  await page.reload();
  assert.deepEqual(await page.run(appendInWorker, { workerUrl, file, text: 'two' }), {
    ok: true, before: 'one', read: 3, written: 3, size: 6,
  });
  await page.close();

  await harness.browser.relaunch();
  page = await harness.open();
  assert.deepEqual(await page.run(appendInWorker, { workerUrl, file, text: '' }), {
    ok: true, before: 'onetwo', read: 6, written: 0, size: 6,
  });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a second sync access handle on an open file is refused until the first closes', { timeout }, async () => {
  const file = 'exclusive.txt';
  const page = await harness.open();
  const first = await page.run(appendInWorker, { workerUrl, file, text: 'a', keep: true });
  assert.equal(first.ok, true);
  const second = await page.run(appendInWorker, { workerUrl, file, text: 'b' });
  assert.equal(second.ok, false);
  assert.match(second.error, /^NoModificationAllowedError/);

  const released = await page.run(() => {
    const worker = globalThis.heldWorkers.pop();
    return new Promise((resolve) => {
      worker.onmessage = ({ data }) => resolve(data);
      worker.postMessage({ release: true });
    }).finally(() => worker.terminate());
  });
  assert.deepEqual(released, { ok: true, released: true });
  const third = await page.run(appendInWorker, { workerUrl, file, text: 'c' });
  assert.deepEqual(third, { ok: true, before: 'a', read: 1, written: 1, size: 2 });
  assert.deepEqual(page.errors, []);
  await page.close();
});
