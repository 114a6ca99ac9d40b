// `waku`: @waku/sds 0.0.8's MessageChannel, driven as the reference harness does
// (reference/sds-js-waku.md §6). Spec dialect only.
import { readFileSync } from 'node:fs';
import { MessageChannel, Message } from '@waku/sds';
import { CHANNEL, RECEIVER, SENDER, PhaseTimer } from './workload.mjs';
import { memoryAfterGc } from './memory.mjs';

/** The installed @waku/sds version. */
export const wakuVersion = JSON.parse(
  readFileSync(new URL('../../node_modules/@waku/sds/package.json', import.meta.url), 'utf8'),
).version;

// Every event of a type the run must never see: its first occurrence fails the run.
function failOn(channel, types) {
  const seen = [];
  for (const type of types) channel.addEventListener(type, (event) => seen.push(`${type}: ${event.detail?.error ?? ''}`));
  return () => {
    if (seen.length > 0) throw new Error(`@waku/sds reported ${seen[0]}`);
  };
}

/**
 * Runs one case. Wrap: pushOutgoingMessage + await processTasks per message, the callback
 * encodes and reports success (so history and bloom filter are updated). Unwrap: a second
 * channel decodes, pushIncomingMessage + await processTasks, in send order. Nobody acknowledges;
 * bloom 10,000 / 0.001 (fixed in @waku/sds), repair on (its default).
 */
export async function runWaku({ history, payloads, ids, progress }) {
  const options = { causalHistorySize: history, enableRepair: true };
  const sender = new MessageChannel(CHANNEL, SENDER, options);
  const receiver = new MessageChannel(CHANNEL, RECEIVER, options);
  const checkSender = failOn(sender, ['sds:error-task']);
  const checkReceiver = failOn(receiver, ['sds:error-task', 'sds:in:message-missing']);
  let delivered = [];
  receiver.addEventListener('sds:in:message-delivered', (event) => delivered.push(event.detail));

  const wires = [];
  const wrap = new PhaseTimer();
  for (let i = 0; i < payloads.length; ++i) {
    let wire = null;
    const t0 = performance.now();
    sender.pushOutgoingMessage(payloads[i], async (message) => {
      wire = message.encode();
      return { success: true };
    });
    await sender.processTasks();
    const t1 = performance.now();
    if (wire === null) throw new Error(`@waku/sds wrap ${i}: the callback never ran`);
    checkSender();
    wrap.add(1, t1 - t0, wire.length);
    wires.push(wire);
    progress?.('wrap', i + 1);
  }
  const afterWrap = memoryAfterGc(sender, receiver);

  const unwrap = new PhaseTimer();
  for (let i = 0; i < wires.length; ++i) {
    const t0 = performance.now();
    const message = Message.decode(wires[i]);
    receiver.pushIncomingMessage(message, undefined);
    await receiver.processTasks();
    const t1 = performance.now();
    unwrap.add(1, t1 - t0, wires[i].length);
    checkReceiver();
    if (delivered.length !== 1 || delivered[0] !== ids[i]) {
      throw new Error(`@waku/sds unwrap ${i}: delivered ${JSON.stringify(delivered)}, expected ${ids[i]}`);
    }
    delivered = [];
    progress?.('unwrap', i + 1);
  }
  const afterUnwrap = memoryAfterGc(sender, receiver);
  return { wrap: { ...wrap.summary(), ...afterWrap }, unwrap: { ...unwrap.summary(), ...afterUnwrap } };
}
