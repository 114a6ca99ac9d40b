/**
 * {@link MessagingNode}: the Logos Delivery messaging API (create, start, stop, destroy,
 * subscribe, unsubscribe, send → request id, events) over any {@link Transport}, with SDS
 * reliability per content topic. All of a node's state (its channels, its message log and its
 * subscriptions) lives in one job, so a reloaded page or a restarted process continues where
 * it stopped.
 * @module
 */
import type { ChannelEventDetails, ChannelEventType } from '../channel-types.js';
import { SdsError } from '../errors.js';
import type { Job } from '../job.js';
import { Persistency } from '../persistency.js';
import type { ChannelEvent, ReliableChannel } from '../reliable-channel.js';
import { TransportError, type ConnectionStatus } from '../transports/transport.js';
import { TypedEventTarget } from '../typed-events.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { checkContentTopic, resolveConfig, type NodeConfig, type ResolvedConfig } from './config.js';
import { MessagingError } from './errors.js';
import { NodeEvent, type NodeEventDetails, type NodeEventMap, type NodeEventType } from './events.js';
import { advances, MessageLog, type LoggedMessage, type MessageStatus } from './message-log.js';

/** What {@link MessagingNode.send} takes: the Logos Delivery send JSON's fields. */
export interface SendRequest {
  /** A subscribed content topic. */
  readonly contentTopic: string;
  /** The payload: bytes, or a base64 string as in the C library's JSON. */
  readonly payload: Uint8Array | string;
  /**
   * Send without reliability (default false): no causal order, acknowledgement, resend or
   * history entry. Its only outcome is `message_propagated` (or `message_error` `transport`,
   * final: nothing resends it).
   */
  readonly ephemeral?: boolean;
}

/** A node's lifecycle state. */
export type NodeState = 'created' | 'started' | 'destroyed';

interface OpenTopic {
  readonly channel: ReliableChannel;
  readonly pending: Map<string, LoggedMessage>;
  readonly missing: Set<string>;
  /** Received messages waiting for dependencies (not missing: they are here). */
  readonly waiting: Set<string>;
  nextSeq: number;
  /** The channel log seq of the last delivery logged. */
  deliveredSeq: number;
}

/** Where {@link interceptChannelEvents} sends a node's channel events instead of the node. */
export type ChannelEventSink = <K extends ChannelEventType>(contentTopic: string, type: K, detail: ChannelEventDetails[K]) => void;

let intercept: (node: MessagingNode, sink: ChannelEventSink | undefined) => void;

/**
 * Hands `node`'s channel events to `sink` instead of the node (`undefined`: back to the node),
 * as when the page dies after the channel committed a step and before its events arrived.
 * Test hook (`sds-wasm/testing`).
 * @internal
 */
export function interceptChannelEvents(node: MessagingNode, sink: ChannelEventSink | undefined): void {
  intercept(node, sink);
}

