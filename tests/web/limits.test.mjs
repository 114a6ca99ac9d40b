// Hostile and out-of-range input to every public entry point in Node: the rows of
// docs/limits.md for the TypeScript API (Persistency, Job, keys, ReliableChannel,
// MessagingNode) and for the wasm module's embind classes. Real jobs on real files in a temp
// directory; each row asserts the error class and kind the table documents.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Persistency, PersistencyError, SdsError, MessagingError, createNode, InProcessNetwork, keys } from 'sds-wasm';
import { loadCore } from '../wasm/core.mjs';
// The node's own log format, to plant the record a crash between logging and sending leaves.
import { MessageLog } from '../../build/web/node/message-log.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-limits-'));
let rootCount = 0;
const newRoot = () => path.join(scratch, `root-${++rootCount}`);
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const MiB = 1 << 20;
const text = (value) => new TextEncoder().encode(value);
const classes = { PersistencyError, SdsError, MessagingError };

// "<class>:<kind>" of what `action` throws or rejects with; "resolved" otherwise.
async function outcome(action) {
  try {
    await action();
  } catch (error) {
    for (const [name, type] of Object.entries(classes)) if (error instanceof type) return `${name}:${error.kind}`;
    throw error;
  }
  return 'resolved';
}

// Synchronous throws must happen before any promise: `action` runs outside an async context.
function thrown(action) {
  try {
    action();
  } catch (error) {
    for (const [name, type] of Object.entries(classes)) if (error instanceof type) return `${name}:${error.kind}`;
    throw error;
  }
  return 'returned';
}

