/**
 * {@link ReliableChannel}: an SDS channel whose state lives in a job, run by the job's worker.
 * @module
 */
import type { ChannelConfig, ChannelEventDetails, ChannelEventType, Dialect, LoggedDelivery, ReceiveResult, SentMessage, WireChannelEvent } from './channel-types.js';
import { channelConfigFieldType } from './channel-config-checks.js';
import { asyncDispose } from './dispose.js';
import { PersistencyError, SdsError } from './errors.js';
import { TypedEventTarget } from './typed-events.js';
import { anyErrorFromWire, type JobRequest, type ReplyValues, type WireError } from './protocol.js';

/** Options of {@link Job.channel}. */
export interface ChannelOptions {
  /** This participant's id: the sender of its messages (empty disables SDS-R). */
  readonly participantId: string;
  /** The dialect the channel sends in (default `nim`); it reads both. */
  readonly dialect?: Dialect;
  /** Engine settings (defaults: the engine's). */
  readonly config?: ChannelConfig;
  /**
   * How often the worker runs the channel's periodic work (resends, expiry, sync and repair
   * messages) with its own clock, in ms; 0 never. Default 1000, or 0 with a `clock`.
   */
  readonly tickIntervalMs?: number;
  /**
   * The time in ms each step runs at (for tests and replays); default: the worker's clock.
   * Periodic work is then driven with {@link ReliableChannel.tick} unless `tickIntervalMs` says otherwise.
   */
  readonly clock?: () => number;
}

/** Options of {@link ReliableChannel.send}. */
export interface SendOptions {
  /** The message id (default: a random UUID; with `contentAddressedIds`, always the payload's hash). */
  readonly messageId?: string;
  /**
   * Send an ephemeral message (default false): no lamport time, causal history or bloom filter;
   * never stored, resent or acknowledged. Peers get it as a `delivered` event with `seq` 0,
   * outside causal order and the log.
   */
  readonly ephemeral?: boolean;
}

/** Options of {@link ReliableChannel.log}. */
export interface LogOptions {
  /** List only entries with a larger seq: the `seq` of the last `delivered` event processed (default 0: all). */
  readonly after?: number;
  /** At most this many entries, up to 2^32 − 1 (default: no limit beyond the log's `maxMessageHistory`). */
  readonly limit?: number;
}

/** Options of {@link ReliableChannel.close}. */
export interface CloseChannelOptions {
  /** Also delete the channel's state from the job (default false: it is kept for the next open). */
  readonly remove?: boolean;
}

/** An SDS event of a {@link ReliableChannel}; its fields are in `detail`. */
export class ChannelEvent<K extends ChannelEventType = ChannelEventType> extends Event {
  /** The event type. */
  declare readonly type: K;
  /** The channel it happened on. */
  readonly channelId: string;
  /** What happened. */
  readonly detail: ChannelEventDetails[K];

  /**
   * @param type - the event type
   * @param channelId - the channel
   * @param detail - the event's fields
   */
  constructor(type: K, channelId: string, detail: ChannelEventDetails[K]) {
    super(type);
    this.channelId = channelId;
    this.detail = detail;
  }
}

/** The `'error'` event of a {@link ReliableChannel}: its periodic work failed, or its job ended abruptly. */
export class ChannelErrorEvent extends Event {
  /** What went wrong. */
  readonly error: SdsError | PersistencyError;

  /** @param error - what went wrong */
  constructor(error: SdsError | PersistencyError) {
    super('error');
    this.error = error;
  }
}

/** The events a {@link ReliableChannel} dispatches. */
export type ReliableChannelEventMap = { readonly [K in ChannelEventType]: ChannelEvent<K> } & {
  /** Periodic work failed, or the job's worker stopped (the channel is then closed). */
  readonly error: ChannelErrorEvent;
};

type ChannelRequest = Extract<JobRequest, { type: `channel${string}` }>;
type Without<R, K extends PropertyKey> = R extends unknown ? Omit<R, K> : never;

/**
 * A channel request as the channel hands it to its job, which adds the request id (internal).
 * @internal
 */
export type ChannelCall = Without<ChannelRequest, 'id'>;
type StepBody = Without<ChannelRequest, 'id' | 'channelId'>;

/**
 * What a channel needs from its job (internal).
 * @internal
 */
