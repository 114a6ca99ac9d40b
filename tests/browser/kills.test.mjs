// Random kills during mixed traffic: alice and bob exchange ReliableChannel messages through
// the page (each channel on a job of its own) while alice's job takes KV batches, single puts
// and flushes. At a random moment (seeded) one of three kills lands:
//  - terminate: a job worker (alice's or bob's) is terminated (worker.terminate(), which
//    Chromium applies between the worker's tasks);
//  - crash: the renderer process crashes (DevTools Page.crash), mid-step wherever it is;
//  - close: the tab is closed, its workers with it.
// Each kill is followed by a reopen on a fresh page (or the same one after a terminate) and
// the invariants, against what the page reported (console lines) before it died:
//  - PRAGMA integrity_check is ok in both jobs;
//  - KV: every unit (one batch) is entirely present or absent, the present ones are a prefix
//    of the units issued (per page run), every flushed unit is there, the single put after
//    each unit is in order with them, and what one check saw stays there under later kills;
//  - SDS: every delivery reported is still in the log with its seq; `log({ after })` lists
//    exactly the committed deliveries after the last seq reported; no message is delivered
//    twice across kills; every send that resolved is in the log; pending ids are own sends.
// After the last kill the two settle (resends and acknowledgements, no kills): every message
// either side ever sent is delivered to the other, and nothing but each side's last message is
// still pending.
//
// SDS_KILLS sets the number of kills (default 12); SDS_KILLS_SEED the seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { timeout, useHarness } from './harness.mjs';
import { seededRandom, unitRows } from './fixtures/kills-plan.mjs';

const harness = useHarness();

const kills = Number(process.env.SDS_KILLS ?? 12);
const seed = Number(process.env.SDS_KILLS_SEED ?? 20261130);
const participants = ['alice', 'bob'];
const peerOf = { alice: 'bob', bob: 'alice' };
const killKinds = ['terminate', 'crash', 'close'];

const fixture = '/tests/browser/fixtures/kills-traffic.mjs';
const inPage = (page, name, options) =>
  page.run(async ({ fixture, name, options }) => (await import(fixture))[name](options), { fixture, name, options });

/** What the test knows, from the pages' reports and the checks so far. */
class Knowledge {
  delivered = { alice: new Map(), bob: new Map() }; // id → seq
  lastSeq = { alice: 0, bob: 0 };
  sent = { alice: new Set(), bob: new Set() }; // sends that resolved
  flushed = new Map(); // page run → last unit a resolved flush covered
  units = new Map(); // page run → highest unit present, once checked
  repeated = [];
  caughtUp = 0; // deliveries listed by log({ after }) whose events the kill swallowed
  reportsLost = 0; // deliveries whose report died with the page, found in the log

  /** Takes the page's report lines; returns a function that stops listening. */
  listen(page) {
    const onConsole = (message) => {
      const [tag, what, ...fields] = message.text().split(' ');
      if (tag !== 'kills') return;
      if (what === 'delivered') {
        const [p, id, seq] = fields;
        if (this.delivered[p].has(id)) this.repeated.push(`${p} ${id}`);
        this.delivered[p].set(id, Number(seq));
        this.lastSeq[p] = Math.max(this.lastSeq[p], Number(seq));
      } else if (what === 'sent') {
        this.sent[fields[0]].add(fields[1]);
      } else if (what === 'flushed') {
        const [run, unit] = fields.map(Number);
        this.flushed.set(run, Math.max(this.flushed.get(run) ?? -1, unit));
      }
    };
    page.page.on('console', onConsole);
    return () => page.page.off('console', onConsole);
  }
}

