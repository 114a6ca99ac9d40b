// MessagingNode in Node: real jobs on real files, the in-process network with seeded loss,
// reordering and duplication, restarts and lost links; bad input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNode, InProcessNetwork, MessagingError } from 'sds-wasm';
import { interceptChannelEvents } from 'sds-wasm/testing';
import { conversationPayload, historyProblems, parseLogged } from './conversation.mjs';
import { fastTiming } from '../../examples/chat/timing.js';
import { until } from './settle.mjs';

const topic = '/chat/1/room/proto';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-messaging-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let roots = 0;
const newRoot = () => path.join(tmp, `root-${roots++}`);

function nodeOn(link, participantId, root, extra = {}) {
  return createNode({
    localStoragePath: root,
    participantId,
    transport: link.transport,
    contentTopics: [topic],
    channelsOverrides: fastTiming,
    tickIntervalMs: 50,
    ...extra,
  });
}

async function sendNext(node, n) {
  return node.send({ contentTopic: topic, payload: conversationPayload(node.participantId, n, await node.history(topic)) });
}

async function settled(nodes, participants, perParticipant) {
  await Promise.all(
    nodes.map((node) =>
      until(node, async () => historyProblems(await node.history(topic), participants, perParticipant).length === 0, {
        describe: async () => {
          const history = await node.history(topic);
          const labels = history.map((m) => `${parseLogged(m).from[0]}${parseLogged(m).n}${m.repaired ? 'r' : ''}`).join(' ');
          return `${node.participantId}: ${historyProblems(history, participants, perParticipant).slice(0, 5).join('; ')}; history: ${labels}`;
        },
      }),
    ),
  );
}

test('two nodes over a lossy network, one restarted mid-conversation: each message once, in causal order, acknowledged', async () => {
  const network = new InProcessNetwork();
  const impairment = { drop: 0.3, reorder: 0.2, duplicate: 0.1 };
  const aliceLink = network.connect({ ...impairment, seed: 11 });
  const alice = await nodeOn(aliceLink, 'alice', newRoot());
  const bobRoot = newRoot();
  let bob = await nodeOn(network.connect({ ...impairment, seed: 22 }), 'bob', bobRoot);
  await alice.start();
  await bob.start();

  const perParticipant = 20;
  for (let n = 0; n < perParticipant / 2; n += 1) {
    await sendNext(alice, n);
    await sendNext(bob, n);
  }
  // Restart bob while his last messages are unacknowledged and alice keeps talking.
  await bob.destroy();
  bob = await nodeOn(network.connect({ ...impairment, seed: 33 }), 'bob', bobRoot);
  await bob.start();
  for (let n = perParticipant / 2; n < perParticipant; n += 1) {
    await sendNext(alice, n);
    await sendNext(bob, n);
  }
  await settled([alice, bob], ['alice', 'bob'], perParticipant);
  const { stats } = aliceLink.transport;
  assert.ok(stats.dropped > 0 && stats.reordered > 0, JSON.stringify(stats));
  console.log(`alice's incoming frames: ${JSON.stringify(stats)}`);
  await alice.destroy();
  await bob.destroy();
});

test('events follow the C library: propagated, then sent; received carries the payload', async () => {
  const network = new InProcessNetwork();
  const alice = await nodeOn(network.connect(), 'alice', newRoot());
  const bob = await nodeOn(network.connect(), 'bob', newRoot());
  await alice.start();
  await bob.start();
  const seen = [];
  for (const type of ['message_propagated', 'message_sent']) alice.addEventListener(type, (event) => seen.push([event.eventType, event.detail.requestId]));
  const received = new Promise((resolve) => bob.addEventListener('message_received', (event) => resolve(event.detail), { once: true }));
  const requestId = await alice.send({ contentTopic: topic, payload: btoa('hello') });
  const message = await received;
  assert.equal(new TextDecoder().decode(message.payload), 'hello');
  assert.equal(message.senderId, 'alice');
  assert.equal(message.contentTopic, topic);
  await until(alice, () => seen.length === 2);
  assert.deepEqual(seen, [['message_propagated', requestId], ['message_sent', requestId]]);
  const [logged] = await alice.history(topic);
  assert.equal(logged.messageHash, message.messageHash);
  assert.equal(logged.status, 'acknowledged');
  await alice.destroy();
  await bob.destroy();
});

