// ReliableChannel in Node: channels in the workers of real jobs (SQLite files in a temp
// directory), exchanging messages through the test, which carries the bytes of one channel's
// send to the other's receive. Time is injected (`clock`), so nothing here waits for a timer
// except the one test of the worker's own timer.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Persistency, PersistencyError, ReliableChannel, SdsError, ChannelEvent, keys } from 'sds-wasm';
import { terminateJobWorker } from 'sds-wasm/testing';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-channel-'));
let rootCount = 0;
const newRoot = () => path.join(scratch, `root-${++rootCount}`);
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const text = (value) => new TextEncoder().encode(value);
const decode = (bytes) => new TextDecoder().decode(bytes);
const eventTypes = ['delivered', 'acknowledged', 'possiblyAcknowledged', 'resend', 'expired', 'missing', 'irretrievablyLost', 'repairReady', 'syncReady', 'bufferFull'];

// A settable clock shared by the channels of a test.
function manualClock(start = 1_000) {
  const clock = () => clock.now;
  clock.now = start;
  return clock;
}

// Every event of `channel`, in order, as { type, ...detail }.
function record(channel) {
  const events = [];
  for (const type of eventTypes) {
    channel.addEventListener(type, (event) => {
      assert.ok(event instanceof ChannelEvent);
      assert.equal(event.channelId, channel.channelId);
      events.push({ type, ...event.detail });
    });
  }
  events.of = (type) => events.filter((event) => event.type === type);
  events.delivered = () => events.of('delivered').map((event) => decode(event.content));
  return events;
}

// Rejects with an SdsError or PersistencyError: "<class>:<kind>".
async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SdsError) return `SdsError:${error.kind}`;
    if (error instanceof PersistencyError) return `PersistencyError:${error.kind}`;
    throw error;
  }
  return 'resolved';
}

// Two participants, each with a channel `room` in a job of its own.
async function pair({ root = newRoot(), clock = manualClock(), config = {}, dialect } = {}) {
  const persistency = await Persistency.open(root);
  const options = (participantId) => ({ participantId, clock, config, ...(dialect ? { dialect } : {}) });
  const alice = await (await persistency.openJob('alice')).channel('room', options('alice'));
  const bob = await (await persistency.openJob('bob')).channel('room', options('bob'));
  return { persistency, root, clock, alice, bob, aliceEvents: record(alice), bobEvents: record(bob) };
}

