// Live interop between our engine (the wasm build, spec dialect) and the real
// @waku/sds 0.0.8 MessageChannel, in one Node process, both directions:
// delivery, acknowledgement through causal history and through the bloom
// filter, sync and ephemeral messages, out-of-order arrival, and SDS-R repair
// among three participants of both implementations.
//
// Bytes go from one side to the other by hand. Time is deterministic: the
// peer reads Date.now(), which node:test's mock timers control; our engine
// gets the same value as `nowMs`. Nothing sleeps.
//
//   node --test tests/interop/
import { test, before, after, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';

import { loadCore, text, decode, ok } from '../wasm/core.mjs';
import {
  WakuPeer, Message, ContentMessage, SyncMessage, EphemeralMessage, MessageChannel, RepairManager,
  wakuVersion,
} from './waku.mjs';

const CHANNEL = 'channel';
const T0 = 1718000000000;
const T_MIN = 30000;   // @waku/sds's repair defaults, used on both sides
const T_MAX = 120000;
const PEER_BLOOM_BYTES = 18752;

let core;
const managers = [];
let wakuPeers = [];

before(async () => {
  assert.equal(wakuVersion, '0.0.8');
  core = await loadCore();
});

after(() => {
  for (const rm of managers) rm.delete();
});

beforeEach(() => {
  mock.timers.enable({ apis: ['Date'], now: T0 });
  wakuPeers = [];
});

afterEach(() => {
  mock.timers.reset();
  // The peer reports a message it could not process only as an event.
  for (const peer of wakuPeers) {
    assert.deepEqual(peer.details('sds:error-task'), [], `${peer.channel.senderId} had task errors`);
  }
});

const idOf = (content) => MessageChannel.getMessageId(text(content));
const advance = (ms) => mock.timers.tick(ms);

function waku(senderId, options = {}) {
  const peer = new WakuPeer(CHANNEL, senderId, options);
  wakuPeers.push(peer);
  return peer;
}

// One of our managers in the spec dialect, with content-addressed ids and the
// peer's repair window.
function ours(participantId, config = {}) {
  const rm = ok(core.ReliabilityManager.create(participantId, {
    dialect: 'spec', contentAddressedIds: true, repairTMinMs: T_MIN, repairTMaxMs: T_MAX,
    repairSweepIntervalMs: 1, ...config,
  }));
  managers.push(rm);
  return {
    rm,
    send(content) {
      return { messageId: idOf(content), bytes: ok(rm.wrap(CHANNEL, text(content), '', Date.now())) };
    },
    receive: (bytes) => ok(rm.unwrap(bytes, Date.now())),
    sync: () => ok(rm.wrapSync(CHANNEL, Date.now())),
    events: () => rm.takeEvents(),
  };
}

const ofType = (events, type) => events.filter((event) => event.type === type);
const idsOfType = (events, type) => ofType(events, type).map((event) => event.messageId);

test('ours → @waku/sds: a content message is received and delivered', async () => {
  const alice = ours('alice');
  const bob = waku('bob');
  const { messageId, bytes } = alice.send('hello');

  const decoded = Message.decode(bytes);
  assert.ok(decoded instanceof ContentMessage);
  assert.equal(decoded.messageId, messageId);
  assert.equal(decoded.senderId, 'alice');
  assert.equal(decoded.lamportTimestamp, BigInt(T0));
  assert.equal(decoded.bloomFilter.length, PEER_BLOOM_BYTES);

  await bob.receive(bytes);
  assert.equal(bob.details('sds:in:message-received').length, 1);
  assert.deepEqual(bob.details('sds:in:message-delivered'), [messageId]);
});

test('@waku/sds → ours: a content message is delivered with its content', async () => {
  const alice = waku('alice');
  const bob = ours('bob');
  const { messageId, bytes } = await alice.send(text('hi there'));

  const result = bob.receive(bytes);
  assert.equal(result.dialect, 'spec');
  assert.equal(result.kind, 'content');
  assert.equal(result.messageId, messageId);
  const delivered = ofType(bob.events(), 'delivered');
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0].senderId, 'alice');
  assert.equal(delivered[0].lamport, T0 + 1);  // the peer's max(L + 1, now)
  assert.equal(decode(delivered[0].content), 'hi there');
});

test('acknowledgement through causal history, both ways', async () => {
  const alice = ours('alice');
  const bob = waku('bob');

  // Our message, cited by the peer's reply.
  const first = alice.send('question');
  await bob.receive(first.bytes);
  advance(5);
  const reply = await bob.send(text('answer'));
  alice.receive(reply.bytes);
  assert.deepEqual(idsOfType(alice.events(), 'acknowledged'), [first.messageId]);

  // The peer's message, cited by ours.
  advance(5);
  const next = alice.send('thanks');
  await bob.receive(next.bytes);
  assert.deepEqual(bob.details('sds:out:message-acknowledged'), [reply.messageId]);
  assert.deepEqual(bob.details('sds:in:message-delivered'), [first.messageId, next.messageId]);
});

