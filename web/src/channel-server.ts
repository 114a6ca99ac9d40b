/**
 * The worker side of reliable channels: the SDS channels open on a job, each a `ChannelHost`
 * over the job's own store connection. Every step commits its state change in one SQLite
 * transaction (in the C++ `ChannelStore`) before its events are posted, so an event the page
 * saw is never undone by a crash of the worker. Calls are synchronous and throw
 * {@link SdsError} or {@link PersistencyError}; the job server orders them with its other work.
 * @module
 */
import type { LoggedDelivery, ReceiveResult, SentMessage, WireChannelEvent } from './channel-types.js';
import type { CoreChannelHost, CoreModule, CoreSdsResult, CoreStore } from './core-module.js';
import { PersistencyError, SdsError, asSdsErrorKind } from './errors.js';
import type { JobRequest, JobResponse } from './protocol.js';

type Request<T extends JobRequest['type']> = Extract<JobRequest, { type: T }>;

interface OpenChannel {
  readonly host: CoreChannelHost;
  readonly participantId: string;
  readonly contentAddressedIds: boolean;
  readonly timer: ReturnType<typeof setInterval> | undefined;
}

/** What the channel server needs from the job server. */
export interface ChannelServerHost {
  /** Posts a message to the page. */
  post(message: JobResponse, transfer: ArrayBuffer[]): void;
  /** Asks for channel `channelId`'s periodic work, to run in order with the job's other work. */
  timerFired(channelId: string): void;
}

function sdsValue<T>(result: CoreSdsResult<T>): T {
  if (result.ok) return result.value;
  throw new SdsError(asSdsErrorKind(result.error.kind) ?? 'InternalError', result.error.message);
}

// The byte arrays of events were created for them, so their buffers move to the page.
function eventBuffers(events: readonly WireChannelEvent[]): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const event of events) {
    const bytes = 'content' in event ? event.content : 'bytes' in event ? event.bytes : undefined;
    if (bytes?.buffer instanceof ArrayBuffer && bytes.byteLength === bytes.buffer.byteLength) buffers.push(bytes.buffer);
  }
  return buffers;
}

/** The SDS channels open on one job. */
export class ChannelServer {
  readonly #channels = new Map<string, OpenChannel>();

  /**
   * @param core - the job worker's wasm module
   * @param host - the job server
   */
  constructor(
    private readonly core: CoreModule,
    private readonly host: ChannelServerHost,
  ) {}

  /** Opens a channel over `store`, restoring its state; `InvalidArgument` when it is open already. */
  open(store: CoreStore, request: Request<'channelOpen'>): void {
    const { channelId, participantId, config, tickIntervalMs } = request;
    if (this.#channels.has(channelId)) {
      throw new SdsError('InvalidArgument', `channel ${channelId} is already open on this job`);
    }
    const host = sdsValue(this.core.ChannelHost.open(store, channelId, participantId, config));
    const timer = tickIntervalMs > 0 ? setInterval(() => this.host.timerFired(channelId), tickIntervalMs) : undefined;
    this.#channels.set(channelId, { host, participantId, contentAddressedIds: config.contentAddressedIds === true, timer });
  }

  /** Wraps and commits an own message (an ephemeral one is only wrapped); its id is chosen here when the request has none. */
  send(request: Request<'channelSend'>): SentMessage {
    const channel = this.#open(request.channelId);
    const messageId = channel.contentAddressedIds
      ? sdsValue(this.core.contentMessageId(request.payload))
      : request.messageId !== '' ? request.messageId : crypto.randomUUID();
    const bytes = request.ephemeral
      ? sdsValue(channel.host.sendEphemeral(request.payload, messageId))
      : this.#step(request.channelId, channel, (host) => host.send(request.payload, messageId, request.now ?? Date.now()));
    return { messageId, bytes };
  }

  /** Processes (and commits) received bytes; bytes of another channel are `InvalidArgument`. */
  receive(request: Request<'channelReceive'>): ReceiveResult {
    const channel = this.#open(request.channelId);
    const belongsTo = sdsValue(this.core.messageChannelId(request.bytes));
    if (belongsTo !== request.channelId) {
      throw new SdsError('InvalidArgument', `the message belongs to channel ${belongsTo}, not ${request.channelId}`);
    }
    const result = this.#step(request.channelId, channel, (host) => host.receive(request.bytes, request.now ?? Date.now()));
    return { messageId: result.messageId, kind: result.kind, dialect: result.dialect, duplicate: result.duplicate, missing: result.missing };
  }

  /** Counts ids as delivered (fetched elsewhere, say) and releases what waited only on them. */
  markDelivered(request: Request<'channelMarkDelivered'>): void {
    const channel = this.#open(request.channelId);
    this.#step(request.channelId, channel, (host) => host.markDependenciesMet(request.messageIds, request.now ?? Date.now()));
  }

  /** Runs the channel's periodic work that is due at `now`. */
  tick(channelId: string, now: number): void {
    this.#step(channelId, this.#open(channelId), (host) => host.tick(now));
  }

  /** Lists the channel's log after seq `after` (read only: no step, no events). */
  log(request: Request<'channelLog'>): LoggedDelivery[] {
    const channel = this.#open(request.channelId);
    const participantId = channel.participantId;
    return sdsValue(channel.host.log(request.after, request.limit)).map((entry) => ({ ...entry, own: entry.senderId === participantId }));
  }

  /** The ids of the channel's unacknowledged own messages, in send order (read only). */
  pending(request: Request<'channelPending'>): string[] {
    return sdsValue(this.#open(request.channelId).host.pending());
  }

  /** Whether `channelId` is open. */
  has(channelId: string): boolean {
    return this.#channels.has(channelId);
  }

  /** Frees the channel (closed channels are fine); with `remove` its state is deleted first. */
  close(channelId: string, remove: boolean): void {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) return;
    if (remove) sdsValue(channel.host.remove());
    this.#free(channelId, channel);
  }

  /** Frees every channel: before the job's store closes. */
  closeAll(): void {
    for (const [channelId, channel] of this.#channels) this.#free(channelId, channel);
  }

  #free(channelId: string, channel: OpenChannel): void {
    clearInterval(channel.timer);
    this.#channels.delete(channelId);
    channel.host.delete();
  }

  #open(channelId: string): OpenChannel {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) throw new PersistencyError('Closed', `channel ${channelId} is not open`);
    return channel;
  }

  // Runs one engine step, then posts the events it queued (a refused step may have queued
  // some too, such as bufferFull).
  #step<T>(channelId: string, channel: OpenChannel, action: (host: CoreChannelHost) => CoreSdsResult<T>): T {
    const result = action(channel.host);
    const events = channel.host.takeEvents();
    if (events.length > 0) this.host.post({ type: 'channelEvents', channelId, events }, eventBuffers(events));
    return sdsValue(result);
  }
}
