// The chat demo: a MessagingNode per tab, its state on OPFS, over BroadcastChannel (tabs of
// this origin) or a WebSocket relay (`?relay=ws://host:port`). Every message shows its status.
//
// URL parameters: name (participant id; default: one per tab, kept across reloads), relay,
// topic, and for tests drop / reorder / duplicate / seed (impair incoming frames) and fast
// (resends and syncs every few hundred ms).
import { BroadcastChannelTransport, createNode, ImpairedTransport, WebSocketTransport } from 'sds-wasm';
import { fastTiming, humanTiming } from './timing.js';

const params = new URLSearchParams(location.search);
const topic = params.get('topic') ?? '/sds-chat/1/lobby/proto';
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const $ = (id) => document.getElementById(id);

function makeTransport() {
  const relay = params.get('relay');
  const base = relay ? new WebSocketTransport({ url: relay }) : new BroadcastChannelTransport({ namespace: 'sds-chat' });
  const impairment = {
    drop: Number(params.get('drop') ?? 0),
    reorder: Number(params.get('reorder') ?? 0),
    duplicate: Number(params.get('duplicate') ?? 0),
    seed: Number(params.get('seed') ?? 1),
  };
  const impaired = impairment.drop > 0 || impairment.reorder > 0 || impairment.duplicate > 0;
  return { transport: impaired ? new ImpairedTransport(base, impairment) : base, label: relay ? `relay ${relay}` : 'BroadcastChannel', impairment: impaired ? impairment : undefined };
}

// One participant per tab, kept in sessionStorage so a reload is the same participant; a tab
// duplicated with its sessionStorage finds the storage locked and takes a new name.
async function startNode() {
  let name = params.get('name') ?? sessionStorage.getItem('sds-chat:name') ?? `tab-${crypto.randomUUID().slice(0, 4)}`;
  for (;;) {
    const { transport, label, impairment } = makeTransport();
    try {
      const node = await createNode({
        localStoragePath: `sds-chat/${name}`,
        participantId: name,
        transport,
        contentTopics: [topic],
        channelsOverrides: params.has('fast') ? fastTiming : humanTiming,
        tickIntervalMs: params.has('fast') ? 50 : 500,
      });
      sessionStorage.setItem('sds-chat:name', name);
      return { node, label, impairment };
    } catch (error) {
      if (error?.kind !== 'JobLocked' || params.has('name')) throw error;
      name = `tab-${crypto.randomUUID().slice(0, 4)}`;
    }
  }
}

const { node, label, impairment } = await startNode();
const rows = new Map(); // messageHash -> <li>
const missing = new Map(); // messageHash -> <li>

function statusOf(message) {
  if (message.own) return message.status;
  return message.repaired ? 'repaired' : 'received';
}

function render(message) {
  let row = rows.get(message.messageHash);
  if (row === undefined) {
    row = document.createElement('li');
    row.dataset.id = message.messageHash;
    row.className = message.own ? 'own' : 'peer';
    row.innerHTML = '<span class="sender"></span><span class="text"></span><span class="status"></span>';
    row.querySelector('.sender').textContent = message.senderId;
    row.querySelector('.text').textContent = message.text;
    $('messages').append(row);
    rows.set(message.messageHash, row);
  }
  const status = row.querySelector('.status');
  status.textContent = message.status;
  status.className = `status ${message.status}`;
  row.dataset.status = message.status;
  row.scrollIntoView({ block: 'nearest' });
}

function renderMissing(ids) {
  for (const id of ids) {
    if (missing.has(id) || rows.has(id)) continue;
    const item = document.createElement('li');
    item.dataset.id = id;
    item.innerHTML = `<span class="status missing">missing</span> <span></span>`;
    item.lastElementChild.textContent = `message ${id.slice(0, 8)}… is on its way (repair requested)`;
    $('missing').append(item);
    missing.set(id, item);
  }
}

function logged(message) {
  const bytes = Uint8Array.from(atob(message.payload), (c) => c.charCodeAt(0));
  return { messageHash: message.messageHash, senderId: message.senderId, own: message.own, text: decoder.decode(bytes), status: statusOf(message) };
}

function setStatus(hash, status) {
  const row = rows.get(hash);
  if (row === undefined) return;
  const order = ['sending', 'propagated', 'acknowledged', 'expired'];
  if (order.indexOf(status) <= order.indexOf(row.dataset.status)) return;
  row.querySelector('.status').textContent = status;
  row.querySelector('.status').className = `status ${status}`;
  row.dataset.status = status;
}

function showLink(status) {
  $('link').textContent = `${label}: ${status}`;
  $('link').className = `link ${status}`;
}

node.addEventListener('message_received', ({ detail }) => {
  missing.get(detail.messageHash)?.remove();
  missing.delete(detail.messageHash);
  render({ messageHash: detail.messageHash, senderId: detail.senderId, own: false, text: decoder.decode(detail.payload), status: detail.repaired ? 'repaired' : 'received' });
});
node.addEventListener('message_propagated', ({ detail }) => setStatus(detail.messageHash, 'propagated'));
node.addEventListener('message_sent', ({ detail }) => setStatus(detail.messageHash, 'acknowledged'));
node.addEventListener('message_error', ({ detail }) => {
  if (detail.reason === 'expired') setStatus(detail.messageHash, 'expired');
});
node.addEventListener('message_missing', ({ detail }) => {
  if (!detail.lost) renderMissing(detail.messageHashes);
});
node.addEventListener('connection_status_change', ({ detail }) => showLink(detail.connectionStatus));

// The history and the pending state come back from the node's job (OPFS) after a reload.
for (const message of await node.history(topic)) render(logged(message));
renderMissing(await node.missing(topic));
await node.start();
showLink(node.connectionStatus);

$('who').textContent = `you are ${node.participantId}`;
$('note').textContent = `Open this page in another tab to chat. Topic ${topic}; state in OPFS under sds-chat/${node.participantId}` +
  (impairment ? `; incoming frames impaired: ${JSON.stringify(impairment)}` : '');

/** Sends `text` (or raw bytes) on the topic; resolves with the request id. */
async function send(payload) {
  const requestId = await node.send({ contentTopic: topic, payload: typeof payload === 'string' ? encoder.encode(payload) : payload });
  const own = (await node.history(topic, 50)).find((message) => message.requestId === requestId);
  if (own !== undefined) render(logged(own));
  return requestId;
}

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('text').value.trim();
  if (text === '') return;
  $('text').value = '';
  await send(text);
});
$('text').disabled = false;
$('send').disabled = false;

// Leaving the page: stop feeding the channels and let the steps already under way report back
// while the next page loads (an event the worker posts after the page is gone is lost, and the
// node's log would miss what that step did; see docs/messaging.md, "Limits").
addEventListener('beforeunload', () => void node.stop());
// Back from the back/forward cache the jobs are closed (see docs/web-api.md): start afresh.
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload();
});

// For tests and the console.
window.chat = { node, topic, send, history: () => node.history(topic), ready: true };