// Protobuf bytes: a tag and a varint, or a tag and length-delimited bytes.
function varint(value) {
  const out = [];
  let v = BigInt(value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
function field(number, payload) {
  const bytes = typeof payload === 'string' ? text(payload) : payload;
  return [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes];
}
// A nim-dialect message of channel `channel` with content `content` and `extra` fields.
function nimMessage(channel, id, content, extra = []) {
  const head = [...field(1, id), ...varint(2 << 3), ...varint(1000), ...field(4, channel)];
  const body = new Uint8Array(head.length + extra.length + content.length + 8);
  const contentField = [...varint((5 << 3) | 2), ...varint(content.length)];
  body.set(head, 0);
  body.set(extra, head.length);
  body.set(contentField, head.length + extra.length);
  body.set(content, head.length + extra.length + contentField.length);
  return body.subarray(0, head.length + extra.length + contentField.length + content.length);
}

const hostileIds = ['', '.', '..', '../escape', '../../etc/passwd', 'a/../../x', '/abs', 'sub/job', 'sub\\job', 'nul\0id', 'tab\tid', 'x'.repeat(129), 'é'.repeat(65)];

describe('Persistency', () => {
  test('roots: wrong types, empty, a file, a NUL byte, bad options', async () => {
    const file = path.join(scratch, 'a-file');
    fs.writeFileSync(file, 'not a directory');
    assert.equal(await outcome(() => Persistency.open(42)), 'PersistencyError:InvalidArgument');
    assert.equal(await outcome(() => Persistency.open('')), 'PersistencyError:InvalidArgument');
    assert.equal(await outcome(() => Persistency.open(file)), 'PersistencyError:InvalidArgument');
    assert.equal(await outcome(() => Persistency.open(path.join(file, 'below'))), 'PersistencyError:InvalidArgument');
    // A NUL byte would cut the path short in the file API: refused, nothing created.
    const nulRoot = `${newRoot()}\0nul`;
    assert.equal(await outcome(() => Persistency.open(nulRoot)), 'PersistencyError:InvalidArgument');
    assert.equal(fs.existsSync(nulRoot.slice(0, nulRoot.indexOf('\0'))), false);
    assert.equal(await outcome(() => Persistency.open(newRoot(), null)), 'PersistencyError:InvalidArgument');
    assert.equal(await outcome(() => Persistency.open(newRoot(), { store: { pageSize: 1000 } })), 'PersistencyError:InvalidArgument');
    assert.equal(await outcome(() => Persistency.open(newRoot(), { store: { cacheSizeKib: -1 } })), 'PersistencyError:InvalidArgument');
  });

  test('job ids: path traversal, separators, NUL, control characters, too long, wrong types', async () => {
    const root = newRoot();
    const p = await Persistency.open(root);
    try {
      for (const id of [...hostileIds, 7, null, undefined]) {
        const label = JSON.stringify(id);
        assert.equal(await outcome(() => p.openJob(id)), 'PersistencyError:InvalidArgument', label);
        assert.equal(await outcome(() => p.hasJob(id)), 'PersistencyError:InvalidArgument', label);
        assert.equal(await outcome(() => p.dropJob(id)), 'PersistencyError:InvalidArgument', label);
        assert.equal(await outcome(() => p.closeJob(id)), 'PersistencyError:InvalidArgument', label);
        assert.equal(thrown(() => p.job(id)), 'PersistencyError:JobNotFound', label);
      }
      assert.equal(await outcome(() => p.openJob('ok', { waitForLock: 'yes' })), 'PersistencyError:InvalidArgument');
      assert.equal(await outcome(() => p.openJob('ok', null)), 'PersistencyError:InvalidArgument');
      // Nothing was created anywhere: not the root, not a file beside it.
      assert.deepEqual(fs.readdirSync(path.dirname(root)).filter((name) => !name.startsWith('root-') && name !== 'a-file'), []);
      assert.equal(fs.existsSync(root), false);
      const longest = 'é'.repeat(64);
      await p.openJob(longest);
      assert.deepEqual(fs.readdirSync(root).filter((name) => name.endsWith('.db')), [`${longest}.db`]);
    } finally {
      await p.close();
    }
  });

  test('a closed Persistency refuses with Closed', async () => {
    const p = await Persistency.open(newRoot());
    await p.close();
    assert.equal(await outcome(() => p.openJob('job')), 'PersistencyError:Closed');
    assert.equal(await outcome(() => p.hasJob('job')), 'PersistencyError:Closed');
    assert.equal(await outcome(() => p.dropJob('job')), 'PersistencyError:Closed');
  });
});

describe('Job and keys', () => {
  test('wrong types, absurd numbers, oversized key parts, closed jobs', async () => {
    const p = await Persistency.open(newRoot());
    try {
      const job = await p.openJob('job');
      assert.equal(thrown(() => job.put(7, keys.key('k'), text('v'))), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => job.put('c', 'k', text('v'))), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => job.put('c', keys.key('k'), [1, 2])), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => job.batch([{ op: 'truncate', category: 'c' }])), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => job.batch([null])), 'PersistencyError:InvalidArgument');
      assert.equal(await outcome(() => job.get('c', null)), 'PersistencyError:InvalidArgument');
      for (const limit of [-1, 1.5, Number.NaN, 2 ** 40]) {
        assert.equal(await outcome(() => job.scan('c', {}, { limit })), 'PersistencyError:InvalidArgument', String(limit));
      }
      assert.equal(await outcome(() => job.scan('c', { stop: 'z' })), 'PersistencyError:InvalidArgument');
      assert.equal(await outcome(() => job.scanPrefix('c', null)), 'PersistencyError:InvalidArgument');

      assert.equal(thrown(() => keys.text('k'.repeat(65536))), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => keys.bytes(new Uint8Array(65536))), 'PersistencyError:InvalidArgument');
      for (const value of [Number.NaN, Infinity, 1.5, 2 ** 53, 2n ** 63n, -(2n ** 63n) - 1n]) {
        assert.equal(thrown(() => keys.int64(value)), 'PersistencyError:InvalidArgument', String(value));
      }
      assert.equal(thrown(() => keys.uint64(-1)), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => keys.uint64(2n ** 64n)), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => keys.uint8(256)), 'PersistencyError:InvalidArgument');
      assert.equal(thrown(() => keys.key({})), 'PersistencyError:InvalidArgument');

      await job.close();
      assert.equal(thrown(() => job.put('c', keys.key('k'), text('v'))), 'PersistencyError:Closed');
      assert.equal(await outcome(() => job.get('c', keys.key('k'))), 'PersistencyError:Closed');
      assert.equal(await outcome(() => job.channel('room', { participantId: 'a' })), 'PersistencyError:Closed');
    } finally {
      await p.close();
    }
  });
});

