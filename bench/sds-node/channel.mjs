// `ours-channel`: ReliableChannel (the public TypeScript API, `sds-wasm`) with its state in a job
// on disk: the engine runs in the job's worker thread and commits every step (one SQLite
// transaction, WAL, synchronous=FULL) before the step's promise resolves.
//
// Calls are pipelined one window (1,000 messages, the rate window) at a time: the window's sends (or receives) are issued without
// awaiting each other and the window ends when all of them resolved, i.e. every one of its steps
// is committed. The next window starts after that.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CHANNEL, RECEIVER, SENDER, START_MS, PhaseTimer, windowFor } from './workload.mjs';
import { engineConfig } from './ours.mjs';
import { memoryAfterGc } from './memory.mjs';

/**
 * Runs one case with `api` (the `sds-wasm` package's Node entry) in a fresh directory (removed
 * afterwards), one job per participant.
 * `synchronousFull` false runs the jobs with synchronous=NORMAL (commits reach the disk at
 * checkpoints) instead of their default, FULL.
 */
export async function runChannel({ api, history, dialect, payloads, ids, progress, synchronousFull = true }) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sds-bench-channel-'));
  const persistency = await api.Persistency.open(root, { store: { synchronousFull } });
  try {
    let now = START_MS;
    const clock = () => now;
    const config = engineConfig(history, payloads.length);
    const open = async (participantId) =>
      (await persistency.openJob(participantId)).channel(CHANNEL, { participantId, dialect, config, clock, tickIntervalMs: 0 });
    const alice = await open(SENDER);
    const bob = await open(RECEIVER);
    const delivered = new Map();
    bob.addEventListener('delivered', (event) => delivered.set(event.detail.messageId, (delivered.get(event.detail.messageId) ?? 0) + 1));

    const step = windowFor(payloads.length);
    const wires = [];
    const wrap = new PhaseTimer();
    for (let start = 0; start < payloads.length; start += step) {
      const window = payloads.slice(start, start + step);
      const t0 = performance.now();
      const sent = await Promise.all(window.map((payload) => {
        const promise = alice.send(payload);
        ++now;
        return promise;
      }));
      const t1 = performance.now();
      sent.forEach((message, j) => {
        if (message.messageId !== ids[start + j]) throw new Error(`channel send ${start + j}: id ${message.messageId}`);
        wires.push(message.bytes);
      });
      wrap.add(window.length, t1 - t0, sent.reduce((sum, m) => sum + m.bytes.length, 0));
      progress?.('wrap', start + window.length);
    }
    const afterWrap = memoryAfterGc(alice, bob, persistency);

    const unwrap = new PhaseTimer();
    for (let start = 0; start < wires.length; start += step) {
      const window = wires.slice(start, start + step);
      const t0 = performance.now();
      const received = await Promise.all(window.map((bytes) => {
        const promise = bob.receive(bytes);
        ++now;
        return promise;
      }));
      const t1 = performance.now();
      received.forEach((got, j) => {
        const id = ids[start + j];
        if (got.kind !== 'content' || got.duplicate || got.missing.length !== 0 || got.messageId !== id || delivered.get(id) !== 1) {
          throw new Error(`channel receive ${start + j}: not a clean delivery`);
        }
      });
      unwrap.add(window.length, t1 - t0, window.reduce((sum, bytes) => sum + bytes.length, 0));
      progress?.('unwrap', start + window.length);
    }
    const afterUnwrap = memoryAfterGc(alice, bob, persistency);
    return { wrap: { ...wrap.summary(), ...afterWrap }, unwrap: { ...unwrap.summary(), ...afterUnwrap } };
  } finally {
    await persistency.close();
    await rm(root, { recursive: true, force: true });
  }
}
