// Two Node processes chat through the WebSocket relay (examples/relay) with 30% of incoming
// frames dropped and some reordered; the relay drops every connection once and one process is
// restarted mid-conversation. Each ends with every message once, in causal order, acknowledged.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRelay } from '../../examples/relay/relay.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-relay-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

class Peer {
  #child;
  #nextId = 1;
  #replies = new Map();

  static async start(root, participantId, url, seed) {
    const peer = new Peer();
    peer.#child = fork(path.join(here, 'peer.mjs'), [root, participantId, url, String(seed)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    peer.#child.on('message', (message) => {
      const reply = peer.#replies.get(message.id);
      peer.#replies.delete(message.id);
      if (message.ok) reply?.resolve(message.value);
      else reply?.reject(new Error(message.error));
    });
    peer.#child.on('exit', (code) => {
      for (const reply of peer.#replies.values()) reply.reject(new Error(`${participantId} exited with ${code}`));
    });
    const [first] = await once(peer.#child, 'message');
    assert.deepEqual(first, { ready: true });
    return peer;
  }

  call(cmd, args = {}) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#replies.set(id, { resolve, reject });
      this.#child.send({ id, cmd, ...args });
    });
  }

  async exit() {
    const exited = once(this.#child, 'exit');
    await this.call('exit');
    await exited;
  }
}

test('two processes over the relay: loss, reordering, a dropped relay connection, a restart', { timeout: 180_000 }, async () => {
  const relay = await startRelay({ port: 0 });
  const aliceRoot = path.join(tmp, 'alice');
  const bobRoot = path.join(tmp, 'bob');
  const alice = await Peer.start(aliceRoot, 'alice', relay.url, 101);
  let bob = await Peer.start(bobRoot, 'bob', relay.url, 202);
  const perParticipant = 16;
  try {
    for (let n = 0; n < perParticipant / 2; n += 1) {
      await alice.call('send', { n });
      await bob.call('send', { n });
    }
    relay.dropClients();
    await bob.exit();
    bob = await Peer.start(bobRoot, 'bob', relay.url, 303);
    for (let n = perParticipant / 2; n < perParticipant; n += 1) {
      await alice.call('send', { n });
      await bob.call('send', { n });
    }
    const outcomes = await Promise.all([alice, bob].map((peer) => peer.call('settle', { participants: ['alice', 'bob'], perParticipant })));
    for (const outcome of outcomes) {
      assert.equal(outcome.messages, 2 * perParticipant);
      assert.ok(outcome.frames.dropped > 0, JSON.stringify(outcome.frames));
    }
    console.log(`relay: ${JSON.stringify(relay.stats)}; alice's incoming frames: ${JSON.stringify(outcomes[0].frames)}`);
    const statuses = await alice.call('statuses');
    assert.deepEqual(statuses.slice(0, 3), ['Connected', 'Disconnected', 'Connected']);
  } finally {
    await Promise.allSettled([alice.exit(), bob.exit()]);
    await relay.close();
  }
});
