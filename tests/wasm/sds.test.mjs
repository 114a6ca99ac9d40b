// The SDS engine compiled to wasm, driven from Node in-thread: a two-party
// exchange, sync and ephemeral messages, SDS-R repair among three parties,
// resend and expiry, and bad input, which must give typed errors and never
// throw. Every time is injected; nothing sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore, text, decode, ok } from './core.mjs';

const CHANNEL = 'channel';
const MiB = 1 << 20;

let core;
const managers = [];

before(async () => {
  core = await loadCore();
});

after(() => {
  for (const rm of managers) rm.delete();
});

// A manager freed after the tests.
function manager(participantId, config = {}) {
  const rm = ok(core.ReliabilityManager.create(participantId, config));
  managers.push(rm);
  return rm;
}

const ofType = (events, type) => events.filter((event) => event.type === type);
const summary = (events) => events.map((event) => [event.type, event.messageId]);

function assertError(result, kind) {
  assert.equal(result.ok, false, `expected ${kind}, got ok`);
  assert.equal(result.error.kind, kind, result.error.message);
  assert.equal(typeof result.error.message, 'string');
}

// Peers on one channel over an in-process broadcast: everything a peer's
// events ask to send (sync, repair, resend) is relayed to the others.
function network(ids, config) {
  const peers = new Map(ids.map((id) => [id, manager(id, config)]));
  const delivered = new Map(ids.map((id) => [id, []]));
  const events = new Map(ids.map((id) => [id, []]));
  const wire = [];

  function send(from, bytes, now, dropAt = []) {
    for (const [id, rm] of peers) {
      if (id !== from && !dropAt.includes(id)) ok(rm.unwrap(bytes, now));
    }
  }

  function pump(now) {
    for (let relayed = true; relayed;) {
      relayed = false;
      for (const [id, rm] of peers) {
        for (const event of rm.takeEvents()) {
          events.get(id).push(event);
          if (event.type === 'delivered') delivered.get(id).push(event.messageId);
          if (!event.bytes) continue;
          wire.push({ from: id, type: event.type, messageId: event.messageId });
          send(id, event.bytes, now);
          relayed = true;
        }
      }
    }
  }

  return {
    delivered,
    events,
    wire,
    broadcast(from, content, messageId, now, dropAt = []) {
      const bytes = ok(peers.get(from).wrap(CHANNEL, text(content), messageId, now));
      wire.push({ from, type: 'message', messageId });
      send(from, bytes, now, dropAt);
      pump(now);
    },
    tickAll(now) {
      for (const rm of peers.values()) {
        ok(rm.tick(now));
        pump(now);
      }
    },
  };
}

test('two parties: a gap is reported, then filled in causal order, then acknowledged', () => {
  const alice = manager('alice');
  const bob = manager('bob');
  ok(alice.setRetrievalHintProvider((messageId) => text(`hint:${messageId}`)));

  const m1 = ok(alice.wrap(CHANNEL, text('first'), 'm1', 1000));
  const m2 = ok(alice.wrap(CHANNEL, text('second'), 'm2', 1001));
  assert.ok(m1 instanceof Uint8Array && m1.length > 0);
  assert.deepEqual(alice.takeEvents(), []);

  const gap = [{ messageId: 'm1', retrievalHint: text('hint:m1'), senderId: 'alice' }];
  const early = ok(bob.unwrap(m2, 1100));
  assert.deepEqual({ ...early, content: decode(early.content) }, {
    channelId: CHANNEL,
    messageId: 'm2',
    kind: 'content',
    dialect: 'nim',
    duplicate: false,
    content: 'second',
    missing: gap,
  });
  assert.deepEqual(bob.takeEvents(),
    [{ type: 'missing', channelId: CHANNEL, messageId: 'm2', entries: gap }]);

  const late = ok(bob.unwrap(m1, 1200));
  assert.deepEqual(late.missing, []);
  const delivered = bob.takeEvents();
  assert.deepEqual(summary(delivered), [['delivered', 'm1'], ['delivered', 'm2']]);
  assert.deepEqual(delivered[0], {
    type: 'delivered',
    channelId: CHANNEL,
    messageId: 'm1',
    senderId: 'alice',
    lamport: 1000,
    content: text('first'),
  });
  assert.equal(decode(delivered[1].content), 'second');
  assert.equal(delivered[1].lamport, 1001);

  assert.equal(ok(bob.unwrap(m1, 1250)).duplicate, true);
  assert.deepEqual(bob.takeEvents(), []);

  const reply = ok(bob.wrap(CHANNEL, text('reply'), 'r1', 1300));
  ok(alice.unwrap(reply, 1400));
  const events = alice.takeEvents();
  const acknowledged = ofType(events, 'acknowledged').map((event) => event.messageId);
  assert.deepEqual(acknowledged.sort(), ['m1', 'm2']);
  assert.deepEqual(summary(ofType(events, 'delivered')), [['delivered', 'r1']]);
});