describe('ReliableChannel', () => {
  const clock = () => 1_000;

  async function withChannel(body, { config = {}, participantId = 'alice' } = {}) {
    const p = await Persistency.open(newRoot());
    try {
      const job = await p.openJob('job');
      const channel = await job.channel('room', { participantId, clock, config });
      await body(channel, job);
    } finally {
      await p.close();
    }
  }

  test('options: wrong types, empty ids, absurd config numbers and bloom parameters', async () => {
    const p = await Persistency.open(newRoot());
    try {
      const job = await p.openJob('job');
      const open = (channelId, options) => outcome(() => job.channel(channelId, options));
      assert.equal(await open('', { participantId: 'a' }), 'SdsError:InvalidArgument');
      assert.equal(await open(7, { participantId: 'a' }), 'SdsError:InvalidArgument');
      assert.equal(await open('room', null), 'SdsError:InvalidArgument');
      assert.equal(await open('room', { participantId: 1 }), 'SdsError:InvalidArgument');
      assert.equal(await open('room', { participantId: 'a', dialect: 'klingon' }), 'SdsError:InvalidArgument');
      assert.equal(await open('room', { participantId: 'a', tickIntervalMs: -1 }), 'SdsError:InvalidArgument');
      const badConfigs = [
        { bloomFilterCapacity: 2 ** 40 }, // would be terabits: refused before the filter is allocated
        { bloomFilterCapacity: 0 },
        { bloomFilterCapacity: -1 },
        { bloomFilterErrorRate: Number.NaN },
        { bloomFilterErrorRate: 0 },
        { bloomFilterErrorRate: 1 },
        { maxCausalHistory: 10_001 },
        { maxRepairRequests: 10_001 },
        { maxMessageHistory: 0 },
        { resendIntervalMs: -5 },
        { repairTMaxMs: 2 ** 60 },
        { maxIncomingBuffer: 0 },
        { maxOutgoingBuffer: 1.5 },
        { maxRepairBuffer: -1 },
        { possibleAcksThreshold: Infinity },
        { resendIntervalMs: '60000' },
      ];
      for (const config of badConfigs) {
        assert.equal(await open('room', { participantId: 'a', config }), 'SdsError:InvalidArgument', JSON.stringify(config));
      }
      // Refused opens leave the channel id free.
      const channel = await job.channel('room', { participantId: 'a', clock });
      assert.equal(await open('room', { participantId: 'a' }), 'SdsError:InvalidArgument');
      await channel.close();
      assert.equal(await outcome(() => channel.send(text('x'))), 'PersistencyError:Closed');
      assert.equal(await outcome(() => channel.receive(text('x'))), 'PersistencyError:Closed');
    } finally {
      await p.close();
    }
  });

  test('send: wrong types, empty and oversized payloads, an id in use, a full outgoing buffer', () =>
    withChannel(
      async (channel) => {
        const full = [];
        channel.addEventListener('bufferFull', (event) => full.push(event.detail.messageId));
        assert.equal(await outcome(() => channel.send('text')), 'SdsError:InvalidArgument');
        assert.equal(await outcome(() => channel.send(text('x'), { messageId: 7 })), 'SdsError:InvalidArgument');
        assert.equal(await outcome(() => channel.send(text('x'), { ephemeral: 'yes' })), 'SdsError:InvalidArgument');
        assert.equal(await outcome(() => channel.send(new Uint8Array())), 'SdsError:InvalidArgument');
        assert.equal(await outcome(() => channel.send(new Uint8Array(MiB + 1))), 'SdsError:MessageTooLarge');
        assert.equal(await outcome(() => channel.send(new Uint8Array(MiB + 1), { ephemeral: true })), 'SdsError:MessageTooLarge');
        assert.equal(await outcome(() => channel.send(new Uint8Array(MiB).fill(1), { messageId: 'one' })), 'resolved');
        assert.equal(await outcome(() => channel.send(text('again'), { messageId: 'one' })), 'SdsError:DuplicateMessageId');
        assert.equal(await outcome(() => channel.send(text('two'), { messageId: 'two' })), 'resolved');
        assert.equal(await outcome(() => channel.send(text('three'), { messageId: 'three' })), 'SdsError:InvalidArgument');
        assert.deepEqual(full, ['three']);
        assert.deepEqual(await channel.pending(), ['one', 'two']);
      },
      { config: { maxOutgoingBuffer: 2 } },
    ));

  test('receive: wrong types, malformed and oversized bytes, huge repeated fields, content over 1 MiB', () =>
    withChannel(async (channel) => {
      assert.equal(await outcome(() => channel.receive([1, 2, 3])), 'SdsError:InvalidArgument');
      assert.equal(await outcome(() => channel.receive(new Uint8Array())), 'SdsError:DeserializationError');
      assert.equal(await outcome(() => channel.receive(text('certainly not protobuf'))), 'SdsError:DeserializationError');
      assert.equal(await outcome(() => channel.receive(new Uint8Array(4 * MiB + 1))), 'SdsError:DeserializationError');
      assert.equal(await outcome(() => channel.receive(nimMessage('room', 'big', new Uint8Array(MiB + 1)))), 'SdsError:MessageTooLarge');
      // 2,000,000 empty causal-history entries (two bytes each) fit in 4 MiB.
      const entries = new Uint8Array(4_000_000);
      for (let i = 0; i < entries.length; i += 2) entries[i] = (3 << 3) | 2;
      assert.equal(await outcome(() => channel.receive(nimMessage('room', 'many', text('x'), entries))), 'SdsError:DeserializationError');
      // A bloom envelope claiming 2^35 bits (4 GiB) is dropped; the message is delivered.
      const envelope = [...field(1, new Uint8Array(16)), ...varint(4 << 3), 10, ...varint(5 << 3), ...varint(2n ** 35n)];
      const result = await channel.receive(nimMessage('room', 'bloom', text('hi'), field(6, Uint8Array.from(envelope))));
      assert.deepEqual({ duplicate: result.duplicate, missing: result.missing }, { duplicate: false, missing: [] });
      assert.equal(await outcome(() => channel.receive(nimMessage('elsewhere', 'm', text('x')))), 'SdsError:InvalidArgument');
      assert.deepEqual((await channel.log()).map((entry) => entry.messageId), ['bloom']);
    }));

  test('times, log options, markDelivered: wrong types and absurd numbers', async () => {
    await withChannel(async (channel) => {
      for (const now of [-1, Number.NaN, 1.5, 2 ** 53, Infinity, '1000']) {
        assert.equal(await outcome(() => channel.tick(now)), 'SdsError:InvalidArgument', String(now));
      }
      for (const options of [null, { after: -1 }, { limit: Number.NaN }, { after: 2 ** 60 }]) {
        assert.equal(await outcome(() => channel.log(options)), 'SdsError:InvalidArgument', JSON.stringify(options));
      }
      assert.equal(await outcome(() => channel.markDelivered('m1')), 'SdsError:InvalidArgument');
      assert.equal(await outcome(() => channel.markDelivered([1])), 'SdsError:InvalidArgument');
    });
    const p = await Persistency.open(newRoot());
    try {
      const job = await p.openJob('job');
      for (const bad of [Number.NaN, -5]) {
        const channel = await job.channel(`clock-${bad}`, { participantId: 'a', clock: () => bad });
        assert.equal(await outcome(() => channel.send(text('x'))), 'SdsError:InvalidArgument', String(bad));
        await channel.close();
      }
      const long = await job.channel('x'.repeat(70_000), { participantId: 'a', clock }).catch((error) => error);
      assert.ok(long instanceof SdsError && long.kind === 'PersistenceError', String(long));
    } finally {
      await p.close();
    }
  });
});

