// One owner per job across tabs: a second tab gets JobLocked at once, or
// waits for the lock when it asks to; closing the job or hiding the page
// releases it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harnessPath, timeout, useHarness } from './harness.mjs';

const lib = '/tests/browser/fixtures/page-lib.mjs';

const harness = useHarness();

// Page side: opens `root` and keeps the Persistency in globalThis.persistency.
async function openRoot({ lib, root }) {
  const { sds } = await import(lib);
  globalThis.persistency = await sds.Persistency.open(root);
}

// Page side: opens job `id` and writes `value` under ('tab', 'owner'), flushed.
async function takeJob({ lib, id, value }) {
  const { bytes } = await import(lib);
  const job = await globalThis.persistency.openJob(id);
  job.put('tab', bytes('owner'), bytes(value));
  await job.flush();
}

// Page side: tries to open job `id` without waiting; returns how that went and how long it took.
async function tryJob({ lib, id }) {
  const { settlement } = await import(lib);
  const started = performance.now();
  const outcome = await settlement(globalThis.persistency.openJob(id));
  return { outcome, ms: performance.now() - started };
}

// Page side: starts openJob(id, { waitForLock: true }) and records when it settles.
async function startWaiting({ lib, id }) {
  const { settlement } = await import(lib);
  globalThis.waiting = { settled: false };
  globalThis.waiting.outcome = settlement(globalThis.persistency.openJob(id, { waitForLock: true }))
    .finally(() => { globalThis.waiting.settled = true; });
}

// Page side: resolves once this origin has a pending Web Lock request, i.e. some
// tab is queued behind the current owner (asks the lock manager until it says so).
async function untilLockRequestQueued() {
  while ((await navigator.locks.query()).pending.length === 0);
}

// Page side: the value the current owner wrote, read through the open job.
async function readOwner({ lib, id }) {
  const { bytes, text } = await import(lib);
  return text(await globalThis.persistency.job(id).get('tab', bytes('owner')));
}

test('a second tab gets JobLocked at once and can open the job after the first closes it', { timeout }, async () => {
  const root = 'tabs/locked';
  const first = await harness.open();
  const second = await harness.open();
  await first.run(openRoot, { lib, root });
  await second.run(openRoot, { lib, root });
  await first.run(takeJob, { lib, id: 'shared', value: 'first' });

  const refused = await second.run(tryJob, { lib, id: 'shared' });
  assert.equal(refused.outcome, 'JobLocked');
  assert.ok(refused.ms < 1000, `JobLocked took ${refused.ms} ms`);
  // Within the owning tab too, a second Persistency on the same root is refused.
  assert.equal((await first.run(async ({ lib, root }) => {
    const { sds, settlement } = await import(lib);
    const other = await sds.Persistency.open(root);
    try {
      return await settlement(other.openJob('shared'));
    } finally {
      await other.close();
    }
  }, { lib, root })), 'JobLocked');

  await first.run(() => globalThis.persistency.closeJob('shared'));
  await second.run(takeJob, { lib, id: 'shared', value: 'second' });
  assert.equal(await second.run(readOwner, { lib, id: 'shared' }), 'second');
  assert.equal((await first.run(tryJob, { lib, id: 'shared' })).outcome, 'JobLocked');

  await second.run(() => globalThis.persistency.close());
  await first.run(takeJob, { lib, id: 'shared', value: 'first again' });
  assert.deepEqual([...first.errors, ...second.errors], []);
  await first.close();
  await second.close();
});

test('waitForLock waits for the owner to close the job, and can be aborted', { timeout }, async () => {
  const root = 'tabs/wait';
  const owner = await harness.open();
  const waiter = await harness.open();
  await owner.run(openRoot, { lib, root });
  await waiter.run(openRoot, { lib, root });
  await owner.run(takeJob, { lib, id: 'shared', value: 'owner' });

  // An aborted wait gives up without taking the lock.
  const aborted = await waiter.run(async ({ lib }) => {
    const { settlement } = await import(lib);
    const controller = new AbortController();
    const outcome = settlement(globalThis.persistency.openJob('shared', { waitForLock: true, signal: controller.signal }));
    while ((await navigator.locks.query()).pending.length === 0);
    controller.abort();
    return { outcome: await outcome, pending: (await navigator.locks.query()).pending.length };
  }, { lib });
  assert.match(aborted.outcome, /^AbortError: /);
  assert.equal(aborted.pending, 0);

  await waiter.run(startWaiting, { lib, id: 'shared' });
  await waiter.run(untilLockRequestQueued);
  assert.equal(await waiter.run(() => globalThis.waiting.settled), false);
  await owner.run(() => globalThis.persistency.closeJob('shared'));
  assert.equal(await waiter.run(() => globalThis.waiting.outcome), 'resolved');
  assert.equal(await waiter.run(readOwner, { lib, id: 'shared' }), 'owner');
  assert.deepEqual([...owner.errors, ...waiter.errors], []);
  await owner.close();
  await waiter.close();
});

test('pagehide releases the jobs of the hidden page', { timeout }, async () => {
  const root = 'tabs/pagehide';
  const owner = await harness.open();
  const waiter = await harness.open();
  await owner.run(openRoot, { lib, root });
  await waiter.run(openRoot, { lib, root });

  // The pagehide handler alone (the page stays alive) releases the job.
  await owner.run(takeJob, { lib, id: 'hidden', value: 'before pagehide' });
  await waiter.run(startWaiting, { lib, id: 'hidden' });
  await waiter.run(untilLockRequestQueued);
  await owner.run(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false })));
  assert.equal(await waiter.run(() => globalThis.waiting.outcome), 'resolved');
  assert.equal(await waiter.run(readOwner, { lib, id: 'hidden' }), 'before pagehide');

  // A real navigation away does the same.
  await owner.run(openRoot, { lib, root });
  await owner.run(takeJob, { lib, id: 'navigated', value: 'before navigation' });
  await waiter.run(startWaiting, { lib, id: 'navigated' });
  await waiter.run(untilLockRequestQueued);
  await owner.goto(harness.server.url(harnessPath));
  assert.equal(await waiter.run(() => globalThis.waiting.outcome), 'resolved');
  assert.equal(await waiter.run(readOwner, { lib, id: 'navigated' }), 'before navigation');
  assert.deepEqual([...owner.errors, ...waiter.errors], []);
  await owner.close();
  await waiter.close();
});