test('bloom filter hits count as possible acknowledgements up to the threshold', () => {
  const alice = manager('alice', { possibleAcksThreshold: 2 });
  const bob = manager('bob', { maxCausalHistory: 1 });
  const m1 = ok(alice.wrap(CHANNEL, text('1'), 'm1', 10));
  const m2 = ok(alice.wrap(CHANNEL, text('2'), 'm2', 11));
  ok(bob.unwrap(m1, 12));
  ok(bob.unwrap(m2, 13));

  // r1 cites only m2; m1 is in its bloom filter.
  ok(alice.unwrap(ok(bob.wrap(CHANNEL, text('r1'), 'r1', 20)), 21));
  const first = alice.takeEvents();
  assert.deepEqual(ofType(first, 'acknowledged').map((event) => event.messageId), ['m2']);
  assert.deepEqual(ofType(first, 'possiblyAcknowledged'),
    [{ type: 'possiblyAcknowledged', channelId: CHANNEL, messageId: 'm1', count: 1 }]);

  ok(alice.unwrap(ok(bob.wrap(CHANNEL, text('r2'), 'r2', 30)), 31));
  assert.deepEqual(ofType(alice.takeEvents(), 'acknowledged'),
    [{ type: 'acknowledged', channelId: CHANNEL, messageId: 'm1' }]);
});

test('tick produces sync messages on schedule; wrapSync builds one on demand', () => {
  const alice = manager('alice');
  const bob = manager('bob', { syncMessageIntervalMs: 30_000 });
  ok(bob.ensureChannel(CHANNEL));
  assert.equal(ok(bob.wrapSync(CHANNEL, 0)), null, 'nothing to sync yet');

  ok(bob.unwrap(ok(alice.wrap(CHANNEL, text('hello'), 'm1', 10)), 20));
  bob.takeEvents();
  ok(bob.tick(1000));
  const syncs = ofType(bob.takeEvents(), 'syncReady');
  assert.equal(syncs.length, 1);
  assert.deepEqual(Object.keys(syncs[0]).sort(), ['bytes', 'channelId', 'type']);
  assert.equal(syncs[0].channelId, CHANNEL);

  const sync = ok(alice.unwrap(syncs[0].bytes, 1010));
  assert.equal(sync.kind, 'sync');
  assert.equal(sync.content.length, 0);
  // The sync cites m1: alice's message is acknowledged, nothing is delivered.
  assert.deepEqual(alice.takeEvents(),
    [{ type: 'acknowledged', channelId: CHANNEL, messageId: 'm1' }]);

  ok(bob.tick(1500));
  assert.deepEqual(ofType(bob.takeEvents(), 'syncReady'), [], 'not due again yet');
  ok(bob.tick(31_000));
  assert.equal(ofType(bob.takeEvents(), 'syncReady').length, 1);

  const onDemand = ok(bob.wrapSync(CHANNEL, 31_010));
  assert.ok(onDemand instanceof Uint8Array && onDemand.length > 0);
  assert.equal(ok(alice.unwrap(onDemand, 31_020)).kind, 'sync');
});

test('ephemeral messages are delivered at once and never resent', () => {
  const alice = manager('alice', { resendIntervalMs: 10, bufferSweepIntervalMs: 1 });
  const bob = manager('bob');
  const bytes = ok(alice.wrapEphemeral(CHANNEL, text('typing…'), 'e1'));
  const received = ok(bob.unwrap(bytes, 5));
  assert.equal(received.kind, 'ephemeral');
  assert.deepEqual(received.missing, []);
  assert.deepEqual(bob.takeEvents(), [{
    type: 'delivered',
    channelId: CHANNEL,
    messageId: 'e1',
    senderId: 'alice',
    lamport: 0,
    content: text('typing…'),
  }]);
  ok(alice.tick(0));
  ok(alice.tick(1000));
  assert.deepEqual(ofType(alice.takeEvents(), 'resend'), []);
});

