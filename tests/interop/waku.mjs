// The interop peer: @waku/sds (the npm devDependency, pinned to 0.0.8) and
// small drivers around its MessageChannel, which has no transport and no
// timers of its own: sending hands the encoded bytes to a callback,
// receiving takes decoded messages, and processTasks() runs what was queued.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { MessageChannel, Message } from '@waku/sds';

export { MessageChannel, Message };
export {
  ContentMessage,
  SyncMessage,
  EphemeralMessage,
  MessageChannelEvent,
} from '@waku/sds';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, '../../node_modules/@waku/sds/dist');

/** The installed version; the vectors and tests are written for this one. */
export const wakuVersion = JSON.parse(readFileSync(path.join(dist, '../package.json'), 'utf8')).version;

// Modules the package does not export from its root; imported by file, read only.
const internal = (file) => import(pathToFileURL(path.join(dist, file)).href);
const { RepairManager } = await internal('message_channel/repair/repair.js');
const { hashToInteger } = await internal('message_channel/repair/utils.js');
export { RepairManager, hashToInteger };

/** Lowercase hex of bytes. */
export const hex = (bytes) => Buffer.from(bytes).toString('hex');
export const fromHex = (text) => Uint8Array.from(Buffer.from(text, 'hex'));

/**
 * One @waku/sds participant. Every event it dispatches is recorded in
 * `events` as [type, detail]; `sent` collects the bytes its send callbacks
 * produced, in order.
 */
export class WakuPeer {
  constructor(channelId, senderId, options = {}) {
    this.channel = new MessageChannel(channelId, senderId, options);
    this.events = [];
    this.sent = [];
    for (const type of [
      'sds:out:message-sent', 'sds:in:message-delivered', 'sds:in:message-received',
      'sds:out:message-acknowledged', 'sds:out:message-possibly-acknowledged',
      'sds:in:message-missing', 'sds:out:sync-sent', 'sds:in:sync-received',
      'sds:in:message-irretrievably-lost', 'sds:error-task', 'sds:repair:request-sent',
      'sds:repair:request-received', 'sds:repair:response-sent',
    ]) {
      this.channel.addEventListener(type, (event) => this.events.push([type, event.detail]));
    }
  }

  /** Events of `type` since the last takeEvents(), their details. */
  details(type) {
    return this.events.filter(([t]) => t === type).map(([, detail]) => detail);
  }

  takeEvents() {
    return this.events.splice(0);
  }

  /** Sends a content message; returns {messageId, bytes}. */
  async send(payload) {
    let bytes;
    this.channel.pushOutgoingMessage(payload, async (message) => {
      bytes = message.encode();
      return { success: true };
    });
    await this.channel.processTasks();
    if (!bytes) throw new Error('the send callback did not run');
    this.sent.push(bytes);
    return { messageId: MessageChannel.getMessageId(payload), bytes };
  }

  async sendEphemeral(payload) {
    let bytes;
    await this.channel.pushOutgoingEphemeralMessage(payload, async (message) => {
      bytes = message.encode();
      return true;
    });
    await this.channel.processTasks();
    if (!bytes) throw new Error('the ephemeral callback did not run');
    this.sent.push(bytes);
    return bytes;
  }

  /** A sync message's bytes, or undefined when the peer sends none. */
  async sync() {
    let bytes;
    const sent = await this.channel.pushOutgoingSyncMessage(async (message) => {
      bytes = message.encode();
      return true;
    });
    if (sent) this.sent.push(bytes);
    return sent ? bytes : undefined;
  }

  /** Decodes and processes received bytes; returns the decoded message. */
  async receive(bytes, retrievalHint) {
    const message = Message.decode(bytes);
    if (message === undefined) throw new Error('@waku/sds could not decode the bytes');
    this.channel.pushIncomingMessage(message, retrievalHint);
    await this.channel.processTasks();
    return message;
  }

  /** The repair responses that are due, as bytes to broadcast. */
  async repairsDue() {
    const out = [];
    await this.channel.sweepRepairIncomingBuffer(async (message) => {
      out.push(message.encode());
    });
    return out;
  }
}
