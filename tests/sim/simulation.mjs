// One simulated run: N participants on one channel over a lossy broadcast
// network (network.mjs), sending over simulated time, restarting from their
// database midway, then repairing until everyone holds every message or a
// simulated deadline passes. Deterministic: every random choice comes from
// the seed, and time is the schedule's clock, handed to our engine as `now`
// and to @waku/sds through Date.now, which is replaced while a run lasts
// (with Math.random, which @waku/sds uses for sync ids).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { Ledger } from './ledger.mjs';
import { Network, TRAFFIC_KINDS } from './network.mjs';
import { OurPeer } from './our-peer.mjs';
import { seeded } from './random.mjs';
import { Schedule } from './schedule.mjs';
import { WakuPeer } from './waku-peer.mjs';

export const DIALECTS = ['nim', 'spec', 'mixed'];

/** The settings of a run; `simulate` takes any subset. */
export const DEFAULTS = Object.freeze({
  dialect: 'nim',          // 'nim' | 'spec' | 'mixed' (spec, every third participant @waku/sds)
  n: 10,
  seed: 1,
  messagesPerPeer: 3,
  payloadBytes: [64, 512],
  sendPhaseMs: 60_000,      // sends are spread uniformly over this
  loss: 0.3,
  duplicate: 0.1,
  delayMs: [10, 2_000],
  restarts: true,           // each of our participants restarts once in the middle half
  downtimeMs: [1_000, 10_000],
  tickMs: 1_000,
  deadlineMs: 30 * 60_000,  // repair time allowed after the last send
  causalHistory: 10,
  channelId: 'sim',
});

// Engine settings of our participants: the defaults, with the SDS-R window of
// @waku/sds (30–120 s) everywhere so that mixed and pure runs compare.
const engineConfig = (dialect, causalHistory) => ({
  maxCausalHistory: causalHistory,
  repairTMinMs: 30_000,
  repairTMaxMs: 120_000,
  ...(dialect === 'nim' ? { dialect: 'nim' } : { dialect: 'spec', contentAddressedIds: true }),
});

// The @waku/sdk ReliableChannel timing the @waku/sds driver follows.
const wakuTiming = (causalHistory) => ({
  syncIntervalMs: 30_000,
  incomingSweepMs: 5_000,
  repairSweepMs: 10_000,
  retryIntervalMs: 30_000,
  maxRetries: 10,
  causalHistorySize: causalHistory,
  repairTMinMs: 30_000,
  repairTMaxMs: 120_000,
});

const T0 = 1_750_000_000_000;  // simulated epoch, what Date.now() and `now` start at
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

const isWaku = (dialect, index) => dialect === 'mixed' && index % 3 === 2;

function payload(random, sender, index, [min, max]) {
  const head = `${sender} #${index} `;
  let text = head;
  const length = random.int(min, max);
  while (text.length < length) text += LETTERS[random.int(0, 25)];
  return new TextEncoder().encode(text);
}

// Replaces Date.now and Math.random for the run's duration.
function installGlobals(clock, random) {
  const saved = { now: Date.now, random: Math.random };
  Date.now = clock;
  Math.random = () => random.next();
  return () => {
    Date.now = saved.now;
    Math.random = saved.random;
  };
}

/**
 * Runs one scenario.
 * @param {object} core the loaded wasm module (build/wasm/dist/sds_core.mjs)
 * @param {Partial<typeof DEFAULTS>} settings
 */
