/**
 * The node's own rows in its job, next to the SDS channels' rows: subscribed topics, every
 * message a topic sent or delivered (in local order, with its status), own messages still
 * waiting for an outcome, and messages reported missing.
 *
 * | category | key | payload |
 * | --- | --- | --- |
 * | `node.topics` | `(topic)` | empty |
 * | `node.messages` | `(topic, seq)` | the {@link LoggedMessage} as UTF-8 JSON |
 * | `node.pending` | `(topic, message id)` | seq of an own message not yet acknowledged or expired |
 * | `node.missing` | `(topic, message id)` | empty: reported missing, not delivered yet |
 * | `node.delivered` | `(topic)` | the channel log seq of the last delivery logged (big-endian uint64) |
 * @module
 */
import type { BatchOp, Job } from '../job.js';
import { key, prefixRange } from '../keys.js';

/**
 * The status of a message in the log: own messages go `sending` → `propagated` (handed to the
 * transport) → `acknowledged` (a peer has it) or `expired`; received messages are `received`.
 */
export type MessageStatus = 'sending' | 'propagated' | 'acknowledged' | 'expired' | 'received';

/** A message as the node's log keeps it. */
export interface LoggedMessage {
  /** Position in the topic's log (a causal order: a message comes after everything it depends on). */
  readonly seq: number;
  /** The SDS message id (`messageHash` in events). */
  readonly messageHash: string;
  /** The request id of an own message; empty for received ones. */
  readonly requestId: string;
  /** The sender's participant id. */
  readonly senderId: string;
  /** The payload, base64. */
  readonly payload: string;
  /** Whether this node sent it. */
  readonly own: boolean;
  /** Where it stands. */
  readonly status: MessageStatus;
  /** It had been reported missing before it arrived. */
  readonly repaired: boolean;
  /** When this node logged it (ms since the epoch). */
  readonly loggedAt: number;
}

const topicsCategory = 'node.topics';
const messagesCategory = 'node.messages';
const pendingCategory = 'node.pending';
const missingCategory = 'node.missing';
const deliveredCategory = 'node.delivered';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encodeMessage(message: LoggedMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

function decodeMessage(bytes: Uint8Array): LoggedMessage {
  return JSON.parse(decoder.decode(bytes)) as LoggedMessage;
}

function encodeSeq(seq: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(seq));
  return bytes;
}

function decodeSeq(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0));
}

const finalStatuses: ReadonlySet<MessageStatus> = new Set(['acknowledged', 'expired']);
const statusRank: Readonly<Record<MessageStatus, number>> = { sending: 0, propagated: 1, received: 1, acknowledged: 2, expired: 2 };

/** Whether `to` is a step forward from `from` (statuses never go back). */
export function advances(from: MessageStatus, to: MessageStatus): boolean {
  return statusRank[to] > statusRank[from];
}

/** The persisted log of one node; all writes are fire-and-forget, in order with the job's other work. */
export class MessageLog {
  readonly #job: Job;

  /** @param job - the node's job */
  constructor(job: Job) {
    this.#job = job;
  }

  /** The subscribed topics. */
  async topics(): Promise<string[]> {
    const rows = await this.#job.scan(topicsCategory);
    return rows.map((row) => decoder.decode(row.key.subarray(2)));
  }

  /** Records a subscription. */
  addTopic(topic: string): void {
    this.#job.put(topicsCategory, key(topic), new Uint8Array());
  }

  /** Forgets a subscription (the topic's messages stay). */
  removeTopic(topic: string): void {
    this.#job.delete(topicsCategory, key(topic));
  }

  /** The seq the topic's next message gets. */
  async nextSeq(topic: string): Promise<number> {
    const [last] = await this.#job.scanPrefix(messagesCategory, key(topic), { reverse: true, limit: 1 });
    return last === undefined ? 0 : decodeMessage(last.payload).seq + 1;
  }

  /** The topic's messages in log order; with `limit`, the last `limit` of them. */
  async messages(topic: string, limit = 0): Promise<LoggedMessage[]> {
    const rows = await this.#job.scanPrefix(messagesCategory, key(topic), { reverse: limit > 0, limit });
    const messages = rows.map((row) => decodeMessage(row.payload));
    return limit > 0 ? messages.reverse() : messages;
  }

  /** Own messages of the topic without an outcome yet, by message id. */
  async pending(topic: string): Promise<Map<string, LoggedMessage>> {
    const rows = await this.#job.scanPrefix(pendingCategory, key(topic));
    const pending = new Map<string, LoggedMessage>();
    for (const row of rows) {
      const seq = decodeSeq(row.payload);
      const stored = await this.#job.get(messagesCategory, key(topic, seq));
      if (stored !== undefined) {
        const message = decodeMessage(stored);
        pending.set(message.messageHash, message);
      }
    }
    return pending;
  }

  /** Message ids of the topic reported missing and not delivered yet. */
  async missing(topic: string): Promise<string[]> {
    const prefix = key(topic);
    const rows = await this.#job.scan(missingCategory, prefixRange(prefix));
    return rows.map((row) => decoder.decode(row.key.subarray(prefix.length + 2)));
  }

  /**
   * The channel log seq of the topic's last logged delivery (0: none): deliveries above it are
   * replayed from the channel's log at start.
   */
  async deliveredSeq(topic: string): Promise<number> {
    const stored = await this.#job.get(deliveredCategory, key(topic));
    return stored === undefined ? 0 : decodeSeq(stored);
  }

  /**
   * Records a message (new, or a new status of a logged one), in one transaction with its
   * bookkeeping; a received one with `deliveredSeq`, its channel log seq.
   */
  write(topic: string, message: LoggedMessage, deliveredSeq?: number): void {
    const ops: BatchOp[] = [{ op: 'put', category: messagesCategory, key: key(topic, message.seq), payload: encodeMessage(message) }];
    const id = key(topic, message.messageHash);
    if (message.own && !finalStatuses.has(message.status)) {
      ops.push({ op: 'put', category: pendingCategory, key: id, payload: encodeSeq(message.seq) });
    } else if (message.own) {
      ops.push({ op: 'delete', category: pendingCategory, key: id });
    } else {
      ops.push({ op: 'delete', category: missingCategory, key: id });
    }
    if (deliveredSeq !== undefined) ops.push({ op: 'put', category: deliveredCategory, key: key(topic), payload: encodeSeq(deliveredSeq) });
    this.#job.batch(ops);
  }

  /** Forgets an own message whose send failed before it was committed. */
  discard(topic: string, message: LoggedMessage): void {
    this.#job.batch([
      { op: 'delete', category: messagesCategory, key: key(topic, message.seq) },
      { op: 'delete', category: pendingCategory, key: key(topic, message.messageHash) },
    ]);
  }

  /** Records ids reported missing. */
  addMissing(topic: string, messageIds: readonly string[]): void {
    this.#job.batch(messageIds.map((id) => ({ op: 'put', category: missingCategory, key: key(topic, id), payload: new Uint8Array() })));
  }
}