describe('ReliableChannel', () => {
  test('delivers content with sender and lamport; a reply acknowledges through causal history', async () => {
    const { persistency, clock, alice, bob, aliceEvents, bobEvents } = await pair();
    const sent = await alice.send(text('hello bob'));
    assert.equal(typeof sent.messageId, 'string');
    assert.ok(sent.bytes instanceof Uint8Array && sent.bytes.length > 0);

    const received = await bob.receive(sent.bytes);
    assert.deepEqual(received, { messageId: sent.messageId, kind: 'content', dialect: 'nim', duplicate: false, missing: [] });
    const [delivered] = bobEvents.of('delivered');
    assert.equal(delivered.messageId, sent.messageId);
    assert.equal(delivered.senderId, 'alice');
    assert.equal(delivered.lamport, clock.now);
    assert.equal(decode(delivered.content), 'hello bob');
    assert.deepEqual(aliceEvents.of('acknowledged'), []);

    const reply = await bob.send(text('hi alice'), { messageId: 'bob-1' });
    assert.equal(reply.messageId, 'bob-1');
    await alice.receive(reply.bytes);
    assert.deepEqual(aliceEvents.of('acknowledged').map((event) => event.messageId), [sent.messageId]);
    assert.deepEqual(aliceEvents.delivered(), ['hi alice']);
    await persistency.close();
  });

  test('out-of-order arrival is buffered (missing) and released in causal order', async () => {
    const { persistency, alice, bob, bobEvents } = await pair();
    const sent = [];
    for (const word of ['one', 'two', 'three']) sent.push(await alice.send(text(word)));

    const third = await bob.receive(sent[2].bytes);
    assert.deepEqual(third.missing.map((entry) => entry.messageId).sort(), [sent[0].messageId, sent[1].messageId].sort());
    assert.equal(bobEvents.of('missing')[0].messageId, sent[2].messageId);
    assert.deepEqual(bobEvents.delivered(), []);

    await bob.receive(sent[1].bytes);
    assert.deepEqual(bobEvents.delivered(), [], 'two still waits for one');
    const first = await bob.receive(sent[0].bytes);
    assert.deepEqual(first.missing, []);
    assert.deepEqual(bobEvents.delivered(), ['one', 'two', 'three']);

    const again = await bob.receive(sent[1].bytes);
    assert.equal(again.duplicate, true);
    assert.deepEqual(bobEvents.delivered(), ['one', 'two', 'three']);
    await persistency.close();
  });

  test('markDelivered releases messages that wait only on the marked ids', async () => {
    const { persistency, alice, bob, bobEvents } = await pair();
    const lost = await alice.send(text('lost'));
    const next = await alice.send(text('next'));
    await bob.receive(next.bytes);
    assert.deepEqual(bobEvents.delivered(), []);
    await bob.markDelivered([lost.messageId]);
    assert.deepEqual(bobEvents.delivered(), ['next']);
    await persistency.close();
  });

  test('unacknowledged messages are resent on ticks, then expire (injected clock)', async () => {
    const config = { resendIntervalMs: 1_000, maxResendAttempts: 2, bufferSweepIntervalMs: 100 };
    const { persistency, clock, alice, bob, aliceEvents, bobEvents } = await pair({ clock: manualClock(0), config });
    const sent = await alice.send(text('anyone?'));
    clock.now = 500;
    await alice.tick();
    assert.deepEqual(aliceEvents.of('resend'), []);
    clock.now = 1_001;
    await alice.tick();
    const [resend] = aliceEvents.of('resend');
    assert.equal(resend.messageId, sent.messageId);
    assert.equal(resend.count, 1);
    // The resent bytes are the message: the peer delivers them.
    await bob.receive(resend.bytes);
    assert.deepEqual(bobEvents.delivered(), ['anyone?']);
    await alice.tick(2_100);
    assert.deepEqual(aliceEvents.of('resend').map((event) => event.count), [1, 2]);
    await alice.tick(3_200);
    assert.deepEqual(aliceEvents.of('expired').map((event) => event.messageId), [sent.messageId]);
    assert.deepEqual(aliceEvents.of('acknowledged'), [], 'an expired message is not reported as acknowledged');
    await persistency.close();
  });

  test('close and reopen of the job restore the channel: lamport, unacknowledged messages, delivered ids', async () => {
    const config = { resendIntervalMs: 1_000, bufferSweepIntervalMs: 100 };
    const { persistency, root, clock, alice, bob, bobEvents } = await pair({ config });
    const before = await alice.send(text('before'));
    const fromBob = await bob.send(text('from bob'));
    await alice.receive(fromBob.bytes);
    await bob.receive(before.bytes);
    const lamportBefore = bobEvents.of('delivered')[0].lamport;
    const unacked = await alice.send(text('unacked'));
    await persistency.close();
    assert.equal(alice.closed, true);
    assert.equal(await failure(alice.send(text('x'))), 'PersistencyError:Closed');

    // The clock went back: the lamport clock must still move forward.
    clock.now = 10;
    const reopened = await Persistency.open(root);
    const job = await reopened.openJob('alice');
    const again = await job.channel('room', { participantId: 'alice', clock, config });
    const events = record(again);

    const duplicate = await again.receive(fromBob.bytes);
    assert.equal(duplicate.duplicate, true, 'a delivered id is remembered');
    assert.deepEqual(events.of('delivered'), []);

    await again.tick(clock.now + 5_000);
    // Bob never answered: both own messages are still unacknowledged.
    assert.deepEqual(events.of('resend').map((event) => event.messageId).sort(), [before.messageId, unacked.messageId].sort());

    const after = await again.send(text('after'));
    const bobJob = await reopened.openJob('bob');
    const bobAgain = await bobJob.channel('room', { participantId: 'bob', clock, config });
    const bobAfter = record(bobAgain);
    for (const resend of events.of('resend')) await bobAgain.receive(resend.bytes);
    await bobAgain.receive(after.bytes);
    assert.deepEqual(bobAfter.delivered(), ['unacked', 'after']);
    const [unackedLamport, afterLamport] = bobAfter.of('delivered').map((event) => event.lamport);
    assert.ok(unackedLamport > lamportBefore && afterLamport > unackedLamport, `lamports ${lamportBefore}, ${unackedLamport}, ${afterLamport}`);
    await reopened.close();
  });

  test('channel state is rows of the job, committed in order with the job\'s own writes', async () => {
    const { persistency, alice } = await pair();
    const job = persistency.job('alice');
    job.put('app', keys.key('note'), text('before the send'));
    const sent = await alice.send(text('payload'));
    assert.equal(await job.count('sds.outgoing'), 1);
    assert.equal(await job.count('sds.log'), 1);
    assert.deepEqual(await job.get('app', keys.key('note')), text('before the send'));
    const logKey = keys.key('room', sent.messageId);
    assert.equal(await job.exists('sds.log', logKey), true);
    assert.equal(await job.integrityCheck(), 'ok');
    await alice.close({ remove: true });
    assert.equal(await job.count('sds.log'), 0, 'close({ remove: true }) drops the channel\'s rows');
    await persistency.close();
  });

  test('channels of one job are isolated; another job can open the same channel id', async () => {
    const persistency = await Persistency.open(newRoot());
    const job = await persistency.openJob('many');
    const clock = manualClock();
    const red = await job.channel('red', { participantId: 'me', clock });
    const blue = await job.channel('blue', { participantId: 'me', clock });
    const redOut = await red.send(text('red message'));
    assert.equal(await failure(blue.receive(redOut.bytes)), 'SdsError:InvalidArgument', 'bytes of another channel');
    assert.equal(await failure(job.channel('red', { participantId: 'me' })), 'SdsError:InvalidArgument', 'already open');
    await red.close();
    const redAgain = await job.channel('red', { participantId: 'me', clock });
    const second = await redAgain.send(text('second'));
    assert.notEqual(second.messageId, redOut.messageId);
    assert.equal(await job.count('sds.log', keys.prefixRange(keys.key('red'))), 2);
    assert.equal(await job.count('sds.log', keys.prefixRange(keys.key('blue'))), 0);
    await persistency.close();
  });

  test('spec dialect channels interoperate with nim dialect channels; content-addressed ids', async () => {
    const persistency = await Persistency.open(newRoot());
    const clock = manualClock();
    const spec = await (await persistency.openJob('spec')).channel('room', { participantId: 'js', dialect: 'spec', clock, config: { contentAddressedIds: true } });
    const nim = await (await persistency.openJob('nim')).channel('room', { participantId: 'nim', clock });
    assert.equal(spec.dialect, 'spec');
    const nimEvents = record(nim);
    const sent = await spec.send(text('abc'), { messageId: 'ignored' });
    assert.equal(sent.messageId, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const received = await nim.receive(sent.bytes);
    assert.equal(received.dialect, 'spec');
    assert.deepEqual(nimEvents.delivered(), ['abc']);
    await persistency.close();
  });

  test('bad input is refused with typed errors and leaves the channel working', async () => {
    const { persistency, alice, bob, bobEvents } = await pair();
    const job = persistency.job('alice');
    assert.equal(await failure(alice.send('text')), 'SdsError:InvalidArgument');
    assert.equal(await failure(alice.receive([1, 2, 3])), 'SdsError:InvalidArgument');
    assert.equal(await failure(alice.receive(new Uint8Array([0xff, 0xff]))), 'SdsError:DeserializationError');
    assert.equal(await failure(alice.receive(new Uint8Array())), 'SdsError:DeserializationError');
    assert.equal(await failure(alice.markDelivered(['ok', 7])), 'SdsError:InvalidArgument');
    assert.equal(await failure(alice.tick(1.5)), 'SdsError:InvalidArgument');
    assert.equal(await failure(alice.send(new Uint8Array(2 << 20))), 'SdsError:MessageTooLarge');
    const first = await alice.send(text('first'), { messageId: 'same' });
    assert.equal(await failure(alice.send(text('second'), { messageId: 'same' })), 'SdsError:DuplicateMessageId');
    await bob.receive(first.bytes);

    assert.equal(await failure(job.channel('', { participantId: 'a' })), 'SdsError:InvalidArgument');
    assert.equal(await failure(job.channel('c', {})), 'SdsError:InvalidArgument');
    assert.equal(await failure(job.channel('c', { participantId: 'a', dialect: 'klingon' })), 'SdsError:InvalidArgument');
    assert.equal(await failure(job.channel('c', { participantId: 'a', config: { resendIntervalMs: -1 } })), 'SdsError:InvalidArgument');
    assert.equal(await failure(job.channel('c', { participantId: 'a', config: { noSuchField: 1 } })), 'SdsError:InvalidArgument');
    assert.equal(await failure(job.channel('c', { participantId: 'a', dialect: 'spec', config: { bloomFilterCapacity: 5 } })), 'SdsError:InvalidArgument');

    const sent = await alice.send(text('still works'));
    await bob.receive(sent.bytes);
    assert.deepEqual(bobEvents.delivered().slice(-1), ['still works']);
    await alice.close();
    assert.equal(await failure(alice.receive(sent.bytes)), 'PersistencyError:Closed');
    await persistency.close();
    assert.equal(bob.closed, true, 'closing the job closes its channels');
    assert.equal(await failure(bob.send(text('late'))), 'PersistencyError:Closed');
  });

  test('flush waits for the calls issued before it; the asyncDispose method closes the channel', async () => {
    const { persistency, alice } = await pair();
    const job = persistency.job('alice');
    const scoped = await job.channel('scoped', { participantId: 'alice' });
    assert.ok(scoped instanceof ReliableChannel);
    const sends = [1, 2, 3].map((n) => scoped.send(text(`m${n}`)));
    let allSettled = false;
    Promise.all(sends).then(() => { allSettled = true; });
    await scoped.flush();
    await null; // lets the Promise.all above observe its inputs
    assert.equal(allSettled, true);
    // Node 20 has no Symbol.asyncDispose: the key is the registered symbol the polyfill installs.
    await scoped[Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]();
    assert.equal(scoped.closed, true);
    assert.equal(await job.count('sds.log', keys.prefixRange(keys.key('scoped'))), 3);
    await alice.close();
    await persistency.close();
  });

  test('the worker\'s timer runs periodic work (a sync message) without tick calls', async () => {
    const persistency = await Persistency.open(newRoot());
    const job = await persistency.openJob('timer');
    const channel = await job.channel('room', { participantId: 'me', tickIntervalMs: 20 });
    await channel.send(text('something to sync'));
    const sync = await new Promise((resolve) => channel.addEventListener('syncReady', resolve, { once: true }));
    assert.ok(sync.detail.bytes.length > 0);
    await persistency.close();
  });

  test('log lists deliveries and own sends in order with the seqs of the delivered events', async () => {
    const { persistency, root, clock, alice, bob, bobEvents } = await pair();
    const first = await alice.send(text('one'));
    const second = await alice.send(text('two'));
    const own = await bob.send(text('mine'), { messageId: 'bob-1' });
    await bob.receive(second.bytes); // waits for `first`
    await bob.receive(first.bytes);
    const delivered = bobEvents.of('delivered');
    assert.deepEqual(delivered.map((event) => event.messageId), [first.messageId, second.messageId]);

    const log = await bob.log();
    assert.deepEqual(log.map((entry) => [entry.messageId, entry.senderId, entry.own, decode(entry.content)]), [
      [own.messageId, 'bob', true, 'mine'],
      [first.messageId, 'alice', false, 'one'],
      [second.messageId, 'alice', false, 'two'],
    ]);
    assert.ok(log[0].seq < log[1].seq && log[1].seq < log[2].seq, 'seqs grow along the log');
    assert.deepEqual(delivered.map((event) => event.seq), [log[1].seq, log[2].seq], 'a delivered event carries its log seq');
    assert.deepEqual(delivered.map((event) => event.lamport), [log[1].lamport, log[2].lamport]);

    assert.deepEqual((await bob.log({ after: delivered[0].seq })).map((entry) => entry.messageId), [second.messageId]);
    assert.deepEqual((await bob.log({ limit: 2 })).map((entry) => entry.messageId), [own.messageId, first.messageId]);
    assert.deepEqual(await bob.log({ after: log[2].seq }), []);
    assert.deepEqual(await bob.log({ limit: 0 }), []);
    for (const bad of [{ after: -1 }, { after: 1.5 }, { limit: -1 }, { limit: '2' }, null]) {
      assert.equal(await failure(bob.log(bad)), 'SdsError:InvalidArgument', JSON.stringify(bad));
    }

    // The seqs are those of the rows: the same after a reopen, and later entries go above them.
    await persistency.close();
    const reopened = await Persistency.open(root);
    const bobAgain = await (await reopened.openJob('bob')).channel('room', { participantId: 'bob', clock });
    assert.deepEqual(await bobAgain.log(), log);
    const third = await (await (await reopened.openJob('alice')).channel('room', { participantId: 'alice', clock })).send(text('three'));
    const events = record(bobAgain);
    await bobAgain.receive(third.bytes);
    const [later] = await bobAgain.log({ after: log[2].seq });
    assert.equal(later.messageId, third.messageId);
    assert.equal(events.of('delivered')[0].seq, later.seq);
    await bobAgain.close();
    assert.equal(await failure(bobAgain.log()), 'PersistencyError:Closed');
    await reopened.close();
  });

  test('pending lists the unacknowledged own messages in send order, also after a reopen', async () => {
    const { persistency, root, clock, alice, bob, aliceEvents } = await pair();
    const sent = [];
    for (const id of ['z', 'a', 'm']) sent.push(await alice.send(text(`message ${id}`), { messageId: id }));
    assert.deepEqual(await alice.pending(), ['z', 'a', 'm'], 'send order, not id order');
    assert.deepEqual(await bob.pending(), []);
    await bob.receive(sent[0].bytes);
    await bob.receive(sent[1].bytes);
    const reply = await bob.send(text('got z and a'));
    assert.deepEqual(await bob.pending(), [reply.messageId]);
    await alice.receive(reply.bytes); // its causal history cites z and a
    assert.deepEqual(aliceEvents.of('acknowledged').map((event) => event.messageId), ['z', 'a']);
    assert.deepEqual(await alice.pending(), ['m']);

    await persistency.close();
    const reopened = await Persistency.open(root);
    const aliceAgain = await (await reopened.openJob('alice')).channel('room', { participantId: 'alice', clock });
    assert.deepEqual(await aliceAgain.pending(), ['m']);
    await aliceAgain.close();
    assert.equal(await failure(aliceAgain.pending()), 'PersistencyError:Closed');
    await reopened.close();
  });

  test('ephemeral send: delivered with seq 0 outside the log; never pending, resent or cited', async () => {
    const config = { resendIntervalMs: 1_000, bufferSweepIntervalMs: 100 };
    const { persistency, clock, alice, bob, aliceEvents, bobEvents } = await pair({ config });
    const ephemeral = await alice.send(text('typing'), { ephemeral: true });
    assert.ok(ephemeral.bytes instanceof Uint8Array && ephemeral.bytes.length > 0);
    assert.deepEqual(await alice.pending(), []);
    assert.deepEqual(await alice.log(), []);

    const received = await bob.receive(ephemeral.bytes);
    assert.deepEqual(received, { messageId: ephemeral.messageId, kind: 'ephemeral', dialect: 'nim', duplicate: false, missing: [] });
    const [delivered] = bobEvents.of('delivered');
    assert.deepEqual({ ...delivered, content: decode(delivered.content) }, {
      type: 'delivered', messageId: ephemeral.messageId, senderId: 'alice', lamport: 0, seq: 0, content: 'typing',
    });
    assert.deepEqual(await bob.log(), []);
    assert.equal((await alice.receive(ephemeral.bytes)).duplicate, true, 'an own ephemeral message echoed back');

    const content = await alice.send(text('hello'));
    assert.deepEqual((await bob.receive(content.bytes)).missing, [], 'a content message does not depend on an ephemeral one');
    clock.now += 5_000;
    await alice.tick();
    assert.deepEqual(aliceEvents.of('resend').map((event) => event.messageId), [content.messageId]);
    assert.deepEqual(await alice.pending(), [content.messageId]);

    assert.equal(await failure(alice.send(text('x'), { ephemeral: 'yes' })), 'SdsError:InvalidArgument');
    assert.equal(await failure(alice.send(new Uint8Array(), { ephemeral: true })), 'SdsError:InvalidArgument');
    assert.equal(await failure(alice.send(text('x'), null)), 'SdsError:InvalidArgument');
    await persistency.close();
  });

  test('a killed worker: every delivery seen before the kill stays delivered, none repeats', async (t) => {
    const root = newRoot();
    const clock = manualClock();
    const config = { resendIntervalMs: 1_000, bufferSweepIntervalMs: 100 };
    const persistency = await Persistency.open(root);
    const senderJob = await persistency.openJob('sender');
    const sender = await senderJob.channel('room', { participantId: 'sender', clock });
    const stream = [];
    for (let i = 0; i < 60; i++) stream.push(await sender.send(text(`m${i}`)));

    const receiverJob = await persistency.openJob('receiver');
    const receiver = await receiverJob.channel('room', { participantId: 'receiver', clock, config });
    const seen = new Set();
    let lastSeq = 0;
    receiver.addEventListener('delivered', (event) => {
      assert.ok(event.detail.seq > lastSeq, 'seqs of delivered events grow');
      lastSeq = event.detail.seq;
      seen.add(event.detail.messageId);
    });
    const ownSent = new Set();
    // Receives and own sends in flight together, a few per turn; the kill lands mid-stream, as
    // the 20th delivery is seen.
    let killed;
    receiver.addEventListener('delivered', () => {
      if (seen.size === 20) killed = terminateJobWorker(receiverJob);
    });
    const outcomes = [];
    for (const [i, message] of stream.entries()) {
      outcomes.push(receiver.receive(message.bytes), receiver.send(text(`own ${i}`), { messageId: `own-${i}` }).then(() => ownSent.add(`own-${i}`)));
      if (i % 4 === 3) await new Promise((resolve) => setImmediate(resolve));
    }
    await killed;
    const results = await Promise.allSettled(outcomes);
    assert.ok(results.some((result) => result.status === 'rejected'), 'the kill interrupted the stream');
    assert.equal(receiver.closed, true);

    const job = await persistency.openJob('receiver');
    const reopened = await job.channel('room', { participantId: 'receiver', clock, config });
    const events = record(reopened);
    // What the application missed: committed before the kill, its event never seen.
    const missed = await reopened.log({ after: lastSeq });
    const missedDeliveries = missed.filter((entry) => !entry.own).map((entry) => entry.messageId);
    assert.ok(missed.filter((entry) => entry.own).every((entry) => entry.senderId === 'receiver' && entry.messageId.startsWith('own-')));
    const duplicates = new Set();
    for (const message of stream) {
      if ((await reopened.receive(message.bytes)).duplicate) duplicates.add(message.messageId);
    }
    for (const id of seen) assert.ok(duplicates.has(id), `${id} was delivered before the kill but is not known after it`);
    // Seen events and the log after the last seen seq are every committed delivery, each once, in order.
    const committed = stream.map((m) => m.messageId).filter((id) => duplicates.has(id));
    assert.deepEqual([...seen, ...missedDeliveries], committed, 'no committed delivery lost or repeated');
    const again = events.of('delivered').map((event) => event.messageId);
    assert.deepEqual(again.filter((id) => seen.has(id)), [], 'delivered twice');
    // Delivery stays causal: what was not delivered before comes now, in stream order.
    assert.deepEqual(again, stream.map((m) => m.messageId).filter((id) => !duplicates.has(id)));
    // Own messages whose send resolved are still unacknowledged: resent.
    await reopened.tick(clock.now + 5_000);
    const resent = new Set(events.of('resend').map((event) => event.messageId));
    for (const id of ownSent) assert.ok(resent.has(id), `${id} was sent before the kill but is not resent`);
    assert.equal(await job.integrityCheck(), 'ok');
    t.diagnostic(`before the kill: ${seen.size} delivered, ${ownSent.size} sent; committed but not seen (from the log): ${missedDeliveries.length}`);
    await persistency.close();
  });
});
