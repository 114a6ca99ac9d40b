// The chat demo (examples/chat, built by Vite) in two tabs of headless Chromium, over
// BroadcastChannel and over the WebSocket relay, with 30% of incoming frames dropped and some
// reordered and duplicated; one tab is reloaded mid-conversation. Both end with every message once, in causal order, every
// own message acknowledged, on screen too. Screenshots go to build/artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { BrowserSession } from '../browser/chromium.mjs';
import { packageBuilt } from '../browser/harness.mjs';
import { repoRoot, startServer } from '../browser/server.mjs';
import { startRelay } from '../../examples/relay/relay.mjs';

const perParticipant = 12;
const participants = ['alice', 'bob'];
let outDir;
let server;
let browser;
let relay;

before(async () => {
  assert.ok(packageBuilt(), 'the package is not built: run `bash scripts/build.sh`');
  outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sds-chat-'));
  await build({
    configFile: path.join(repoRoot, 'examples/chat/vite.config.mjs'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  // The conversation checks run inside the pages too.
  await fs.mkdir(path.join(outDir, 'test'));
  for (const file of ['conversation.mjs', 'settle.mjs']) {
    await fs.copyFile(path.join(repoRoot, 'tests/messaging', file), path.join(outDir, 'test', file));
  }
  server = await startServer({ root: outDir });
  browser = await BrowserSession.launch();
  relay = await startRelay({ port: 0 });
}, { timeout: 120_000 });

after(async () => {
  await browser?.dispose();
  await server?.close();
  await relay?.close();
  if (outDir) await fs.rm(outDir, { recursive: true, force: true });
});

async function openChat(name, seed, query) {
  const page = await browser.open(server.url(`/index.html?name=${name}&drop=0.3&reorder=0.2&duplicate=0.05&seed=${seed}&fast${query}`));
  await page.page.waitForFunction(() => window.chat?.ready === true);
  return page;
}

// Sends message `n` of the page's participant, saying how much of the conversation it had seen.
function sendNext(page, name, n) {
  return page.run(async ({ name, n }) => {
    const { conversationPayload } = await import('/test/conversation.mjs');
    return window.chat.send(conversationPayload(name, n, await window.chat.history()));
  }, { name, n });
}

// Waits (on the node's events, no polling) until the page's history is complete and right.
function settle(page) {
  return page.run(async ({ participants, perParticipant }) => {
    const { historyProblems } = await import('/test/conversation.mjs');
    const { until } = await import('/test/settle.mjs');
    const problems = async () => historyProblems(await window.chat.history(), participants, perParticipant);
    await until(window.chat.node, async () => (await problems()).length === 0, {
      timeoutMs: 90_000,
      describe: async () => (await problems()).slice(0, 5).join('; '),
    });
    const rows = [...document.querySelectorAll('#messages li')].map((row) => ({ own: row.classList.contains('own'), status: row.dataset.status }));
    return { rows, missingShown: document.querySelectorAll('#missing li').length };
  }, { participants, perParticipant });
}

async function conversation(room, query) {
  const alice = await openChat(`alice`, 1, `&topic=/chat/1/${room}/proto${query}`);
  const bob = await openChat(`bob`, 2, `&topic=/chat/1/${room}/proto${query}`);
  for (let n = 0; n < perParticipant / 2; n += 1) {
    await sendNext(alice, 'alice', n);
    await sendNext(bob, 'bob', n);
  }
  // Bob reloads while alice keeps talking.
  const reloading = bob.reload();
  await sendNext(alice, 'alice', perParticipant / 2);
  await reloading;
  await bob.page.waitForFunction(() => window.chat?.ready === true);
  await sendNext(bob, 'bob', perParticipant / 2);
  for (let n = perParticipant / 2 + 1; n < perParticipant; n += 1) {
    await sendNext(alice, 'alice', n);
    await sendNext(bob, 'bob', n);
  }
  const screens = await Promise.all([alice, bob].map(settle));
  for (const screen of screens) {
    assert.equal(screen.rows.length, participants.length * perParticipant, 'every message is on screen once');
    assert.deepEqual(screen.rows.filter((row) => row.own).map((row) => row.status), Array(perParticipant).fill('acknowledged'));
    assert.equal(screen.missingShown, 0);
  }
  const artifacts = path.join(repoRoot, 'build/artifacts');
  await fs.mkdir(artifacts, { recursive: true });
  for (const [name, page] of [['alice', alice], ['bob', bob]]) {
    const file = path.join(artifacts, `chat-${room}-${name}.png`);
    await page.page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
  }
  assert.deepEqual([...alice.errors, ...bob.errors], []);
  await alice.close();
  await bob.close();
}

test('two tabs chat over a lossy BroadcastChannel, one reloaded mid-conversation', { timeout: 240_000 }, () => conversation('tabs', ''));

test('two tabs chat through the WebSocket relay, lossy, one reloaded mid-conversation', { timeout: 240_000 }, () => conversation('relay', `&relay=${relay.url}`));