test('an unacknowledged message is resent, then expires', () => {
  const alice = manager('alice', {
    resendIntervalMs: 100,
    maxResendAttempts: 2,
    bufferSweepIntervalMs: 1,
    syncMessageIntervalMs: 1_000_000,
  });
  const bob = manager('bob');
  ok(alice.wrap(CHANNEL, text('anyone there?'), 'm1', 0));
  const tick = (now) => {
    ok(alice.tick(now));
    return alice.takeEvents().filter((event) => event.type !== 'syncReady');
  };

  assert.deepEqual(tick(0), []);
  assert.deepEqual(tick(100), [], 'due only once more than resendIntervalMs has passed');
  const [first] = tick(101);
  assert.deepEqual({ ...first, bytes: undefined },
    { type: 'resend', channelId: CHANNEL, messageId: 'm1', bytes: undefined, count: 1 });
  ok(bob.unwrap(first.bytes, 150));
  assert.deepEqual(summary(bob.takeEvents()), [['delivered', 'm1']]);

  assert.deepEqual(tick(201), [], 'the interval restarts at each resend');
  assert.deepEqual(tick(202).map((event) => [event.type, event.count]), [['resend', 2]]);
  assert.deepEqual(tick(303), [{ type: 'expired', channelId: CHANNEL, messageId: 'm1' }]);
  assert.deepEqual(tick(10_000), []);
});

test('SDS-R: a message one party missed is repaired among three, driven by tick alone', () => {
  const net = network(['alice', 'bob', 'carol'], {
    repairTMinMs: 100,
    repairTMaxMs: 1000,
    repairSweepIntervalMs: 1,
    syncMessageIntervalMs: 50,
  });
  net.broadcast('alice', 'one', 'm1', 0, ['bob']);
  net.broadcast('carol', 'two', 'm2', 10);
  assert.deepEqual(net.delivered.get('bob'), []);
  const [missing] = ofType(net.events.get('bob'), 'missing');
  assert.equal(missing.messageId, 'm2');
  assert.deepEqual(missing.entries.map((entry) => [entry.messageId, entry.senderId]),
    [['m1', 'alice']]);

  for (let now = 20; now <= 3000; now += 10) net.tickAll(now);

  assert.deepEqual(net.delivered.get('bob'), ['m1', 'm2']);
  assert.deepEqual(net.delivered.get('carol'), ['m1']);
  assert.deepEqual(net.delivered.get('alice'), ['m2']);
  const repairs = net.wire.filter((sent) => sent.type === 'repairReady');
  assert.deepEqual(repairs.map((sent) => sent.messageId), ['m1'], 'one repair on the wire');
  for (const events of net.events.values()) {
    assert.deepEqual(ofType(events, 'irretrievablyLost'), []);
  }
});

test('markDependenciesMet releases waiting messages; channels can be removed and reset', () => {
  const alice = manager('alice');
  const bob = manager('bob');
  ok(alice.wrap(CHANNEL, text('fetched elsewhere'), 'm1', 0));
  ok(bob.unwrap(ok(alice.wrap(CHANNEL, text('waits'), 'm2', 1)), 2));
  assert.deepEqual(summary(bob.takeEvents()), [['missing', 'm2']]);
  ok(bob.markDependenciesMet(CHANNEL, ['m1'], 3));
  assert.deepEqual(summary(bob.takeEvents()), [['delivered', 'm2']]);

  assert.equal(bob.hasChannel(CHANNEL), true);
  ok(bob.removeChannel(CHANNEL));
  assert.equal(bob.hasChannel(CHANNEL), false);
  ok(bob.removeChannel(CHANNEL));
  ok(bob.ensureChannel('a'));
  ok(bob.ensureChannel('b'));
  ok(bob.reset());
  assert.equal(bob.hasChannel('a') || bob.hasChannel('b'), false);
});

test('hint provider: a throw or a non-Uint8Array gives no hint; re-entry is refused', () => {
  const alice = manager('alice');
  const bob = manager('bob');
  const hints = (bytes, now) =>
    ok(bob.unwrap(bytes, now)).missing.map((entry) => decode(entry.retrievalHint));
  ok(alice.wrap(CHANNEL, text('1'), 'm1', 0));

  let reentry;
  ok(alice.setRetrievalHintProvider(() => {
    reentry = alice.wrap(CHANNEL, text('inner'), 'inner', 1);
    throw new Error('provider failed');
  }));
  assert.deepEqual(hints(ok(alice.wrap(CHANNEL, text('2'), 'm2', 1)), 2), ['']);
  assertError(reentry, 'InvalidArgument');

  // m3 cites m1 and m2; bob still misses m1 and holds m2 back.
  ok(alice.setRetrievalHintProvider(() => 'not bytes'));
  assert.deepEqual(hints(ok(alice.wrap(CHANNEL, text('3'), 'm3', 3)), 4), ['', '']);

  ok(alice.setRetrievalHintProvider((messageId) => text(`at:${messageId}`)));
  assert.deepEqual(hints(ok(alice.wrap(CHANNEL, text('4'), 'm4', 5)), 6),
    ['at:m1', 'at:m2', 'at:m3']);
  ok(alice.setRetrievalHintProvider(null));
  assert.deepEqual(hints(ok(alice.wrap(CHANNEL, text('5'), 'm5', 7)), 8), ['', '', '', '']);
  assertError(alice.setRetrievalHintProvider('not a function'), 'InvalidArgument');
});

