// The transports on their own: the relay frame format, the seeded impairment, BroadcastChannel
// in Node, and the WebSocket client against the real relay (refused publishes, reconnects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  BroadcastChannelTransport, decodeRelayFrame, encodeRelayFrame, ImpairedTransport, InProcessNetwork,
  parseRelayControl, TransportError, WebSocketTransport,
} from 'sds-wasm';
import { startRelay } from '../../examples/relay/relay.mjs';

const topic = '/t/1/x/proto';

// A listener that records frames and statuses and lets a test wait for a count of frames.
function recorder() {
  const frames = [];
  const statuses = [];
  const waiters = [];
  return {
    frames,
    statuses,
    frame(t, bytes) {
      frames.push([t, [...bytes]]);
      for (const waiter of waiters.splice(0)) waiter();
    },
    status(status) {
      statuses.push(status);
      for (const waiter of waiters.splice(0)) waiter();
    },
    async until(condition) {
      while (!condition()) await new Promise((resolve) => waiters.push(resolve));
    },
  };
}

test('relay frames round-trip; truncated frames, bad UTF-8 and bad control messages are refused', () => {
  const frame = encodeRelayFrame('/a/1/é/proto', new Uint8Array([1, 2, 3]));
  assert.deepEqual(decodeRelayFrame(frame), { topic: '/a/1/é/proto', payload: new Uint8Array([1, 2, 3]) });
  assert.equal(decodeRelayFrame(new Uint8Array([0])), undefined);
  assert.equal(decodeRelayFrame(frame.subarray(0, 5)), undefined);
  assert.equal(decodeRelayFrame(new Uint8Array([0, 1, 0xff])), undefined);
  assert.deepEqual(parseRelayControl('{"type":"subscribe","topic":"x"}'), { type: 'subscribe', topic: 'x' });
  for (const bad of ['', 'null', '{"type":"publish","topic":"x"}', '{"type":"subscribe","topic":1}', '{']) {
    assert.equal(parseRelayControl(bad), undefined, bad);
  }
  assert.throws(() => encodeRelayFrame('x'.repeat(0x10000), new Uint8Array()), RangeError);
});

async function impairedRun(seed) {
  const network = new InProcessNetwork();
  const sender = network.connect();
  const receiver = network.connect({ drop: 0.3, reorder: 0.1, duplicate: 0.1, seed });
  const got = recorder();
  await sender.transport.start(recorder());
  await receiver.transport.start(got);
  await receiver.transport.subscribe(topic);
  for (let i = 0; i < 1000; i += 1) await sender.transport.publish(topic, new Uint8Array([i >> 8, i & 0xff]));
  const { stats } = receiver.transport;
  await got.until(() => got.frames.length === stats.received - stats.dropped + stats.duplicated);
  await sender.transport.stop();
  await receiver.transport.stop();
  return { stats, order: got.frames.map(([, bytes]) => (bytes[0] << 8) | bytes[1]) };
}

test('impairment is seeded: the same seed gives the same frames in the same order, at about the asked rates', async () => {
  const first = await impairedRun(7);
  const again = await impairedRun(7);
  const other = await impairedRun(8);
  assert.deepEqual(again, first);
  assert.notDeepEqual(other.order, first.order);
  assert.equal(first.stats.received, 1000);
  assert.ok(first.stats.dropped > 250 && first.stats.dropped < 350, JSON.stringify(first.stats));
  assert.ok(first.stats.reordered > 30 && first.stats.duplicated > 30, JSON.stringify(first.stats));
  const sorted = [...first.order].sort((a, b) => a - b);
  assert.notDeepEqual(first.order, sorted, 'some frames arrive out of order');
  assert.throws(() => new ImpairedTransport(new InProcessNetwork().connect().member, { drop: 2 }), RangeError);
});

test('in-process links go down and come back; a down link refuses to publish and hears nothing', async () => {
  const network = new InProcessNetwork();
  const a = network.connect();
  const b = network.connect();
  const heard = recorder();
  await a.transport.start(recorder());
  await b.transport.start(heard);
  await b.transport.subscribe(topic);
  b.member.setOnline(false);
  await a.transport.publish(topic, new Uint8Array([1]));
  a.member.setOnline(false);
  await assert.rejects(a.transport.publish(topic, new Uint8Array([2])), (error) => error instanceof TransportError && error.kind === 'Disconnected');
  a.member.setOnline(true);
  b.member.setOnline(true);
  await a.transport.publish(topic, new Uint8Array([3]));
  await heard.until(() => heard.frames.length === 1);
  assert.deepEqual(heard.frames, [[topic, [3]]]);
  assert.deepEqual(heard.statuses, ['Connected', 'Disconnected', 'Connected']);
});

test('BroadcastChannel: frames reach the other subscribers of the topic, not the sender', async () => {
  const namespace = `test-${process.pid}`;
  const a = new BroadcastChannelTransport({ namespace });
  const b = new BroadcastChannelTransport({ namespace });
  const heardA = recorder();
  const heardB = recorder();
  await a.start(heardA);
  await b.start(heardB);
  await a.subscribe(topic);
  await b.subscribe(topic);
  await a.publish(topic, new Uint8Array([9]));
  await a.publish('/other/topic', new Uint8Array([8]));
  await b.publish(topic, new Uint8Array([7]));
  await heardB.until(() => heardB.frames.length === 1);
  await heardA.until(() => heardA.frames.length === 1);
  assert.deepEqual(heardB.frames, [[topic, [9]]]);
  assert.deepEqual(heardA.frames, [[topic, [7]]]);
  await a.stop();
  await b.stop();
  await assert.rejects(a.publish(topic, new Uint8Array([1])), TransportError);
});

test('WebSocket client: refuses to publish while disconnected, reconnects, keeps its subscriptions', async () => {
  const relay = await startRelay({ port: 0 });
  const options = { url: relay.url, WebSocket, reconnectMs: 20, maxReconnectMs: 100 };
  const a = new WebSocketTransport(options);
  const b = new WebSocketTransport(options);
  const heardA = recorder();
  const heardB = recorder();
  try {
    await assert.rejects(a.publish(topic, new Uint8Array([1])), (error) => error instanceof TransportError && error.kind === 'Disconnected');
    await a.start(heardA);
    await b.start(heardB);
    await b.subscribe(topic);
    await heardA.until(() => a.status === 'Connected');
    await heardB.until(() => b.status === 'Connected');
    relay.dropClients();
    await heardA.until(() => heardA.statuses.length === 3);
    await heardB.until(() => heardB.statuses.length === 3);
    assert.deepEqual(heardB.statuses, ['Connected', 'Disconnected', 'Connected']);
    await a.publish(topic, new Uint8Array([5, 6]));
    await heardB.until(() => heardB.frames.length === 1);
    assert.deepEqual(heardB.frames, [[topic, [5, 6]]]);
    assert.deepEqual(heardA.frames, []);
  } finally {
    await a.stop();
    await b.stop();
    await relay.close();
  }
});