function randomHex(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A messaging node. Create one with {@link createNode}, then `start` it. Refused calls reject
 * with {@link MessagingError} and change nothing.
 */
export class MessagingNode extends TypedEventTarget<NodeEventMap> {
  /** This node's participant id. */
  readonly participantId: string;
  readonly #config: ResolvedConfig;
  readonly #persistency: Persistency;
  readonly #log: MessageLog;
  readonly #subscribed: Set<string>;
  readonly #open = new Map<string, OpenTopic>();
  #state: NodeState = 'created';
  #lifecycle: Promise<unknown> = Promise.resolve();
  #interceptor: ChannelEventSink | undefined;

  static {
    intercept = (node, sink) => {
      node.#interceptor = sink;
    };
  }

  private constructor(config: ResolvedConfig, persistency: Persistency, job: Job, topics: readonly string[]) {
    super();
    this.participantId = config.participantId;
    this.#config = config;
    this.#persistency = persistency;
    this.#log = new MessageLog(job);
    this.#subscribed = new Set(topics);
  }

  /** @internal */
  static async create(config: NodeConfig): Promise<MessagingNode> {
    const resolved = resolveConfig(config);
    const persistency = await Persistency.open(resolved.localStoragePath);
    try {
      const job = await persistency.openJob(resolved.jobId);
      const topics = await new MessageLog(job).topics();
      return new MessagingNode(resolved, persistency, job, [...new Set([...topics, ...resolved.contentTopics])]);
    } catch (error) {
      await persistency.close();
      throw error;
    }
  }

  /** `created` (or stopped), `started` or `destroyed`. */
  get state(): NodeState {
    return this.#state;
  }

  /** The subscribed content topics. */
  get contentTopics(): string[] {
    return [...this.#subscribed];
  }

  /** The transport's link state. */
  get connectionStatus(): ConnectionStatus {
    return this.#config.transport.status;
  }

  /** Starts the transport and opens a reliable channel per subscribed topic. Starting a started node does nothing. */
  start(): Promise<void> {
    return this.#serial(async () => {
      if (this.#state === 'started') return;
      await this.#config.transport.start({
        frame: (topic, bytes) => this.#receive(topic, bytes),
        status: (status) => this.#statusChanged(status),
      });
      this.#state = 'started';
      for (const topic of this.#subscribed) await this.#openTopic(topic);
    });
  }

  /** Closes the channels (their state stays) and stops the transport. Stopping a stopped node does nothing. */
  stop(): Promise<void> {
    return this.#serial(() => this.#stop());
  }

  /** Stops the node and closes its storage; any later call but `destroy` is `Destroyed`. */
  destroy(): Promise<void> {
    const run = this.#lifecycle.then(async () => {
      if (this.#state === 'destroyed') return;
      try {
        await this.#stop();
      } finally {
        this.#state = 'destroyed';
        await this.#persistency.close();
      }
    });
    this.#lifecycle = run.catch(() => undefined);
    return run;
  }

  /** Subscribes `contentTopic` (persisted: it stays subscribed across restarts). Subscribing again does nothing. */
  subscribe(contentTopic: string): Promise<void> {
    return this.#serial(async () => {
      const topic = checkContentTopic(contentTopic);
      if (this.#subscribed.has(topic)) return;
      this.#subscribed.add(topic);
      this.#log.addTopic(topic);
      if (this.#state === 'started') await this.#openTopic(topic);
    });
  }

  /** Unsubscribes `contentTopic`; its channel state and messages stay for a later subscribe. */
  unsubscribe(contentTopic: string): Promise<void> {
    return this.#serial(async () => {
      const topic = checkContentTopic(contentTopic);
      if (!this.#subscribed.has(topic)) throw new MessagingError('UnknownTopic', `not subscribed to ${topic}`);
      this.#subscribed.delete(topic);
      this.#log.removeTopic(topic);
      await this.#closeTopic(topic);
    });
  }

  /**
   * Sends a message on a subscribed topic and resolves with its request id once the message is
   * committed (it survives a reload from then on). Its outcome arrives as events:
   * `message_propagated`, then `message_sent` or `message_error`.
   */
  async send(request: SendRequest): Promise<string> {
    this.#ensureAlive();
    if (typeof request !== 'object' || request === null) throw new MessagingError('InvalidArgument', 'the request must be an object');
    const topic = checkContentTopic(request.contentTopic);
    const payload = this.#checkPayload(request.payload);
    if (request.ephemeral !== undefined && typeof request.ephemeral !== 'boolean') throw new MessagingError('InvalidArgument', 'ephemeral must be a boolean');
    if (!this.#subscribed.has(topic)) throw new MessagingError('UnknownTopic', `not subscribed to ${topic}`);
    const open = this.#open.get(topic);
    if (open === undefined) throw new MessagingError('NotStarted', 'the node is not started');
    const requestId = randomHex(32);
    if (request.ephemeral === true) {
      await this.#sendEphemeral(topic, open, requestId, payload);
      return requestId;
    }
    const record = this.#append(topic, open, {
      messageHash: crypto.randomUUID(),
      requestId,
      senderId: this.participantId,
      payload: encodeBase64(payload),
      own: true,
      status: 'sending',
      repaired: false,
    });
    await this.#commitOwn(topic, open, record, payload, true);
    return requestId;
  }

  /** The topic's messages in causal order (own and received, with their status); with `limit`, the last ones. */
  async history(contentTopic: string, limit = 0): Promise<LoggedMessage[]> {
    this.#ensureAlive();
    return this.#log.messages(checkContentTopic(contentTopic), limit);
  }

  /** Ids of messages of the topic reported missing and not delivered yet. */
  async missing(contentTopic: string): Promise<string[]> {
    this.#ensureAlive();
    return this.#log.missing(checkContentTopic(contentTopic));
  }

  #ensureAlive(): void {
    if (this.#state === 'destroyed') throw new MessagingError('Destroyed', 'the node was destroyed');
  }

  // Lifecycle calls run one at a time, in call order; each checks the node is alive when it runs.
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lifecycle.then(() => {
      this.#ensureAlive();
      return work();
    });
    this.#lifecycle = run.catch(() => undefined);
    return run;
  }

  #checkPayload(payload: unknown): Uint8Array {
    let bytes: Uint8Array | undefined;
    if (payload instanceof Uint8Array) bytes = payload.slice();
    else if (typeof payload === 'string') bytes = decodeBase64(payload);
    else throw new MessagingError('InvalidArgument', 'payload must be a Uint8Array or a base64 string');
    if (bytes === undefined) throw new MessagingError('InvalidArgument', 'invalid payload format: not base64');
    if (bytes.length === 0) throw new MessagingError('InvalidArgument', 'the payload is empty');
    if (bytes.length > this.#config.maxMessageSize) {
      throw new MessagingError('PayloadTooLarge', `the payload has ${bytes.length} bytes; at most ${this.#config.maxMessageSize}`);
    }
    return bytes;
  }

  async #stop(): Promise<void> {
    if (this.#state !== 'started') return;
    this.#state = 'created';
    await this.#config.transport.stop();
    for (const topic of [...this.#open.keys()]) await this.#closeTopic(topic);
  }

  async #openTopic(topic: string): Promise<void> {
    const job = this.#persistency.job(this.#config.jobId);
    const channel = await job.channel(topic, {
      participantId: this.participantId,
      dialect: this.#config.dialect,
      config: this.#config.channelConfig,
      tickIntervalMs: this.#config.tickIntervalMs,
    });
    const open: OpenTopic = {
      channel,
      pending: await this.#log.pending(topic),
      missing: new Set(await this.#log.missing(topic)),
      waiting: new Set(),
      nextSeq: await this.#log.nextSeq(topic),
      deliveredSeq: await this.#log.deliveredSeq(topic),
    };
    this.#open.set(topic, open);
    this.#listen(topic, open);
    // Deliveries committed after the last one logged (their events were lost to a reload or a
    // crash), before anything is received.
    for (const entry of await channel.log({ after: open.deliveredSeq })) {
      if (!entry.own) this.#delivered(topic, open, entry);
    }
    await this.#config.transport.subscribe(topic);
    await this.#reconcileOwn(topic, open);
  }

  // Own messages without an outcome in the log: one the channel no longer holds unacknowledged
  // was acknowledged while its event was lost (an expiry lost the same way looks alike); one
  // logged right before a crash may never have reached the channel: it is sent again under its
  // id (`DuplicateMessageId` says the channel had it).
  async #reconcileOwn(topic: string, open: OpenTopic): Promise<void> {
    const unacknowledged = new Set(await open.channel.pending());
    for (const record of [...open.pending.values()]) {
      if (unacknowledged.has(record.messageHash)) continue;
      if (record.status === 'sending' && (await this.#recommit(topic, open, record))) continue;
      this.#settle(topic, open, record.messageHash, 'acknowledged');
    }
  }

  // Sends a logged own message to the channel again; false when the channel had it already.
  // Any other refusal (a full outgoing buffer, say) leaves it `sending`, to try at the next start.
  async #recommit(topic: string, open: OpenTopic, record: LoggedMessage): Promise<boolean> {
    const payload = decodeBase64(record.payload);
    if (payload === undefined) return true;
    try {
      await this.#commitOwn(topic, open, record, payload, false);
      return true;
    } catch (error) {
      return !(error instanceof SdsError && error.kind === 'DuplicateMessageId');
    }
  }

  async #sendEphemeral(topic: string, open: OpenTopic, requestId: string, payload: Uint8Array): Promise<void> {
    const { messageId, bytes } = await open.channel.send(payload, { ephemeral: true });
    const failure = await this.#publish(topic, bytes);
    const detail = { requestId, messageHash: messageId, contentTopic: topic };
    if (failure === undefined) this.#emit('message_propagated', detail);
    else this.#emit('message_error', { ...detail, reason: 'transport', error: failure });
  }

  async #closeTopic(topic: string): Promise<void> {
    const open = this.#open.get(topic);
    if (open === undefined) return;
    this.#open.delete(topic);
    await open.channel.close();
    if (this.#state === 'started') await this.#config.transport.unsubscribe(topic);
  }

  #on<K extends ChannelEventType>(topic: string, open: OpenTopic, type: K, handler: (detail: ChannelEventDetails[K]) => void): void {
    open.channel.addEventListener(type, (event: Event) => {
      const { detail } = event as ChannelEvent<K>;
      if (this.#interceptor === undefined) handler(detail);
      else this.#interceptor(topic, type, detail);
    });
  }

  // Logs and reports a delivery (an event, or an entry of the channel's log after a restart),
  // once: deliveries at or below the last logged seq are known already. Ephemeral ones (seq 0)
  // are only reported.
  #delivered(topic: string, open: OpenTopic, delivery: ChannelEventDetails['delivered']): void {
    const { messageId, senderId, lamport, content, seq } = delivery;
    const payload = new Uint8Array(content);
    if (seq === 0) {
      this.#emit('message_received', { contentTopic: topic, messageHash: messageId, senderId, lamport, payload, repaired: false, ephemeral: true });
      return;
    }
    if (seq <= open.deliveredSeq) return;
    open.deliveredSeq = seq;
    open.waiting.delete(messageId);
    const repaired = open.missing.delete(messageId);
    this.#append(topic, open, { messageHash: messageId, requestId: '', senderId, payload: encodeBase64(payload), own: false, status: 'received', repaired }, seq);
    this.#emit('message_received', { contentTopic: topic, messageHash: messageId, senderId, lamport, payload, repaired, ephemeral: false });
  }

  #listen(topic: string, open: OpenTopic): void {
    this.#on(topic, open, 'delivered', (delivery) => this.#delivered(topic, open, delivery));
    this.#on(topic, open, 'acknowledged', ({ messageId }) => this.#settle(topic, open, messageId, 'acknowledged'));
    this.#on(topic, open, 'expired', ({ messageId }) => this.#settle(topic, open, messageId, 'expired'));
    this.#on(topic, open, 'resend', ({ messageId, bytes }) => void this.#publishOwn(topic, open, messageId, bytes));
    this.#on(topic, open, 'repairReady', ({ bytes }) => void this.#publish(topic, bytes));
    this.#on(topic, open, 'syncReady', ({ bytes }) => void this.#publish(topic, bytes));
    this.#on(topic, open, 'missing', ({ messageId, entries }) => {
      open.waiting.add(messageId);
      const fresh = entries.map((entry) => entry.messageId).filter((id) => !open.missing.has(id) && !open.waiting.has(id));
      if (fresh.length === 0) return;
      for (const id of fresh) open.missing.add(id);
      this.#log.addMissing(topic, fresh);
      this.#emit('message_missing', { contentTopic: topic, messageHashes: fresh, lost: false });
    });
    this.#on(topic, open, 'irretrievablyLost', ({ entries }) => {
      this.#emit('message_missing', { contentTopic: topic, messageHashes: entries.map((entry) => entry.messageId), lost: true });
    });
  }

  // Logs a message at the end of the topic's log (a received one with its channel log seq).
  #append(topic: string, open: OpenTopic, fields: Omit<LoggedMessage, 'seq' | 'loggedAt'>, deliveredSeq?: number): LoggedMessage {
    const record: LoggedMessage = { ...fields, seq: open.nextSeq, loggedAt: Date.now() };
    open.nextSeq += 1;
    if (record.own) open.pending.set(record.messageHash, record);
    this.#log.write(topic, record, deliveredSeq);
    return record;
  }

  // Commits an own message to its channel (the log row went first, in the same job queue), then
  // publishes it. A refused first send undoes the log row and rejects.
  async #commitOwn(topic: string, open: OpenTopic, record: LoggedMessage, payload: Uint8Array, first: boolean): Promise<void> {
    let bytes: Uint8Array;
    try {
      ({ bytes } = await open.channel.send(payload, { messageId: record.messageHash }));
    } catch (error) {
      if (first) {
        open.pending.delete(record.messageHash);
        this.#log.discard(topic, record);
      }
      throw error;
    }
    await this.#publishOwn(topic, open, record.messageHash, bytes);
  }

  async #publishOwn(topic: string, open: OpenTopic, messageId: string, bytes: Uint8Array): Promise<void> {
    const record = open.pending.get(messageId);
    const failure = await this.#publish(topic, bytes);
    if (record === undefined) return;
    if (failure === undefined) {
      if (this.#advance(topic, open, messageId, 'propagated')) {
        this.#emit('message_propagated', { requestId: record.requestId, messageHash: messageId, contentTopic: topic });
      }
      return;
    }
    // Only news while the message has never reached the transport; later resends fail quietly.
    if (open.pending.get(messageId)?.status !== 'sending') return;
    this.#emit('message_error', { requestId: record.requestId, messageHash: messageId, contentTopic: topic, reason: 'transport', error: failure });
  }

  // Hands bytes to the transport; the failure's text, or undefined.
  async #publish(topic: string, bytes: Uint8Array): Promise<string | undefined> {
    try {
      await this.#config.transport.publish(topic, bytes);
      return undefined;
    } catch (error) {
      return error instanceof TransportError ? `${error.kind}: ${error.message}` : describe(error);
    }
  }

  #settle(topic: string, open: OpenTopic, messageId: string, status: 'acknowledged' | 'expired'): void {
    const record = open.pending.get(messageId);
    if (record === undefined || !this.#advance(topic, open, messageId, status)) return;
    const detail = { requestId: record.requestId, messageHash: messageId, contentTopic: topic };
    if (status === 'acknowledged') this.#emit('message_sent', detail);
    else this.#emit('message_error', { ...detail, reason: 'expired', error: 'no acknowledgement after the last resend' });
  }

  // Moves an own message forward to `status`; false when it is there or further already.
  #advance(topic: string, open: OpenTopic, messageId: string, status: MessageStatus): boolean {
    const record = open.pending.get(messageId);
    if (record === undefined || !advances(record.status, status)) return false;
    const updated: LoggedMessage = { ...record, status };
    if (status === 'acknowledged' || status === 'expired') open.pending.delete(messageId);
    else open.pending.set(messageId, updated);
    this.#log.write(topic, updated);
    return true;
  }

  #receive(topic: string, bytes: Uint8Array): void {
    const open = this.#open.get(topic);
    if (open === undefined) return;
    open.channel.receive(bytes).catch((error: unknown) => {
      if (!(error instanceof SdsError)) return; // the channel closed meanwhile
      this.#emit('message_error', { requestId: '', messageHash: '', contentTopic: topic, reason: 'badInput', error: error.toString() });
    });
  }

  #statusChanged(status: ConnectionStatus): void {
    this.#emit('connection_status_change', { connectionStatus: status });
    if (status !== 'Connected') return;
    // Back online: run the due resends now rather than at the next tick.
    for (const open of this.#open.values()) open.channel.tick().catch(() => undefined);
  }

  #emit<K extends NodeEventType>(type: K, detail: NodeEventDetails[K]): void {
    this.dispatchEvent(new NodeEvent(type, detail));
  }
}

/**
 * Creates a node: checks the config (`MessagingError` `InvalidArgument`), opens its storage
 * (`PersistencyError`, for example `JobLocked` when another tab or process runs a node on the
 * same `localStoragePath` and `jobId`) and restores its subscriptions. Call `start` next.
 */
export function createNode(config: NodeConfig): Promise<MessagingNode> {
  return MessagingNode.create(config);
}