describe('the wasm module (embind)', () => {
  test('ReliabilityManager, ChannelHost helpers and validateJobId: typed results, never a throw', async () => {
    const core = await loadCore();
    const kind = (result) => (result.ok ? 'ok' : result.error.kind);
    assert.equal(kind(core.ReliabilityManager.create('a', { bloomFilterCapacity: 2 ** 40 })), 'ok');
    assert.equal(kind(core.ReliabilityManager.create(7, {})), 'InvalidArgument');
    assert.equal(kind(core.ReliabilityManager.create('a', { bloomFilterErrorRate: Number.NaN })), 'InvalidArgument');
    assert.equal(kind(core.ReliabilityManager.create('a', { maxCausalHistory: 1e6 })), 'InvalidArgument');
    assert.throws(() => new core.ReliabilityManager('a', { maxIncomingBuffer: -1 }), (error) => error.kind === 'InvalidArgument');

    const huge = core.ReliabilityManager.create('a', { bloomFilterCapacity: 2 ** 40 }).value;
    assert.equal(kind(huge.ensureChannel('room')), 'InvalidArgument');
    huge.delete();

    const rm = core.ReliabilityManager.create('a', {}).value;
    assert.equal(kind(rm.wrap(7, text('x'), 'm', 0)), 'InvalidArgument');
    assert.equal(kind(rm.wrap('room', 'x', 'm', 0)), 'InvalidArgument');
    assert.equal(kind(rm.wrap('room', text('x'), 'm', Number.NaN)), 'InvalidArgument');
    assert.equal(kind(rm.wrap('room', text('x'), 'm', -1)), 'InvalidArgument');
    assert.equal(kind(rm.wrap('room', new Uint8Array(MiB + 1), 'm', 0)), 'MessageTooLarge');
    assert.equal(kind(rm.wrap('room', text('x'), 'm', 0)), 'ok');
    assert.equal(kind(rm.wrap('room', text('x'), 'm', 1)), 'DuplicateMessageId');
    assert.equal(kind(rm.wrapEphemeral('room', new Uint8Array(MiB + 1), 'e')), 'MessageTooLarge');
    assert.equal(kind(rm.unwrap(new Uint8Array(4 * MiB + 1), 0)), 'DeserializationError');
    assert.equal(kind(rm.unwrap(nimMessage('room', 'big', new Uint8Array(MiB + 1)), 0)), 'MessageTooLarge');
    assert.equal(kind(rm.tick(2 ** 53)), 'InvalidArgument');
    assert.equal(kind(rm.tick(-1)), 'InvalidArgument');
    assert.equal(kind(rm.markDependenciesMet('room', 'm', 0)), 'InvalidArgument');
    assert.equal(kind(rm.setRetrievalHintProvider(42)), 'InvalidArgument');
    rm.delete();
    assert.throws(() => rm.wrap('room', text('x'), 'n', 0), (error) => error.name === 'BindingError');

    assert.equal(kind(core.contentMessageId(new Uint8Array(MiB + 1))), 'MessageTooLarge');
    assert.equal(kind(core.contentMessageId('x')), 'InvalidArgument');
    assert.equal(kind(core.messageChannelId(text('garbage'))), 'DeserializationError');
    assert.equal(kind(core.messageChannelId(new Uint8Array(4 * MiB + 1))), 'DeserializationError');
    for (const id of hostileIds) assert.equal(kind(core.validateJobId(id)), 'InvalidArgument', JSON.stringify(id));
  });
});