export interface ChannelLink {
  /** The job's id, for messages. */
  readonly jobId: string;
  /** Sends a request to the job's worker, in order with the job's other requests. */
  call<T extends ChannelRequest['type']>(body: ChannelCall & { type: T }): Promise<ReplyValues[T]>;
  /** Routes the worker's messages for `channelId` to `sink`; throws when one is routed already. */
  attach(channelId: string, sink: ChannelSink): void;
  /** Stops routing. */
  detach(channelId: string): void;
}

/**
 * Where a job delivers a channel's messages (internal).
 * @internal
 */
export interface ChannelSink {
  /** Events of a committed step. */
  events(events: readonly WireChannelEvent[]): void;
  /** Periodic work failed. */
  error(error: WireError): void;
  /** The job ended. */
  ended(reason: PersistencyError): void;
}

const dialects: readonly Dialect[] = ['nim', 'spec'];

/** The largest payload a channel sends or delivers, in bytes (1 MiB, nim-sds's limit): above it, `MessageTooLarge`. */
export const maxPayloadBytes = 1 << 20;

/** The largest serialized message a channel reads, in bytes (4 MiB): above it, `DeserializationError`. */
export const maxWireMessageBytes = 4 << 20;

// The largest `limit` of log(): a count the worker accepts (a 32-bit unsigned integer).
const maxLogLimit = 0xffff_ffff;

function invalid(message: string): SdsError {
  return new SdsError('InvalidArgument', message);
}

function checkBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${name} must be a Uint8Array`);
  return value;
}

function checkTime(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw invalid(`${name} must be a non-negative safe integer (ms)`);
  return value as number;
}

// Size limits are checked here, so that oversized bytes are not copied to the worker first.
function checkSize(bytes: Uint8Array, name: string, limit: number, kind: 'MessageTooLarge' | 'DeserializationError'): Uint8Array {
  if (bytes.length > limit) throw new SdsError(kind, `${name} has ${bytes.length} bytes; the limit is ${limit}`);
  return bytes;
}

// A wrong type or an unknown field is refused here as an SdsError (the engine checks the ranges).
function checkConfig(config: object): void {
  for (const [name, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (name === 'dialect') throw invalid('the dialect is an option of its own, not a config field');
    const type = channelConfigFieldType(name);
    if (type === undefined) throw invalid(`unknown config field: ${name}`);
    if (!type.accepts(value)) throw invalid(`config.${name} must be ${type.description}`);
  }
}

function checkOptions(channelId: unknown, options: unknown): ChannelOptions {
  if (typeof channelId !== 'string' || channelId === '') throw invalid('channelId must be a non-empty string');
  if (typeof options !== 'object' || options === null) throw invalid('channel options must be an object');
  const { participantId, dialect, config, tickIntervalMs, clock } = options as ChannelOptions;
  if (typeof participantId !== 'string') throw invalid('participantId must be a string');
  if (dialect !== undefined && !dialects.includes(dialect)) throw invalid(`dialect must be one of ${dialects.join(', ')}`);
  if (config !== undefined && (typeof config !== 'object' || config === null)) throw invalid('config must be an object');
  if (config !== undefined) checkConfig(config);
  if (tickIntervalMs !== undefined && (!Number.isSafeInteger(tickIntervalMs) || tickIntervalMs < 0)) {
    throw invalid('tickIntervalMs must be a non-negative integer');
  }
  if (clock !== undefined && typeof clock !== 'function') throw invalid('clock must be a function');
  return options as ChannelOptions;
}

/**
 * A reliable channel: SDS (causal order, acknowledgements, resends, repair) over whatever
 * transport the application uses, its state kept in a job and run by the job's worker. Obtain
 * one with {@link Job.channel}.
 *
 * The application broadcasts the bytes that {@link ReliableChannel.send} returns and the bytes
 * of `resend`, `repairReady` and `syncReady` events, and passes what it receives to
 * {@link ReliableChannel.receive}; messages come out as `delivered` events, in causal order.
 * Every step commits its state change in one transaction before its promise resolves and its
 * events are dispatched, so after a crash or a reload the channel continues where the last
 * event left it: a message whose `delivered` event was seen is never delivered again.
 *
 * Calls reject with {@link SdsError} when the engine refuses them (bad input, a message id used
 * twice, bytes that are not SDS) and with {@link PersistencyError} when the channel or its job
 * is closed (`Closed`) or the job's worker stopped (`Backend`).
 */
export class ReliableChannel extends TypedEventTarget<ReliableChannelEventMap> {
  /** The channel id. */
  readonly channelId: string;
  /** This participant's id. */
  readonly participantId: string;
  /** The dialect the channel sends in. */
  readonly dialect: Dialect;
  readonly #link: ChannelLink;
  readonly #clock: (() => number) | undefined;
  readonly #outstanding = new Set<Promise<unknown>>();
  #state: 'open' | 'closing' | 'closed' = 'open';
  #closing: Promise<void> | undefined;
  #endReason: PersistencyError | undefined;

  private constructor(link: ChannelLink, channelId: string, options: ChannelOptions) {
    super();
    this.#link = link;
    this.channelId = channelId;
    this.participantId = options.participantId;
    this.dialect = options.dialect ?? 'nim';
    this.#clock = options.clock;
  }

  /**
   * Opens channel `channelId` on the job behind `link` (internal: use {@link Job.channel}).
   * @internal
   */
  static async open(link: ChannelLink, channelId: string, options: ChannelOptions): Promise<ReliableChannel> {
    const checked = checkOptions(channelId, options);
    const channel = new ReliableChannel(link, channelId, checked);
    link.attach(channelId, {
      events: (events) => channel.#dispatchAll(events),
      error: (error) => channel.dispatchEvent(new ChannelErrorEvent(anyErrorFromWire(error))),
      ended: (reason) => channel.#ended(reason),
    });
    try {
      await link.call({
        type: 'channelOpen',
        channelId,
        participantId: checked.participantId,
        config: { ...checked.config, dialect: channel.dialect },
        tickIntervalMs: checked.tickIntervalMs ?? (checked.clock === undefined ? 1000 : 0),
      });
    } catch (error) {
      channel.#state = 'closed';
      link.detach(channelId);
      throw error;
    }
    return channel;
  }

  /** True once the channel is closing or closed (also when its job ended). */
  get closed(): boolean {
    return this.#state !== 'open';
  }

  /**
   * Sends `payload`: resolves, once the message is committed to the outgoing buffer and the log,
   * with its id and the bytes to broadcast. It is resent (`resend` events) until acknowledged.
   * With `ephemeral`, nothing is committed: the bytes are all there is of the message.
   * Rejects with `MessageTooLarge` over {@link maxPayloadBytes}, `DuplicateMessageId` for an id
   * the channel has already, `InvalidArgument` (and a `bufferFull` event) when
   * `maxOutgoingBuffer` messages are unacknowledged.
   */
  send(payload: Uint8Array, options: SendOptions = {}): Promise<SentMessage> {
    return this.#request(() => {
      if (typeof options !== 'object' || options === null) throw invalid('send options must be an object');
      const messageId = options.messageId ?? '';
      const ephemeral = options.ephemeral ?? false;
      if (typeof messageId !== 'string') throw invalid('messageId must be a string');
      if (typeof ephemeral !== 'boolean') throw invalid('ephemeral must be a boolean');
      const checked = checkSize(checkBytes(payload, 'payload'), 'payload', maxPayloadBytes, 'MessageTooLarge');
      return { type: 'channelSend', payload: checked, messageId, ephemeral, now: this.#now() };
    });
  }

  /**
   * Processes received bytes (either dialect): acknowledgements, buffering, delivery. Resolves
   * once the state change is committed; `delivered` events were dispatched by then. Rejects with
   * `DeserializationError` for bytes that are not an SDS message (over
   * {@link maxWireMessageBytes}, malformed, over 10000 history entries) and `MessageTooLarge` for
   * content over {@link maxPayloadBytes}; nothing changes then.
   */
  receive(bytes: Uint8Array): Promise<ReceiveResult> {
    return this.#request(() => {
      const checked = checkSize(checkBytes(bytes, 'bytes'), 'bytes', maxWireMessageBytes, 'DeserializationError');
      return { type: 'channelReceive', bytes: checked, now: this.#now() };
    });
  }

  /**
   * Counts `messageIds` as delivered (for example fetched from a store) and releases the
   * messages that waited only on them.
   */
  async markDelivered(messageIds: readonly string[]): Promise<void> {
    await this.#request(() => {
      if (!Array.isArray(messageIds) || !messageIds.every((id) => typeof id === 'string')) {
        throw invalid('messageIds must be an array of strings');
      }
      return { type: 'channelMarkDelivered', messageIds: [...messageIds], now: this.#now() };
    });
  }

  /**
   * Runs the periodic work due at `now` (default: the channel's clock, else the worker's):
   * resends, expiry, incoming timeouts, repair and sync messages. The worker does this on its
   * own every `tickIntervalMs`; call it to drive a channel by hand.
   */
  async tick(now?: number): Promise<void> {
    await this.#request(() => ({ type: 'channelTick', now: now === undefined ? this.#now() : checkTime(now, 'now') }));
  }

  /**
   * Lists the channel's log, oldest first: every message delivered (the `delivered` events'
   * messages) and every own message sent, each with its `seq`, committed before it is listed.
   * The log holds the newest `maxMessageHistory` messages.
   *
   * This closes the gap a crash leaves: a step commits before its `delivered` events reach the
   * page, so when the worker or the page dies in between, receiving those messages again only
   * reports `duplicate: true`. An application that remembers the `seq` of the last `delivered`
   * event it processed calls `log({ after: lastSeq })` after reopening the channel and gets
   * exactly the messages it missed (and its own sends, marked `own`), each once, in order.
   * Runs after the calls issued before it.
   */
  log(options: LogOptions = {}): Promise<LoggedDelivery[]> {
    return this.#request(() => {
      if (typeof options !== 'object' || options === null) throw invalid('log options must be an object');
      const after = options.after ?? 0;
      const limit = options.limit ?? maxLogLimit;
      if (!Number.isSafeInteger(after) || after < 0) throw invalid('after must be a non-negative integer');
      if (!Number.isSafeInteger(limit) || limit < 0 || limit > maxLogLimit) throw invalid(`limit must be an integer from 0 to ${maxLogLimit}`);
      return { type: 'channelLog', after, limit };
    });
  }

  /**
   * The ids of the own messages not yet acknowledged nor expired (the outgoing buffer), in send
   * order, after the calls issued before it. After a reload an application compares them with
   * the messages it still counts as unacknowledged: one missing here was acknowledged or expired
   * while its event was lost.
   */
  pending(): Promise<string[]> {
    return this.#request(() => ({ type: 'channelPending' }));
  }

  /** Resolves once every earlier call of this channel has settled (each step is committed by then). */
  async flush(): Promise<void> {
    this.#ensureOpen();
    await Promise.allSettled([...this.#outstanding]);
  }

  /**
   * Stops the channel in the worker after the calls issued before; its state stays in the job
   * (with `remove`, it is deleted). Closing again returns the same promise.
   */
  close(options: CloseChannelOptions = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.#state === 'closed') return Promise.resolve();
    this.#state = 'closing';
    this.#closing = (async () => {
      try {
        await this.#link.call({ type: 'channelClose', channelId: this.channelId, remove: options.remove === true });
      } finally {
        this.#state = 'closed';
        this.#link.detach(this.channelId);
      }
    })();
    return this.#closing;
  }

  /** Same as {@link ReliableChannel.close}, for `await using`. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  #now(): number | null {
    return this.#clock === undefined ? null : checkTime(this.#clock(), 'clock()');
  }

  #ensureOpen(): void {
    if (this.#state === 'open') return;
    const why = this.#endReason === undefined || this.#endReason.kind === 'Closed' ? '' : `: ${this.#endReason.message}`;
    throw new PersistencyError('Closed', `channel ${this.channelId} is closed${why}`);
  }

  // Checks the arguments (synchronously, through `body`) and sends the request.
  #request<T extends ChannelRequest['type']>(body: () => StepBody & { type: T }): Promise<ReplyValues[T]> {
    let pending: Promise<ReplyValues[T]>;
    try {
      this.#ensureOpen();
      pending = this.#link.call<T>({ ...body(), channelId: this.channelId } as ChannelCall & { type: T });
    } catch (error) {
      return Promise.reject(error);
    }
    this.#outstanding.add(pending);
    const settled = (): void => {
      this.#outstanding.delete(pending);
    };
    pending.then(settled, settled);
    return pending;
  }

  #dispatchAll(events: readonly WireChannelEvent[]): void {
    for (const { type, channelId, ...detail } of events) {
      this.dispatchEvent(new ChannelEvent(type, channelId, detail as ChannelEventDetails[typeof type]));
    }
  }

  #ended(reason: PersistencyError): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#endReason = reason;
    if (reason.kind !== 'Closed') this.dispatchEvent(new ChannelErrorEvent(reason));
  }
}