export async function simulate(core, settings = {}) {
  const options = { ...DEFAULTS, ...settings };
  if (!DIALECTS.includes(options.dialect)) throw new Error(`unknown dialect ${options.dialect}`);
  const random = seeded(options.seed);
  const schedule = new Schedule();
  const now = () => T0 + schedule.now;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-sim-'));
  const restoreGlobals = installGlobals(now, random.fork('math-random'));
  const started = performance.now();
  const peers = [];
  try {
    const ids = Array.from({ length: options.n }, (_, i) =>
      `${isWaku(options.dialect, i) ? 'w' : 'p'}${String(i).padStart(2, '0')}`);
    const ledger = new Ledger(ids);
    const network = new Network({
      schedule, random: random.fork('network'), loss: options.loss, duplicate: options.duplicate,
      minDelayMs: options.delayMs[0], maxDelayMs: options.delayMs[1],
      deliver: async (to, bytes) => network.broadcast(to, await to.receive(bytes, now())),
    });
    const onDelivered = (peer, messageId) => ledger.delivered(peer, messageId);
    ids.forEach((id, i) => {
      const peer = isWaku(options.dialect, i)
        ? new WakuPeer({ channelId: options.channelId, id, timing: wakuTiming(options.causalHistory), onDelivered })
        : new OurPeer({
          core, dir, channelId: options.channelId, id, onDelivered,
          config: engineConfig(options.dialect, options.causalHistory),
        });
      peers.push(peer);
      network.join(peer);
    });

    // Sends: each participant's at uniform times; one that is down sends when back.
    const sendTimes = random.fork('send-times');
    const contents = random.fork('payloads');
    let sendsLeft = options.n * options.messagesPerPeer;
    let lastSendAt = 0;
    let convergedAt;
    const postponed = new Map(peers.map((peer) => [peer, []]));
    const send = async (peer, index) => {
      if (!peer.online) {
        postponed.get(peer).push(index);
        return;
      }
      const bytes = payload(contents, peer.id, index, options.payloadBytes);
      const items = await peer.send(bytes, `${peer.id}-${index}`, now());
      ledger.sent(peer.id, items[0].bytes, schedule.now);
      network.broadcast(peer, items);
      if (--sendsLeft === 0) {
        lastSendAt = schedule.now;
        ledger.closeSending(() => { convergedAt ??= schedule.now; });
      }
    };
    for (const peer of peers) {
      const times = Array.from({ length: options.messagesPerPeer },
        () => sendTimes.int(0, options.sendPhaseMs)).sort((a, b) => a - b);
      times.forEach((at, index) => schedule.at(at, () => send(peer, index)));
    }

    // Ticks, from a random phase per participant.
    const phases = random.fork('tick-phase');
    for (const peer of peers) {
      const tick = async () => {
        if (peer.online) network.broadcast(peer, await peer.tick(now()));
        schedule.after(options.tickMs, tick);
      };
      schedule.at(phases.int(0, options.tickMs - 1), tick);
    }

    // Restarts: our participants close and reopen from their files once.
    const restarts = { count: 0, logMismatches: 0 };
    if (options.restarts) {
      const when = random.fork('restarts');
      for (const peer of peers.filter((p) => p.kind === 'ours')) {
        const at = when.int(options.sendPhaseMs / 4, (3 * options.sendPhaseMs) / 4);
        const down = when.int(...options.downtimeMs);
        schedule.at(at, () => peer.close());
        schedule.at(at + down, async () => {
          peer.open();
          restarts.count++;
          // The reopened log is what the application saw, in the same order.
          const log = peer.log().map((entry) => entry.messageId);
          const seen = [...ledger.held.get(peer.id).keys()];
          if (log.join('\n') !== seen.join('\n')) restarts.logMismatches++;
          for (const index of postponed.get(peer).splice(0)) await send(peer, index);
        });
      }
    }

    // Runs until everyone holds everything, or the deadline after the last send.
    await schedule.run(options.sendPhaseMs + options.downtimeMs[1], () => sendsLeft === 0);
    await schedule.run(lastSendAt + options.deadlineMs, () => convergedAt !== undefined);

    const kinds = new Map(peers.map((peer) => [peer.id, peer.kind]));
    const traffic = network.traffic;
    const wireBytes = TRAFFIC_KINDS.reduce((sum, kind) => sum + traffic[kind].bytes, 0);
    const deliveries = [...ledger.held.values()].reduce((sum, held) => sum + held.size, 0) - ledger.messages.size;
    const wakuErrors = peers.filter((peer) => peer.kind === 'waku').reduce((sum, peer) => sum + peer.errors.length, 0);
    return {
      dialect: options.dialect,
      n: options.n,
      waku: peers.filter((peer) => peer.kind === 'waku').length,
      seed: options.seed,
      causalHistory: options.causalHistory,
      converged: convergedAt !== undefined,
      convergenceMs: convergedAt === undefined ? undefined : convergedAt - lastSendAt,
      lastSendMs: lastSendAt,
      simulatedMs: schedule.now,
      messages: ledger.messages.size,
      deliveries,
      traffic,
      copies: network.copies,
      bytesPerDelivery: deliveries === 0 ? 0 : wireBytes / deliveries,
      restarts,
      checks: ledger.check(kinds),
      wakuErrors,
      wallMs: performance.now() - started,
    };
  } finally {
    restoreGlobals();
    for (const peer of peers) if (peer.kind === 'ours' && peer.online) peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