describe('MessagingNode', () => {
  const topic = '/limits/1/room/proto';
  const configFor = (extra = {}) => ({ localStoragePath: newRoot(), participantId: 'alice', transport: new InProcessNetwork().connect().transport, contentTopics: [topic], ...extra });

  test('config: wrong types, a maxMessageSize over the engine limit, hostile job ids', async () => {
    for (const extra of [{ maxMessageSize: MiB + 1 }, { maxMessageSize: 0 }, { maxMessageSize: Number.NaN }, { participantId: 5 }, { contentTopics: 'x' }, { tickIntervalMs: -1 }]) {
      assert.equal(await outcome(() => createNode(configFor(extra))), 'MessagingError:InvalidArgument', JSON.stringify(extra));
    }
    assert.equal(await outcome(() => createNode(configFor({ jobId: '../escape' }))), 'PersistencyError:InvalidArgument');
  });

  test('send: bad payloads, unknown topics, stopped and destroyed nodes', async () => {
    const node = await createNode(configFor({ maxMessageSize: 16 }));
    try {
      assert.equal(await outcome(() => node.send({ contentTopic: topic, payload: text('x') })), 'MessagingError:NotStarted');
      await node.start();
      assert.equal(await outcome(() => node.send(null)), 'MessagingError:InvalidArgument');
      assert.equal(await outcome(() => node.send({ contentTopic: topic, payload: 42 })), 'MessagingError:InvalidArgument');
      assert.equal(await outcome(() => node.send({ contentTopic: topic, payload: '%%% not base64' })), 'MessagingError:InvalidArgument');
      assert.equal(await outcome(() => node.send({ contentTopic: topic, payload: new Uint8Array() })), 'MessagingError:InvalidArgument');
      assert.equal(await outcome(() => node.send({ contentTopic: topic, payload: new Uint8Array(17) })), 'MessagingError:PayloadTooLarge');
      assert.equal(await outcome(() => node.send({ contentTopic: '/other/1/x/proto', payload: text('x') })), 'MessagingError:UnknownTopic');
      assert.equal(await outcome(() => node.send({ contentTopic: topic, payload: text('x'), ephemeral: 1 })), 'MessagingError:InvalidArgument');
      assert.equal(await outcome(() => node.unsubscribe('/other/1/x/proto')), 'MessagingError:UnknownTopic');
    } finally {
      await node.destroy();
    }
    assert.equal(await outcome(() => node.send({ contentTopic: topic, payload: text('x') })), 'MessagingError:Destroyed');
    assert.equal(await outcome(() => node.start()), 'MessagingError:Destroyed');
  });

  test('restart recovery tells a full outgoing buffer from an id the channel had', async () => {
    const root = newRoot();
    const network = new InProcessNetwork();
    const config = { ...configFor({ localStoragePath: root, channelsOverrides: { maxOutgoingBuffer: 1 } }), transport: network.connect().transport };
    const first = await createNode(config);
    await first.start();
    await first.send({ contentTopic: topic, payload: text('never acknowledged') });
    await first.destroy();

    // An own message logged as `sending` right before a crash, never handed to the channel.
    const p = await Persistency.open(root);
    const log = new MessageLog(await p.openJob('sds'));
    const seq = await log.nextSeq(topic);
    const orphan = { seq, messageHash: 'orphan', requestId: 'r-orphan', senderId: 'alice', payload: 'AQ==', own: true, status: 'sending', repaired: false, loggedAt: 0 };
    log.write(topic, orphan);
    await p.close();

    // The channel refuses it (its one outgoing slot is taken): not `DuplicateMessageId`, so the
    // message is not taken as acknowledged; it stays `sending`.
    const second = await createNode({ ...config, transport: network.connect().transport });
    const sent = [];
    second.addEventListener('message_sent', (event) => sent.push(event.detail.messageHash));
    try {
      await second.start();
      assert.deepEqual(sent, []);
      const history = await second.history(topic);
      assert.deepEqual(history.map((m) => [m.messageHash === 'orphan', m.status]), [[false, 'propagated'], [true, 'sending']]);
    } finally {
      await second.destroy();
    }
  });
});