test('messages sent while the link is down are resent once it is back', async () => {
  const network = new InProcessNetwork();
  const aliceLink = network.connect();
  const alice = await nodeOn(aliceLink, 'alice', newRoot());
  const bob = await nodeOn(network.connect(), 'bob', newRoot());
  await alice.start();
  await bob.start();
  const statuses = [];
  alice.addEventListener('connection_status_change', (event) => statuses.push(event.detail.connectionStatus));
  const errors = [];
  alice.addEventListener('message_error', (event) => errors.push(event.detail.reason));
  aliceLink.member.setOnline(false);
  for (let n = 0; n < 3; n += 1) await sendNext(alice, n);
  assert.deepEqual(errors, ['transport', 'transport', 'transport']);
  assert.deepEqual((await alice.history(topic)).map((m) => m.status), ['sending', 'sending', 'sending']);
  aliceLink.member.setOnline(true);
  await sendNext(bob, 0);
  await until(bob, async () => (await bob.history(topic)).length === 4);
  await until(alice, async () => {
    const history = await alice.history(topic);
    return history.length === 4 && history.every((m) => !m.own || m.status === 'acknowledged');
  });
  assert.deepEqual(statuses, ['Disconnected', 'Connected']);
  await alice.destroy();
  await bob.destroy();
});

test('bad input is a typed error and changes nothing', async () => {
  const network = new InProcessNetwork();
  const root = newRoot();
  const node = await nodeOn(network.connect(), 'alice', root, { maxMessageSize: 16 });
  const refused = async (promise, kind) => {
    await assert.rejects(promise, (error) => error instanceof MessagingError && error.kind === kind);
  };
  await refused(node.send({ contentTopic: topic, payload: 'aGk=' }), 'NotStarted');
  await node.start();
  await node.send({ contentTopic: topic, payload: 'aGk=' });
  const before = await node.history(topic);
  await refused(node.send({ contentTopic: '/other/1/t/proto', payload: 'aGk=' }), 'UnknownTopic');
  await refused(node.send({ contentTopic: topic, payload: new Uint8Array() }), 'InvalidArgument');
  await refused(node.send({ contentTopic: topic, payload: '' }), 'InvalidArgument');
  await refused(node.send({ contentTopic: topic, payload: 'not base64!' }), 'InvalidArgument');
  await refused(node.send({ contentTopic: topic, payload: new Uint8Array(17) }), 'PayloadTooLarge');
  await refused(node.send({ contentTopic: topic, payload: 'aGk=', ephemeral: 'yes' }), 'InvalidArgument');
  await refused(node.send({ contentTopic: '', payload: 'aGk=' }), 'InvalidArgument');
  await refused(node.send(null), 'InvalidArgument');
  await refused(node.unsubscribe('/other/1/t/proto'), 'UnknownTopic');
  assert.deepEqual(await node.history(topic), before);
  await node.destroy();
  await refused(node.send({ contentTopic: topic, payload: 'aGk=' }), 'Destroyed');
  await refused(node.start(), 'Destroyed');
  await refused(node.subscribe(topic), 'Destroyed');
  await refused(node.history(topic), 'Destroyed');
  await node.destroy();
  await refused(createNode({ localStoragePath: root, participantId: 'x', transport: network.connect().transport, unknownKey: 1 }), 'InvalidArgument');
  await refused(createNode({ localStoragePath: root, participantId: '', transport: network.connect().transport }), 'InvalidArgument');
  await refused(createNode({ localStoragePath: root, participantId: 'x', transport: {} }), 'InvalidArgument');
});

test('subscriptions and history persist; a second node on the same storage is JobLocked', async () => {
  const network = new InProcessNetwork();
  const root = newRoot();
  const node = await nodeOn(network.connect(), 'alice', root, { contentTopics: [] });
  await node.subscribe(topic);
  await node.start();
  await node.send({ contentTopic: topic, payload: 'aGk=' });
  await assert.rejects(nodeOn(network.connect(), 'alice', root), (error) => error.kind === 'JobLocked');
  await node.destroy();
  const again = await nodeOn(network.connect(), 'alice', root, { contentTopics: [] });
  assert.deepEqual(again.contentTopics, [topic]);
  assert.equal((await again.history(topic)).length, 1);
  await again.unsubscribe(topic);
  assert.deepEqual(again.contentTopics, []);
  await again.destroy();
});

test('a message reported missing is repaired: delivered before what depends on it, marked repaired', async () => {
  const network = new InProcessNetwork();
  const bobLink = network.connect();
  const alice = await nodeOn(network.connect(), 'alice', newRoot());
  const bob = await nodeOn(bobLink, 'bob', newRoot());
  await alice.start();
  await bob.start();
  const reported = [];
  bob.addEventListener('message_missing', (event) => reported.push(...event.detail.messageHashes));
  bobLink.member.setOnline(false);
  await alice.send({ contentTopic: topic, payload: btoa('first') });
  bobLink.member.setOnline(true);
  await alice.send({ contentTopic: topic, payload: btoa('second') });
  await until(bob, async () => (await bob.history(topic)).length === 2);
  const [first, second] = await bob.history(topic);
  assert.deepEqual([atob(first.payload), first.repaired, atob(second.payload), second.repaired], ['first', true, 'second', false]);
  assert.deepEqual(reported, [first.messageHash]);
  assert.deepEqual(await bob.missing(topic), []);
  await alice.destroy();
  await bob.destroy();
});

