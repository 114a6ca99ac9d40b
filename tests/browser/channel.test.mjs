// ReliableChannel in Chromium on OPFS: its state survives a page reload, a killed job worker
// and a crashed renderer. After each, every message whose `delivered` event the page saw is
// still known as delivered (receiving it again is a duplicate), the log after the last seen
// seq holds exactly the committed deliveries whose events were not seen, nothing is delivered
// twice, what was not delivered comes in causal order, and own messages still await
// acknowledgement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeout, useHarness } from './harness.mjs';

const harness = useHarness();

const fixture = '/tests/browser/fixtures/channel-stream.mjs';
const inPage = (page, name, options) =>
  page.run(async ({ fixture, name, options }) => (await import(fixture))[name](options), { fixture, name, options });

// The seq of the last of the deliveries `seen` ({ id, seq }), 0 for none: what an application
// remembers to catch up with `log({ after })`.
const lastSeq = (seen) => Math.max(0, ...seen.map((delivery) => delivery.seq));

// What a reopened receiver must show, given the deliveries `seen` ({ id, seq }) before the crash
// and its log after the last of them (`inspected.missed`).
function assertConsistent(t, { stream, seen: seenDeliveries, inspected, ownSent = [], label }) {
  assert.equal(inspected.integrity, 'ok');
  assert.deepEqual(inspected.order, stream);
  const seen = [...seenDeliveries].sort((a, b) => a.seq - b.seq).map((delivery) => delivery.id);
  const known = new Set(inspected.duplicates);
  // Events seen plus the log after the last seen seq: every committed delivery, once, in order.
  assert.deepEqual([...seen, ...inspected.missed], stream.filter((id) => known.has(id)), 'a committed delivery was lost or repeated');
  assert.ok(inspected.missedOwn.every((id) => id.startsWith('own-')), 'own entries of the log are own sends');
  for (const id of seen) assert.ok(known.has(id), `${id} was delivered before the crash but is unknown after it`);
  const seenSet = new Set(seen);
  assert.deepEqual(inspected.deliveredNow.filter((id) => seenSet.has(id)), [], 'delivered twice');
  assert.deepEqual(inspected.deliveredNow, stream.filter((id) => !known.has(id)), 'the rest arrives, in stream order');
  const resent = new Set(inspected.resent);
  for (const id of ownSent) assert.ok(resent.has(id), `own message ${id} was sent before the crash but is not resent`);
  t.diagnostic(`${label}: ${seen.length} deliveries seen before the crash, ${inspected.missed.length} more from the log, ${known.size} known after it, ${inspected.deliveredNow.length} delivered on replay, ${ownSent.length} own sends resolved`);
}

test('channel state survives a page reload: unacknowledged message resent, received one recognised', { timeout }, async () => {
  const root = 'channel/reload';
  const page = await harness.open();
  const before = await inPage(page, 'beforeReload', { root });
  assert.deepEqual(before.delivered, [before.incoming]);
  await page.reload();
  const after = await inPage(page, 'afterReload', { root });
  assert.equal(after.duplicate, true, 'the received message is still in the history');
  assert.deepEqual(after.deliveredAgain, []);
  assert.deepEqual(after.resent, [before.outgoing]);
  assert.deepEqual(after.carolDelivered, ['from alice, never acknowledged']);
  assert.equal(after.rows, 2);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('job worker terminated mid-stream of sends and receives: no delivery lost or repeated', { timeout }, async (t) => {
  const root = 'channel/terminate';
  const page = await harness.open();
  const stream = await inPage(page, 'prepareStream', { root, count: 80 });
  const run = await inPage(page, 'runStream', { root, killAt: 25, terminate: true });
  assert.equal(run.closed, true);
  assert.ok(run.rejected > 0, 'the kill interrupted the stream');
  assert.ok(run.seen.length >= 25 && run.seen.length < stream.length);
  await page.reload();
  const inspected = await inPage(page, 'inspectStream', { root, after: lastSeq(run.seen) });
  assertConsistent(t, { stream, seen: run.seen, ownSent: run.ownSent, inspected, label: 'terminated' });
  assert.deepEqual(page.errors, []);
  await page.close();
});

for (const run of [1, 2]) {
  test(`renderer crash mid-stream of sends and receives (run ${run}): no delivery lost or repeated`, { timeout }, async (t) => {
    const root = `channel/renderer-${run}`;
    const page = await harness.open();
    const stream = await inPage(page, 'prepareStream', { root, count: 80 });
    // Deliveries the page reported; the crash may swallow the last few reports, so this is a
    // subset of what the page saw (what it must not lose).
    const reported = [];
    page.page.on('console', (message) => {
      const [tag, id, seq] = message.text().split(' ');
      if (tag === 'sds-delivered') reported.push({ id, seq: Number(seq) });
    });
    const started = await inPage(page, 'runStream', { root, killAt: 20 + 10 * run, terminate: false });
    const cdp = await page.page.context().newCDPSession(page.page);
    const crashed = new Promise((resolve) => page.page.once('crash', resolve));
    // The renderer dies on this request, so it never gets an answer.
    cdp.send('Page.crash').catch(() => {});
    await crashed;
    const seen = [...new Map([...started.seen, ...reported].map((delivery) => [delivery.id, delivery])).values()];

    const fresh = await harness.open();
    const inspected = await inPage(fresh, 'inspectStream', { root, after: lastSeq(seen) });
    assertConsistent(t, { stream, seen, inspected, label: `renderer crash ${run}` });
    assert.deepEqual(fresh.errors, []);
    await fresh.close();
  });
}
