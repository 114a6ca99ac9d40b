// One participant of the relay test, in its own process, driven over the fork IPC channel:
//   node peer.mjs <root> <participantId> <relay url> <seed>
// Requests {id, cmd: 'send', n} | {id, cmd: 'settle', participants, perParticipant} |
// {id, cmd: 'statuses'} | {id, cmd: 'exit'}; replies {id, ok, value | error}.
import WebSocket from 'ws';
import { createNode, ImpairedTransport, WebSocketTransport } from 'sds-wasm';
import { conversationPayload, historyProblems } from './conversation.mjs';
import { fastTiming } from '../../examples/chat/timing.js';
import { until } from './settle.mjs';

const [root, participantId, url, seed] = process.argv.slice(2);
const topic = '/chat/1/relay-room/proto';
const transport = new ImpairedTransport(new WebSocketTransport({ url, WebSocket, reconnectMs: 50, maxReconnectMs: 200 }), {
  drop: 0.3,
  reorder: 0.2,
  duplicate: 0.1,
  seed: Number(seed),
});
const node = await createNode({
  localStoragePath: root,
  participantId,
  transport,
  contentTopics: [topic],
  channelsOverrides: fastTiming,
  tickIntervalMs: 50,
});
const statuses = [];
node.addEventListener('connection_status_change', (event) => statuses.push(event.detail.connectionStatus));
await node.start();

const commands = {
  async send({ n }) {
    return node.send({ contentTopic: topic, payload: conversationPayload(participantId, n, await node.history(topic)) });
  },
  async settle({ participants, perParticipant }) {
    const problems = async () => historyProblems(await node.history(topic), participants, perParticipant);
    await until(node, async () => (await problems()).length === 0, {
      timeoutMs: 90_000,
      describe: async () => `${participantId}: ${(await problems()).slice(0, 5).join('; ')}`,
    });
    return { messages: (await node.history(topic)).length, frames: transport.stats };
  },
  async statuses() {
    return statuses;
  },
  async exit() {
    await node.destroy();
    setImmediate(() => process.exit(0));
    return null;
  },
};

process.on('message', async ({ id, cmd, ...args }) => {
  try {
    process.send({ id, ok: true, value: await commands[cmd](args) });
  } catch (error) {
    process.send({ id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.send({ ready: true });