test('ours → @waku/sds: possible acknowledgements through our bloom filter', async () => {
  const alice = waku('alice');
  // No causal history: only the filter can tell alice that bob has m.
  const bob = ours('bob', { maxCausalHistory: 0 });
  const m = await alice.send(text('m'));
  bob.receive(m.bytes);

  advance(10);
  const firstSync = bob.sync();
  assert.equal(Message.decode(firstSync).causalHistory.length, 0);
  await alice.receive(firstSync);
  assert.deepEqual(alice.details('sds:out:message-possibly-acknowledged'),
    [{ messageId: m.messageId, count: 1 }]);
  assert.deepEqual(alice.details('sds:out:message-acknowledged'), []);

  advance(10);
  await alice.receive(bob.sync());
  assert.deepEqual(alice.details('sds:out:message-acknowledged'), [m.messageId]);
});

test('@waku/sds → ours: possible acknowledgements through its bloom filter', async () => {
  const alice = ours('alice');
  const bob = waku('bob', { causalHistorySize: 1 });
  const m = alice.send('m');
  await bob.receive(m.bytes);
  advance(10);
  await bob.send(text('b1'));  // later syncs cite only b1; m is in the filter

  for (const expected of [['possiblyAcknowledged', 1], ['acknowledged', undefined]]) {
    advance(10);
    const sync = await bob.sync();
    assert.deepEqual(Message.decode(sync).causalHistory.map((e) => e.messageId), [idOf('b1')]);
    alice.receive(sync);
    const events = alice.events().filter((e) => e.messageId === m.messageId);
    assert.deepEqual(events.map((e) => [e.type, e.count]), [expected]);
  }
});

test('sync messages, both ways', async () => {
  const alice = ours('alice');
  const bob = waku('bob');
  assert.equal(alice.sync(), null);         // nothing to sync yet, like the peer
  assert.equal(await bob.sync(), undefined);

  const m = alice.send('m');
  await bob.receive(m.bytes);
  advance(10);
  const ourSync = alice.sync();
  const decoded = Message.decode(ourSync);
  assert.ok(decoded instanceof SyncMessage);
  assert.equal(decoded.content, undefined);
  assert.equal(decoded.bloomFilter.length, PEER_BLOOM_BYTES);
  await bob.receive(ourSync);
  assert.equal(bob.details('sds:in:sync-received').length, 1);
  assert.deepEqual(bob.details('sds:in:message-delivered'), [m.messageId]);  // only m

  advance(10);
  const result = alice.receive(await bob.sync());
  assert.equal(result.kind, 'sync');
  assert.equal(result.dialect, 'spec');
  const events = alice.events();
  assert.deepEqual(ofType(events, 'delivered'), []);
  // The peer's sync cites m: acknowledged.
  assert.deepEqual(idsOfType(events, 'acknowledged'), [m.messageId]);
});

test('ephemeral messages, both ways', async () => {
  const alice = ours('alice');
  const bob = waku('bob');

  const ours1 = ok(alice.rm.wrapEphemeral(CHANNEL, text('typing'), ''));
  const decoded = Message.decode(ours1);
  assert.ok(decoded instanceof EphemeralMessage);
  assert.equal(decoded.messageId, idOf('typing'));
  assert.equal(decoded.lamportTimestamp, undefined);
  assert.equal(decoded.bloomFilter, undefined);
  await bob.receive(ours1);
  assert.deepEqual(bob.takeEvents(), []);  // the peer announces nothing and stores nothing
  assert.equal(await bob.sync(), undefined);

  const theirs = await bob.sendEphemeral(text('still typing'));
  const result = alice.receive(theirs);
  assert.equal(result.kind, 'ephemeral');
  const delivered = ofType(alice.events(), 'delivered');
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0].messageId, idOf('still typing'));
  assert.equal(decode(delivered[0].content), 'still typing');
  assert.equal(alice.sync(), null);  // not stored either
});

test('@waku/sds → ours: out-of-order arrival is buffered, then released in order', async () => {
  const alice = waku('alice');
  const bob = ours('bob');
  const m1 = await alice.send(text('m1'));
  const m2 = await alice.send(text('m2'));
  const m3 = await alice.send(text('m3'));

  const early = bob.receive(m3.bytes);
  assert.deepEqual(early.missing.map((e) => [e.messageId, e.senderId]),
    [[m1.messageId, 'alice'], [m2.messageId, 'alice']]);
  bob.receive(m2.bytes);
  let events = bob.events();
  assert.deepEqual(ofType(events, 'delivered'), []);
  assert.deepEqual(idsOfType(events, 'missing'), [m3.messageId, m2.messageId]);

  bob.receive(m1.bytes);
  events = bob.events();
  assert.deepEqual(idsOfType(events, 'delivered'), [m1.messageId, m2.messageId, m3.messageId]);
});

test('ours → @waku/sds: out-of-order arrival is buffered, then released', async () => {
  const alice = ours('alice');
  const bob = waku('bob');
  const m1 = alice.send('m1');
  advance(1);
  const m2 = alice.send('m2');

  await bob.receive(m2.bytes);
  assert.deepEqual(bob.details('sds:in:message-missing').map((entries) => entries.map((e) => e.messageId)),
    [[m1.messageId]]);
  assert.deepEqual(bob.details('sds:in:message-delivered'), []);

  await bob.receive(m1.bytes);
  bob.channel.sweepIncomingBuffer();  // the peer releases buffered messages on its sweep
  assert.deepEqual(bob.details('sds:in:message-delivered'), [m1.messageId, m2.messageId]);
});