test('bad input gives typed errors and never throws', () => {
  const rm = manager('alice');
  assertError(rm.unwrap(Uint8Array.from([0xff, 0xff, 0xff]), 0), 'DeserializationError');
  assertError(rm.unwrap(text('certainly not protobuf'), 0), 'DeserializationError');
  assertError(rm.unwrap(new Uint8Array(), 0), 'DeserializationError');

  assertError(rm.wrap(CHANNEL, new Uint8Array(), 'empty', 0), 'InvalidArgument');
  assertError(rm.wrapEphemeral(CHANNEL, new Uint8Array(), 'empty'), 'InvalidArgument');
  assertError(rm.wrap(CHANNEL, new Uint8Array(MiB + 1), 'big', 0), 'MessageTooLarge');
  assertError(rm.wrapEphemeral(CHANNEL, new Uint8Array(MiB + 1), 'big'), 'MessageTooLarge');
  ok(rm.wrap(CHANNEL, new Uint8Array(MiB).fill(7), 'largest', 0));
  assertError(rm.wrap(CHANNEL, text('again'), 'largest', 1), 'DuplicateMessageId');
  assertError(rm.wrap('', text('x'), 'm', 0), 'InvalidArgument');
  assertError(rm.wrap(CHANNEL, text('x'), '', 0), 'InvalidArgument');
  assertError(rm.markDependenciesMet('no such channel', ['m'], 0), 'InvalidArgument');

  // Wrong JS types are InvalidArgument too.
  for (const badTime of [1.5, NaN, Infinity, 2 ** 53, '5', 5n, null, undefined]) {
    assertError(rm.wrap(CHANNEL, text('x'), 'm', badTime), 'InvalidArgument');
    assertError(rm.tick(badTime), 'InvalidArgument');
  }
  for (const badBytes of ['text', [1, 2], null, new ArrayBuffer(4), new Uint16Array(2)]) {
    assertError(rm.wrap(CHANNEL, badBytes, 'm', 0), 'InvalidArgument');
    assertError(rm.unwrap(badBytes, 0), 'InvalidArgument');
  }
  assertError(rm.wrap(42, text('x'), 'm', 0), 'InvalidArgument');
  assertError(rm.wrapSync({}, 0), 'InvalidArgument');
  assertError(rm.ensureChannel(undefined), 'InvalidArgument');
  assertError(rm.markDependenciesMet(CHANNEL, 'm1', 0), 'InvalidArgument');
  assertError(rm.markDependenciesMet(CHANNEL, ['m1', 2], 0), 'InvalidArgument');
  assert.equal(rm.hasChannel(42), false);

  for (const config of [
    { bogus: 1 },
    { resendIntervalMs: '5' },
    { resendIntervalMs: 1.5 },
    { maxCausalHistory: -1 },
    { maxResendAttempts: 2 ** 31 },
    { bloomFilterErrorRate: NaN },
    { bloomFilterErrorRate: 2 },
    { bloomFilterCapacity: 0 },
    { resendIntervalMs: 0 },
    { repairTMinMs: 10, repairTMaxMs: 5 },
    { dialect: 'klingon' },
    { dialect: 1 },
    42,
    'config',
    [],
    () => {},
  ]) {
    assertError(core.ReliabilityManager.create('bob', config), 'InvalidArgument');
  }
  assertError(core.ReliabilityManager.create(7), 'InvalidArgument');
});

test('configs: defaults, explicit fields and the throwing constructor', () => {
  const configs = [undefined, null, {}, { resendIntervalMs: undefined }, { dialect: 'spec' }];
  for (const config of configs) {
    ok(core.ReliabilityManager.create('carol', config)).delete();
  }
  ok(core.ReliabilityManager.create('carol')).delete();

  const constructed = new core.ReliabilityManager('carol', { maxCausalHistory: 3, dialect: 'nim' });
  assert.equal(ok(constructed.wrapSync(CHANNEL, 0)), null);
  constructed.delete();
  new core.ReliabilityManager('carol').delete();
  assert.throws(() => new core.ReliabilityManager('carol', { bogus: 1 }),
    (error) => error instanceof Error && error.kind === 'InvalidArgument' &&
      /bogus/.test(error.message));
});
