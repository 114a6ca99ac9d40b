// A participant running @waku/sds 0.0.8 (the pinned devDependency). Its
// MessageChannel has no transport, timers or resends of its own; this driver
// does what @waku/sdk's ReliableChannel does around it
// (/work/shared/reference/sds-js-waku.md §2.6), on the simulated clock:
// incoming-buffer and repair sweeps, periodic sync messages, and retries of
// unacknowledged messages (pushOutgoingMessage with the same payload re-sends
// the buffered message unchanged). It reads Date.now() and Math.random()
// itself: the simulation replaces both while it runs (simulation.mjs).
//
// It keeps everything in memory (the package has no persistence), so the
// simulation never restarts it.
import { MessageChannel, Message } from '@waku/sds';

export class WakuPeer {
  /**
   * @param {object} options
   * @param {string} options.channelId
   * @param {string} options.id
   * @param {object} options.timing {syncIntervalMs, incomingSweepMs, repairSweepMs,
   *   retryIntervalMs, maxRetries, causalHistorySize, repairTMinMs, repairTMaxMs}
   * @param {(peer: string, messageId: string) => void} options.onDelivered
   */
  constructor({ channelId, id, timing, onDelivered }) {
    Object.assign(this, { id, timing });
    this.kind = 'waku';
    this.online = true;
    this.channel = new MessageChannel(channelId, id, {
      causalHistorySize: timing.causalHistorySize,
      repairConfig: { tMin: timing.repairTMinMs, tMax: timing.repairTMaxMs },
    });
    this.channel.addEventListener('sds:in:message-delivered', (event) => onDelivered(id, event.detail));
    this.errors = [];
    this.channel.addEventListener('sds:error-task', (event) => this.errors.push(event.detail));
    this.retries = new Map();  // message id → {sentAt, count}
    this.next = { sync: 0, incoming: 0, repair: 0 };
  }

  // pushOutgoingMessage with a callback that captures the encoded bytes.
  async push(payload) {
    let bytes;
    this.channel.pushOutgoingMessage(payload, async (message) => {
      bytes = message.encode();
      return { success: true };
    });
    await this.channel.processTasks();
    if (bytes === undefined) throw new Error(`${this.id}: @waku/sds did not send`);
    return bytes;
  }

  async send(payload, _messageId, now) {
    const bytes = await this.push(payload);
    this.retries.set(MessageChannel.getMessageId(payload), { sentAt: now, count: 0 });
    return [{ kind: 'content', bytes }];
  }

  async receive(bytes) {
    const message = Message.decode(bytes);
    if (message === undefined) throw new Error(`${this.id}: @waku/sds could not decode a message`);
    this.channel.pushIncomingMessage(message, undefined);
    await this.channel.processTasks();
    return [];
  }

  async tick(now) {
    const out = [];
    const due = (task, interval) => {
      if (now < this.next[task]) return false;
      this.next[task] = now + interval;
      return true;
    };
    if (due('incoming', this.timing.incomingSweepMs)) this.channel.sweepIncomingBuffer();
    if (due('repair', this.timing.repairSweepMs)) {
      await this.channel.sweepRepairIncomingBuffer(async (message) => {
        out.push({ kind: 'repair', bytes: message.encode() });
      });
    }
    const { unacknowledged, possiblyAcknowledged } = this.channel.sweepOutgoingBuffer();
    for (const message of [...unacknowledged, ...possiblyAcknowledged]) {
      const retry = this.retries.get(message.messageId);
      if (retry === undefined || retry.count >= this.timing.maxRetries) continue;
      if (now - retry.sentAt < this.timing.retryIntervalMs) continue;
      retry.count++;
      retry.sentAt = now;
      out.push({ kind: 'resend', bytes: await this.push(message.content) });
    }
    if (due('sync', this.timing.syncIntervalMs)) {
      let bytes;
      await this.channel.pushOutgoingSyncMessage(async (message) => {
        bytes = message.encode();
        return true;
      });
      if (bytes !== undefined) out.push({ kind: 'sync', bytes });
    }
    return out;
  }
}