test('SDS-R: the peer repairs a message for us', async () => {
  const alice = waku('alice');
  const bob = waku('bob');
  const carol = ours('carol');

  const m1 = await alice.send(text('m1'));
  await bob.receive(m1.bytes);  // carol misses m1
  const m2 = await alice.send(text('m2'));
  await bob.receive(m2.bytes);
  assert.equal(carol.receive(m2.bytes).missing[0].messageId, m1.messageId);

  // Our T_req is the peer's: carol's request is due exactly then.
  const tReq = new RepairManager('carol', { tMin: T_MIN, tMax: T_MAX }).calculateTReq(m1.messageId, T0);
  mock.timers.setTime(tReq - 1);
  assert.equal(carol.sync(), null);
  mock.timers.setTime(tReq);
  const request = carol.sync();
  assert.deepEqual(Message.decode(request).repairRequest.map((e) => [e.messageId, e.senderId]),
    [[m1.messageId, 'alice']]);

  await bob.receive(request);
  assert.deepEqual(bob.details('sds:repair:request-received'),
    [{ messageIds: [m1.messageId], fromSenderId: 'carol' }]);
  const tResp = new RepairManager('bob', { tMin: T_MIN, tMax: T_MAX })
    .calculateTResp('alice', m1.messageId, tReq);
  mock.timers.setTime(tResp - 1);
  assert.deepEqual(await bob.repairsDue(), []);
  mock.timers.setTime(tResp);
  const responses = await bob.repairsDue();
  assert.equal(responses.length, 1);

  const repaired = carol.receive(responses[0]);
  assert.equal(repaired.messageId, m1.messageId);
  assert.deepEqual(idsOfType(carol.events(), 'delivered'), [m1.messageId, m2.messageId]);
});

test('SDS-R: we repair a message for the peer', async () => {
  const alice = waku('alice');
  const bob = ours('bob');
  const carol = waku('carol');

  const m1 = await alice.send(text('m1'));
  bob.receive(m1.bytes);  // carol misses m1
  const m2 = await alice.send(text('m2'));
  bob.receive(m2.bytes);
  await carol.receive(m2.bytes);
  assert.deepEqual(carol.details('sds:in:message-missing')[0].map((e) => e.messageId), [m1.messageId]);

  // The peer sends its request on its own schedule: at T_req, on a sync.
  const tReq = new RepairManager('carol', { tMin: T_MIN, tMax: T_MAX }).calculateTReq(m1.messageId, T0);
  mock.timers.setTime(tReq);
  const request = await carol.sync();
  assert.deepEqual(carol.details('sds:repair:request-sent'),
    [{ messageIds: [m1.messageId], carrierMessageId: Message.decode(request).messageId }]);

  bob.receive(request);
  bob.events();
  // Our T_resp is the peer's.
  const tResp = new RepairManager('bob', { tMin: T_MIN, tMax: T_MAX })
    .calculateTResp('alice', m1.messageId, tReq);
  bob.rm.tick(tResp - 1);
  assert.deepEqual(ofType(bob.events(), 'repairReady'), []);
  bob.rm.tick(tResp);
  const ready = ofType(bob.events(), 'repairReady');
  assert.deepEqual(ready.map((e) => e.messageId), [m1.messageId]);

  mock.timers.setTime(tResp);
  const repaired = await carol.receive(ready[0].bytes);
  assert.equal(repaired.senderId, 'alice');  // the original message, re-sent
  carol.channel.sweepIncomingBuffer();
  assert.deepEqual(carol.details('sds:in:message-delivered'), [m1.messageId, m2.messageId]);
});

test('bindings: the peer\'s content ids, and spec-dialect config checks', () => {
  for (const payload of [text('hello'), new Uint8Array(), Uint8Array.from({ length: 3000 }, (_, i) => i)]) {
    assert.equal(ok(core.contentMessageId(payload)), MessageChannel.getMessageId(payload));
  }
  for (const bad of ['hello', [1, 2], undefined]) {
    const result = core.contentMessageId(bad);
    assert.equal(result.ok, false);
    assert.equal(result.error.kind, 'InvalidArgument');
  }
  for (const config of [
    { dialect: 'spec', bloomFilterCapacity: 5000 },
    { dialect: 'spec', bloomFilterErrorRate: 0.01 },
    { contentAddressedIds: 'yes' },
  ]) {
    const result = core.ReliabilityManager.create('x', config);
    assert.equal(result.ok, false, JSON.stringify(config));
    assert.equal(result.error.kind, 'InvalidArgument');
  }
  // With content-addressed ids, an id other than the content's is refused.
  const alice = ours('alice');
  const wrong = alice.rm.wrap(CHANNEL, text('x'), 'my-id', Date.now());
  assert.equal(wrong.ok, false);
  assert.equal(wrong.error.kind, 'InvalidArgument');
});