test('a restart catches up with steps whose events the node missed: each message once, own ones acknowledged', async () => {
  const network = new InProcessNetwork();
  const alice = await nodeOn(network.connect(), 'alice', newRoot());
  const bobRoot = newRoot();
  let bob = await nodeOn(network.connect(), 'bob', bobRoot);
  await alice.start();
  await bob.start();
  const mine = await bob.send({ contentTopic: topic, payload: btoa('from bob') });
  // From here bob's channel commits its steps but the node never sees their events, as when
  // the page dies between a step's commit and its events.
  const missed = [];
  const bothMissed = new Promise((resolve) => {
    interceptChannelEvents(bob, (contentTopic, type, detail) => {
      if (type === 'delivered' || type === 'acknowledged') missed.push(`${type} ${detail.messageId}`);
      if (missed.length === 2) resolve();
    });
  });
  await until(alice, async () => (await alice.history(topic)).length === 1);
  await alice.send({ contentTopic: topic, payload: btoa('from alice') }); // cites bob's message
  await bothMissed;
  const [aliceMessage] = (await alice.history(topic)).filter((m) => m.own);
  assert.deepEqual(missed.sort(), [`acknowledged ${(await bob.history(topic))[0].messageHash}`, `delivered ${aliceMessage.messageHash}`].sort());
  await bob.destroy();
  bob = await nodeOn(network.connect(), 'bob', bobRoot);
  assert.deepEqual((await bob.history(topic)).map((m) => [atob(m.payload), m.status]), [['from bob', 'propagated']]);

  const received = [];
  const sent = [];
  bob.addEventListener('message_received', (event) => received.push(new TextDecoder().decode(event.detail.payload)));
  bob.addEventListener('message_sent', (event) => sent.push(event.detail.requestId));
  await bob.start();
  assert.deepEqual([received, sent], [['from alice'], [mine]], 'caught up during start');
  assert.deepEqual((await bob.history(topic)).map((m) => [atob(m.payload), m.status]), [['from bob', 'acknowledged'], ['from alice', 'received']]);

  // The conversation goes on: alice's resends are duplicates for bob's channel, nothing repeats.
  await alice.send({ contentTopic: topic, payload: btoa('again from alice') });
  await until(bob, async () => (await bob.history(topic)).length === 3);
  await until(alice, async () => (await alice.history(topic)).every((m) => !m.own || m.status === 'acknowledged'));
  assert.deepEqual(received, ['from alice', 'again from alice']);
  assert.deepEqual(sent, [mine]);
  assert.deepEqual((await bob.history(topic)).map((m) => atob(m.payload)), ['from bob', 'from alice', 'again from alice']);
  await alice.destroy();
  await bob.destroy();
});

test('ephemeral messages: received once, flagged; the sender sees message_propagated only; no history', async () => {
  const network = new InProcessNetwork();
  const alice = await nodeOn(network.connect(), 'alice', newRoot());
  const bob = await nodeOn(network.connect(), 'bob', newRoot());
  await alice.start();
  await bob.start();
  const outcomes = [];
  for (const type of ['message_propagated', 'message_sent', 'message_error']) alice.addEventListener(type, (event) => outcomes.push([event.eventType, event.detail.requestId]));
  const received = [];
  bob.addEventListener('message_received', (event) => received.push(event.detail));

  const ephemeral = await alice.send({ contentTopic: topic, payload: btoa('typing'), ephemeral: true });
  assert.deepEqual(outcomes, [['message_propagated', ephemeral]]);
  const reliable = await alice.send({ contentTopic: topic, payload: btoa('hello') });
  await until(bob, () => received.length === 2);
  await until(alice, async () => (await alice.history(topic)).every((m) => m.status === 'acknowledged'));
  assert.deepEqual(received.map((m) => [new TextDecoder().decode(m.payload), m.senderId, m.ephemeral]), [['typing', 'alice', true], ['hello', 'alice', false]]);
  assert.equal(received[0].lamport, 0);
  assert.deepEqual(outcomes, [['message_propagated', ephemeral], ['message_propagated', reliable], ['message_sent', reliable]]);
  assert.deepEqual((await alice.history(topic)).map((m) => atob(m.payload)), ['hello']);
  assert.deepEqual((await bob.history(topic)).map((m) => atob(m.payload)), ['hello']);
  await alice.destroy();
  await bob.destroy();
});