/** Checks a reopened state (`inspect`) against what is known, then learns from it. */
function checkReopened(known, seen, { runs, kill }) {
  assert.deepEqual(known.repeated, [], 'a message was delivered twice');
  const logs = {};
  for (const p of participants) {
    assert.equal(seen.integrity[p], 'ok', `${p}: integrity_check`);
    const log = seen.log[p];
    const byId = new Map(log.map((entry) => [entry.id, entry]));
    assert.equal(byId.size, log.length, `${p}: an id twice in the log`);
    for (let i = 1; i < log.length; i++) assert.ok(log[i].seq > log[i - 1].seq, `${p}: log seqs not increasing`);
    for (const [id, seq] of known.delivered[p]) {
      const entry = byId.get(id);
      assert.ok(entry && !entry.own && entry.seq === seq, `${p}: delivery ${id} (seq ${seq}) was lost`);
    }
    assert.deepEqual(seen.logAfter[p], log.filter((entry) => entry.seq > known.lastSeq[p]), `${p}: log({ after })`);
    for (const entry of log) {
      if (entry.own || known.delivered[p].has(entry.id)) continue;
      if (entry.seq > known.lastSeq[p]) {
        known.caughtUp++;
      } else {
        // Reports are console lines: a dying page may not get its last ones out.
        assert.notEqual(kill, 'terminate', `${p}: delivery ${entry.id} was never reported by a living page`);
        known.reportsLost++;
      }
      known.delivered[p].set(entry.id, entry.seq);
    }
    known.lastSeq[p] = Math.max(known.lastSeq[p], ...log.map((entry) => entry.seq));
    const own = new Set(log.filter((entry) => entry.own).map((entry) => entry.id));
    for (const id of known.sent[p]) assert.ok(own.has(id), `${p}: resolved send ${id} is not in the log`);
    for (const id of seen.pending[p]) assert.ok(own.has(id), `${p}: pending ${id} is no own send`);
    logs[p] = log;
  }

  const { units, badPayloads, scratch, last } = seen.kv;
  assert.equal(badPayloads, 0, 'KV rows with the wrong payload');
  for (let run = 0; run < runs; run++) {
    const present = Object.keys(units)
      .map((unit) => unit.split('/').map(Number))
      .filter(([r]) => r === run)
      .map(([, u]) => u)
      .sort((a, b) => a - b);
    present.forEach((u, i) => assert.equal(u, i, `run ${run}: units present are not a prefix: ${present}`));
    for (const u of present) assert.equal(units[`${run}/${u}`], unitRows(u), `run ${run}: unit ${u} is partial`);
    const highest = present.length - 1;
    assert.ok(highest >= (known.flushed.get(run) ?? -1), `run ${run}: flushed through ${known.flushed.get(run)}, present through ${highest}`);
    if (known.units.has(run)) assert.equal(highest, known.units.get(run), `run ${run}: units changed after a later kill`);
    known.units.set(run, highest);
    const scratchOfRun = scratch.filter(([r]) => r === run).map(([, u]) => u);
    assert.deepEqual(scratchOfRun, highest >= 0 ? [highest] : [], `run ${run}: scratch rows`);
    const lastOfRun = last.filter(([r]) => r === run).map(([, u]) => u);
    const allowed = highest < 0 ? [[]] : highest === 0 ? [[], [0]] : [[highest - 1], [highest]];
    assert.ok(allowed.some((value) => JSON.stringify(value) === JSON.stringify(lastOfRun)), `run ${run}: last ${lastOfRun}, units through ${highest}`);
  }
  return logs;
}

test(`${kills} random kills (terminate, renderer crash, tab close) during channel and KV traffic: state stays consistent`, { timeout: Math.max(timeout, kills * 20_000) }, async (t) => {
  const started = Date.now();
  const random = seededRandom(seed);
  const known = new Knowledge();
  const root = 'kills';
  const tally = { terminate: 0, crash: 0, close: 0 };
  let now = 1_000_000;
  let page = await harness.open();
  let stopListening = known.listen(page);
  await inPage(page, 'open', { root, now });

  for (let run = 0; run < kills; run++) {
    await inPage(page, 'startTraffic', { iteration: run, seed: Math.floor(random() * 2 ** 32), maxOps: 100_000 });
    const kill = killKinds[Math.floor(random() * killKinds.length)];
    const victim = participants[Math.floor(random() * participants.length)];
    // A random moment of the traffic: the kill lands wherever the page and workers are.
    await delay(Math.floor(random() * 400));
    assert.deepEqual(page.errors, [], `run ${run}: page errors before the kill`);
    tally[kill]++;
    if (kill === 'terminate') {
      await inPage(page, 'terminate', { participant: victim });
      page.errors.length = 0; // requests the kill rejected may be logged
    } else {
      stopListening();
      if (kill === 'crash') {
        const cdp = await page.page.context().newCDPSession(page.page);
        const crashed = new Promise((resolve) => page.page.once('crash', resolve));
        // The renderer dies on this request, so it never gets an answer.
        cdp.send('Page.crash').catch(() => {});
        await crashed;
      }
      await page.close().catch(() => {});
      page = await harness.open();
      stopListening = known.listen(page);
    }
    now += 10_000_000;
    await inPage(page, 'open', { root, now });
    const seen = await inPage(page, 'inspect', { after: known.lastSeq });
    checkReopened(known, seen, { runs: run + 1, kill });
  }

  const { rounds, latest } = await inPage(page, 'settle', { iteration: kills, maxRounds: 40 });
  assert.ok(rounds < 40, 'the channels did not settle');
  const seen = await inPage(page, 'inspect', { after: known.lastSeq });
  const logs = checkReopened(known, seen, { runs: kills, kill: 'none' });
  for (const p of participants) {
    assert.ok(seen.pending[p].every((id) => id === latest[p]), `${p}: pending after settling: ${seen.pending[p]}`);
    const delivered = new Set(logs[peerOf[p]].filter((entry) => !entry.own).map((entry) => entry.id));
    const undelivered = logs[p].filter((entry) => entry.own && entry.id !== latest[p] && !delivered.has(entry.id));
    assert.deepEqual(undelivered, [], `${p}: sent but never delivered to ${peerOf[p]}`);
  }
  assert.deepEqual(page.errors, []);
  await inPage(page, 'close');
  stopListening();
  await page.close();

  const deliveries = participants.reduce((sum, p) => sum + known.delivered[p].size, 0);
  const units = [...known.units.values()].reduce((sum, highest) => sum + highest + 1, 0);
  t.diagnostic(
    `${kills} kills (seed ${seed}): ${tally.terminate} worker terminations, ${tally.crash} renderer crashes, ${tally.close} tab closes; ` +
      `${deliveries} deliveries (${known.caughtUp} caught up through log({ after }), ${known.reportsLost} reports lost with a page), ` +
      `${units} KV units kept, settled in ${rounds} rounds; ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
});
