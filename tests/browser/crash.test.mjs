// Crashes in the middle of a stream of atomic batches. After reopening:
// every batch is entirely present or entirely absent, the present ones are a
// prefix of the stream (writes are never reordered), every flushed batch is
// present, all rows read back intact and the job takes new writes.
//
// Two kinds of crash:
// - terminateJobWorker (worker.terminate()): the worker dies between tasks.
//   Chromium lets a running task go on for up to ~2 s after terminate(), so
//   this loses the batches queued behind the running commit, never half of one.
// - the renderer process crashes (DevTools Page.crash) while a commit is
//   writing the journal or WAL: a torn transaction that SQLite must recover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeout, useHarness } from './harness.mjs';

const harness = useHarness();

const stream = '/tests/browser/fixtures/crash-stream.mjs';
// Page side: runs `name` from the stream fixture.
const inPage = (page, name, options) =>
  page.run(async ({ stream, name, options }) => (await import(stream))[name](options), { stream, name, options });

// Checks what `inspect` saw against the crash that `issued` batches went through.
function assertRecovered(t, seen, { flushedThrough, issued, label }) {
  assert.deepEqual(seen.partial, [], 'batches present only in part');
  assert.equal(seen.badPayloads, 0);
  assert.equal(seen.present, seen.highest + 1, 'surviving batches are not a prefix of the stream');
  assert.ok(seen.highest >= flushedThrough, `batch ${flushedThrough} was flushed but only ${seen.highest} survived`);
  assert.ok(seen.highest < issued);
  assert.equal(seen.last, seen.highest >= 0 ? String(seen.highest) : undefined);
  assert.deepEqual(seen.scratch, seen.highest >= 0 ? [seen.highest] : []);
  assert.equal(seen.integrity, 'ok');
  assert.equal(seen.writable, 'crash');
  t.diagnostic(`${label}: ${seen.present}/${issued} batches survived, flushed through ${flushedThrough}; files ${JSON.stringify(seen.files)}`);
}

// The default journal (WAL) and a rollback journal (hot-journal recovery).
const wal = {};
const rollback = { journalMode: 'truncate' };

const terminations = [
  { name: 'as the first flush resolves, with later batches queued', store: rollback, batches: 400, yieldEvery: 5, flushEvery: 5, killAtFlush: 0, reload: false },
  { name: 'as the 4th flush resolves, then reloaded', store: wal, batches: 1000, yieldEvery: 10, flushEvery: 20, killAtFlush: 3, reload: true },
  { name: 'as the 7th flush resolves, in bursts of 100 batches', store: wal, batches: 3000, yieldEvery: 100, flushEvery: 100, killAtFlush: 6, reload: false },
  // Several 4 MiB write messages at once: the kill lands between their commits.
  { name: 'a task after 2000 batches issued in one turn, then reloaded', store: rollback, batches: 2000, yieldEvery: Infinity, flushEvery: Infinity, tasksBeforeKill: 1, reload: true },
  { name: 'before the only batch reached the worker', store: wal, batches: 1, yieldEvery: Infinity, flushEvery: Infinity, tasksBeforeKill: 0, reload: false },
];

for (const [index, point] of terminations.entries()) {
  const journal = point.store.journalMode ?? 'wal';
  test(`worker terminated ${point.name} (${journal}): batches all-or-nothing, flushed ones kept`, { timeout }, async (t) => {
    const options = { ...point, root: `crash/terminate-${index}`, rowsPerBatch: 8 };
    const page = await harness.open();
    const killed = await inPage(page, 'streamAndTerminate', options);
    assert.equal(killed.closed, true);
    if (point.reload) await page.reload();
    const seen = await inPage(page, 'inspect', { ...options, reuse: !point.reload });
    assertRecovered(t, seen, { ...killed, issued: point.batches, label: `terminated ${point.name}` });
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

for (const [index, store] of [rollback, wal, rollback, wal].entries()) {
  const journal = store.journalMode ?? 'wal';
  test(`renderer crash while a ~3 MiB commit writes its ${journal === 'wal' ? 'WAL' : 'journal'} (run ${index + 1}): the commit is all-or-nothing`, { timeout }, async (t) => {
    const options = { store, root: `crash/renderer-${index}`, rowsPerBatch: 3000, flushed: 2 };
    const page = await harness.open();
    const started = await inPage(page, 'startCommit', options);
    const cdp = await page.page.context().newCDPSession(page.page);
    const crashed = new Promise((resolve) => page.page.once('crash', resolve));
    // The renderer dies on this request, so it never gets an answer.
    cdp.send('Page.crash').catch(() => {});
    await crashed;

    const fresh = await harness.open();
    const seen = await inPage(fresh, 'inspect', { ...options, reuse: false });
    assertRecovered(t, seen, { ...started, issued: options.flushed + 1, label: `renderer crash (${journal})` });
    assert.deepEqual(fresh.errors, []);
    await fresh.close();
  });
}
