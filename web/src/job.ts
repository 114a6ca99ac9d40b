/**
 * {@link Job}: one open job, served by its own worker. Writes are fire-and-forget and ordered
 * with reads: a read sees every write issued before it.
 * @module
 */
import { asyncDispose } from './dispose.js';
import { PersistencyError, PersistencyErrorEvent, SdsError } from './errors.js';
import { prefixRange } from './keys.js';
import { PackedWriter } from './packed-batch.js';
import { unpackRows } from './packed-rows.js';
import type { JobLock, JobWorker, Platform } from './platform/platform.js';
import { anyErrorFromWire, errorFromWire, type JobRequest, type JobRequestBody, type JobResponse, type PackedWrites, type ReplyingType, type ReplyValues, type WireOp } from './protocol.js';
import { ReliableChannel, type ChannelCall, type ChannelOptions, type ChannelSink } from './reliable-channel.js';
import type { KvRow, StoreSettings } from './store-types.js';
import { TypedEventTarget } from './typed-events.js';

/** One operation of an atomic {@link Job.batch}. */
export type BatchOp =
  | { readonly op: 'put'; readonly category: string; readonly key: Uint8Array; readonly payload: Uint8Array }
  | { readonly op: 'delete'; readonly category: string; readonly key: Uint8Array }
  | { readonly op: 'deletePrefix'; readonly category: string; readonly prefix: Uint8Array };

/** A key range `[start, stop)`; a missing `start` is the first key, a missing or empty `stop` means no upper bound. */
export interface ScanRange {
  /** The first key in the range (default: the empty key, so the whole category). */
  readonly start?: Uint8Array;
  /** The first key after the range (default: none). */
  readonly stop?: Uint8Array;
}

/** Options of {@link Job.scan} and {@link Job.scanPrefix}. */
export interface ScanOptions {
  /** Rows in descending key order. */
  readonly reverse?: boolean;
  /** At most this many rows (0 or missing: no limit). */
  readonly limit?: number;
}

/** The events a {@link Job} dispatches. */
export interface JobEventMap {
  /** A fire-and-forget write failed; nothing of it was applied. */
  error: PersistencyErrorEvent;
}

export type { AnyListener, ListenerOptions } from './typed-events.js';

/**
 * What starting a job takes.
 * @internal
 */
export interface JobStart {
  /** The environment. */
  readonly platform: Platform;
  /** The canonical root. */
  readonly root: string;
  /** The job id (already validated). */
  readonly id: string;
  /** SQLite settings. */
  readonly store: StoreSettings;
  /** Owned by the job from now on: released when the job ends. */
  readonly lock: JobLock;
  /** A replacement worker script, if any. */
  readonly workerUrl: string | URL | undefined;
  /** Called once when the job has ended (closed, or its worker stopped). */
  readonly onEnded: (job: Job) => void;
}

type RequestBody = Exclude<JobRequestBody, { type: 'write' }> extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

interface Outstanding {
  resolve(value: ReplyValues[ReplyingType]): void;
  reject(error: PersistencyError | SdsError): void;
}

// Writes issued in one turn are sent together; a buffer this large is sent at once.
const writeBufferLimitBytes = 4 << 20;
const maxScanLimit = 0xffffffff;

function invalid(message: string): PersistencyError {
  return new PersistencyError('InvalidArgument', message);
}

function checkCategory(category: unknown): string {
  if (typeof category !== 'string') throw invalid('category must be a string');
  return category;
}

function checkBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${name} must be a Uint8Array`);
  return value;
}

// Checks one op; its bytes are copied when it is packed, before the call returns.
function toWireOp(op: BatchOp): WireOp {
  if (typeof op !== 'object' || op === null) throw invalid('a batch op must be an object');
  const category = checkCategory(op.category);
  switch (op.op) {
    case 'put':
      return { op: 'put', category, key: checkBytes(op.key, 'key'), payload: checkBytes(op.payload, 'payload') };
    case 'delete':
      return { op: 'delete', category, key: checkBytes(op.key, 'key') };
    case 'deletePrefix':
      return { op: 'deletePrefix', category, key: checkBytes(op.prefix, 'prefix') };
    default:
      throw invalid(`unknown batch op: ${String((op as { op?: unknown }).op)}`);
  }
}

function checkRange(range: unknown): { start: Uint8Array; stop: Uint8Array | null } {
  if (typeof range !== 'object' || range === null) throw invalid('range must be an object');
  const { start, stop } = range as ScanRange;
  return {
    start: start === undefined ? new Uint8Array() : checkBytes(start, 'range.start'),
    stop: stop === undefined ? null : checkBytes(stop, 'range.stop'),
  };
}

function checkScanOptions(options: unknown): { reverse: boolean; limit: number } {
  if (typeof options !== 'object' || options === null) throw invalid('scan options must be an object');
  const { reverse = false, limit = 0 } = options as ScanOptions;
  if (typeof reverse !== 'boolean') throw invalid('reverse must be a boolean');
  if (!Number.isInteger(limit) || limit < 0 || limit > maxScanLimit) {
    throw invalid(`limit must be an integer from 0 to ${maxScanLimit}`);
  }
  return { reverse, limit };
}

/** Test hooks reach a job's worker through this map; it is not part of the public API. */
const crashHooks = new WeakMap<Job, () => Promise<void>>();

/**
 * Stops `job`'s worker abruptly, as a crash would (internal; see `sds-wasm/testing`).
 * @internal
 */
export function crashJobWorker(job: Job): Promise<void> {
  return crashHooks.get(job)?.() ?? Promise.resolve();
}

/**
 * An open job: a key-value store of categories of rows, run by its own worker. Obtain one with
 * {@link Persistency.openJob}.
 *
 * Writes (`put`, `delete`, `deletePrefix`, `batch`) return at once; they throw only for bad
 * arguments (`InvalidArgument`) or a closed job (`Closed`). A write that fails in the worker
 * dispatches an `'error'` {@link PersistencyErrorEvent}, and the next {@link Job.flush} rejects
 * with the first such error. Reads return promises and see every write issued before them.
 */
export class Job extends TypedEventTarget<JobEventMap> {
  /** The job id (its database is `<id>.db` in the root). */
  readonly id: string;
  readonly #worker: JobWorker;
  readonly #lock: JobLock;
  readonly #onEnded: (job: Job) => void;
  readonly #replies = new Map<number, Outstanding>();
  readonly #channels = new Map<string, ChannelSink>();
  #nextRequestId = 1;
  // Writes not sent yet: packed back to back, with where each batch ends and its op count.
  readonly #writes = new PackedWriter();
  #batchEnds: number[] = [];
  #batchOpCounts: number[] = [];
  #sendQueued = false;
  #state: 'open' | 'closing' | 'ended' = 'open';
  #closing: Promise<void> | undefined;
  #endReason: PersistencyError | undefined;

  private constructor(start: JobStart) {
    super();
    this.id = start.id;
    this.#lock = start.lock;
    this.#onEnded = start.onEnded;
    this.#worker = start.platform.startWorker(
      {
        onMessage: (message) => this.#receive(message),
        onExit: (reason) => this.#end(reason),
      },
      start.workerUrl,
    );
    crashHooks.set(this, () => this.#crash());
  }

  /**
   * Starts the worker and opens the job's database in it (internal: use {@link Persistency.openJob}).
   * @internal
   */
  static async start(start: JobStart): Promise<Job> {
    // The worker boots while the module compiles (once per page or process).
    const job = new Job(start);
    try {
      const wasm = await start.platform.compiledCore();
      await job.#call({ type: 'open', root: start.root, jobId: start.id, store: start.store, wasm });
    } catch (error) {
      await job.#worker.terminate();
      job.#end(error instanceof PersistencyError ? error : new PersistencyError('Backend', String(error)));
      throw error;
    }
    return job;
  }

  /** True once the job is closing or closed (or its worker stopped). */
  get closed(): boolean {
    return this.#state !== 'open';
  }

  /** Inserts or replaces the row `(category, key)`. Fire-and-forget. */
  put(category: string, key: Uint8Array, payload: Uint8Array): void {
    this.#write([toWireOp({ op: 'put', category, key, payload })]);
  }

  /** Deletes the row `(category, key)` if it exists. Fire-and-forget. */
  delete(category: string, key: Uint8Array): void {
    this.#write([toWireOp({ op: 'delete', category, key })]);
  }

  /** Deletes every row of `category` whose key starts with `prefix`. Fire-and-forget. */
  deletePrefix(category: string, prefix: Uint8Array): void {
    this.#write([toWireOp({ op: 'deletePrefix', category, prefix })]);
  }

  /** Applies `ops` in order, atomically: all of them or (on failure) none. Fire-and-forget. */
  batch(ops: readonly BatchOp[]): void {
    if (!Array.isArray(ops)) throw invalid('batch ops must be an array');
    const wire = ops.map(toWireOp);
    this.#ensureOpen();
    if (wire.length > 0) this.#write(wire);
  }

  /** The payload of `(category, key)`, or `undefined` when there is no such row. */
  async get(category: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#ensureOpen();
    const payload = await this.#call({ type: 'get', category: checkCategory(category), key: checkBytes(key, 'key') });
    return payload ?? undefined;
  }

  /** Whether the row `(category, key)` exists. */
  async exists(category: string, key: Uint8Array): Promise<boolean> {
    this.#ensureOpen();
    return this.#call({ type: 'exists', category: checkCategory(category), key: checkBytes(key, 'key') });
  }

  /** The rows of `category` in `range`, in key order (descending with `reverse`), at most `limit`. */
  async scan(category: string, range: ScanRange = {}, options: ScanOptions = {}): Promise<KvRow[]> {
    this.#ensureOpen();
    const { start, stop } = checkRange(range);
    const { reverse, limit } = checkScanOptions(options);
    return unpackRows(await this.#call({ type: 'scan', category: checkCategory(category), start, stop, reverse, limit }));
  }

  /** The rows of `category` whose key starts with `prefix` (a scan of `keys.prefixRange(prefix)`). */
  async scanPrefix(category: string, prefix: Uint8Array, options: ScanOptions = {}): Promise<KvRow[]> {
    return this.scan(category, prefixRange(checkBytes(prefix, 'prefix')), options);
  }

  /** The number of rows of `category` in `range`. */
  async count(category: string, range: ScanRange = {}): Promise<number> {
    this.#ensureOpen();
    const { start, stop } = checkRange(range);
    return this.#call({ type: 'count', category: checkCategory(category), start, stop });
  }

  /** Deletes `(category, key)` and tells whether the row existed. */
  async deleteAcked(category: string, key: Uint8Array): Promise<boolean> {
    this.#ensureOpen();
    return this.#call({ type: 'deleteAcked', category: checkCategory(category), key: checkBytes(key, 'key') });
  }

  /**
   * Opens SDS channel `channelId` on this job: its state is restored from the job's database
   * (or starts empty) and kept there, one transaction per step, by the job's worker. Rejects
   * with {@link SdsError} `InvalidArgument` for bad options or a channel already open on the job.
   */
  channel(channelId: string, options: ChannelOptions): Promise<ReliableChannel> {
    try {
      this.#ensureOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return ReliableChannel.open(
      {
        jobId: this.id,
        call: <T extends ChannelCall['type']>(body: ChannelCall & { type: T }) => this.#call<T>(body as RequestBody & { type: T }),
        attach: (id, sink) => {
          if (this.#channels.has(id)) throw new SdsError('InvalidArgument', `channel ${id} is already open on job ${this.id}`);
          this.#channels.set(id, sink);
        },
        detach: (id) => this.#channels.delete(id),
      },
      channelId,
      options,
    );
  }

  /**
   * Checks the database file (`PRAGMA integrity_check`) after every earlier write: resolves to
   * `"ok"`, or to SQLite's list of problems, one per line.
   */
  async integrityCheck(): Promise<string> {
    this.#ensureOpen();
    return this.#call({ type: 'integrityCheck' });
  }

  /**
   * Resolves once every earlier write is committed. Rejects with the first write error since the
   * previous flush (each failed write was also dispatched as an `'error'` event).
   */
  async flush(): Promise<void> {
    this.#ensureOpen();
    await this.#call({ type: 'flush' });
  }

  /**
   * Commits the queued writes, closes the database and stops the worker, then releases the job
   * lock. Rejects, with the job closed all the same, with the first write error since the
   * previous flush. Closing again returns the same promise.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.#state === 'ended') return Promise.resolve();
    this.#state = 'closing';
    this.#closing = this.#shutDown();
    return this.#closing;
  }

  /** Same as {@link Job.close}, for `await using`. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  #ensureOpen(): void {
    if (this.#state === 'open') return;
    const why = this.#endReason === undefined || this.#endReason.kind === 'Closed' ? '' : `: ${this.#endReason.message}`;
    throw new PersistencyError('Closed', `job ${this.id} is closed${why}`);
  }

  #write(batch: WireOp[]): void {
    this.#ensureOpen();
    for (const op of batch) this.#writes.add(op);
    this.#batchEnds.push(this.#writes.size);
    this.#batchOpCounts.push(batch.length);
    if (this.#writes.size >= writeBufferLimitBytes) {
      this.#sendWrites();
    } else if (!this.#sendQueued) {
      this.#sendQueued = true;
      queueMicrotask(() => this.#sendWrites());
    }
  }

  #sendWrites(): void {
    this.#sendQueued = false;
    if (this.#state === 'ended') return;
    const writes = this.#takeWrites();
    if (writes !== undefined) this.#worker.post({ type: 'write', writes }, [writes.packed.buffer as ArrayBuffer]);
  }

  #takeWrites(): PackedWrites | undefined {
    if (this.#batchEnds.length === 0) return undefined;
    const writes = { packed: this.#writes.take(), ends: this.#batchEnds, opCounts: this.#batchOpCounts };
    this.#batchEnds = [];
    this.#batchOpCounts = [];
    return writes;
  }

  // Sends a request, with the writes issued before it, and resolves with its reply.
  #call<T extends ReplyingType>(body: RequestBody & { type: T }): Promise<ReplyValues[T]> {
    if (this.#state === 'ended') return Promise.reject(new PersistencyError('Closed', `job ${this.id} is closed`));
    const writes = this.#takeWrites();
    const id = this.#nextRequestId++;
    return new Promise<ReplyValues[T]>((resolve, reject) => {
      this.#replies.set(id, { resolve: resolve as (value: ReplyValues[ReplyingType]) => void, reject });
      const request = { ...body, id, ...(writes === undefined ? {} : { writes }) } as JobRequest;
      this.#worker.post(request, writes === undefined ? [] : [writes.packed.buffer as ArrayBuffer]);
    });
  }

  #receive(message: JobResponse): void {
    if (message.type === 'writeFailed') {
      this.dispatchEvent(new PersistencyErrorEvent(errorFromWire(message.error), message.ops));
      return;
    }
    if (message.type === 'channelEvents') {
      this.#channels.get(message.channelId)?.events(message.events);
      return;
    }
    if (message.type === 'channelError') {
      this.#channels.get(message.channelId)?.error(message.error);
      return;
    }
    const outstanding = this.#replies.get(message.id);
    this.#replies.delete(message.id);
    if (message.ok) outstanding?.resolve(message.value);
    else outstanding?.reject(anyErrorFromWire(message.error));
  }

  async #shutDown(): Promise<void> {
    let failure: unknown;
    try {
      await this.#call({ type: 'close' });
    } catch (error) {
      failure = error;
    }
    await this.#worker.terminate();
    this.#end(new PersistencyError('Closed', `job ${this.id} is closed`));
    if (failure !== undefined) throw failure;
  }

  async #crash(): Promise<void> {
    await this.#worker.terminate();
    this.#end(new PersistencyError('Backend', `the worker of job ${this.id} was terminated`));
  }

  // The job is over (closed, or its worker is gone): fail what is outstanding, report writes
  // that never reached the worker, give the lock back.
  #end(reason: PersistencyError): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#endReason = reason;
    const unsent = this.#batchOpCounts.reduce((total, count) => total + count, 0);
    this.#writes.take();
    this.#batchEnds = [];
    this.#batchOpCounts = [];
    if (unsent > 0) this.dispatchEvent(new PersistencyErrorEvent(reason, unsent));
    for (const outstanding of this.#replies.values()) outstanding.reject(reason);
    this.#replies.clear();
    for (const channel of this.#channels.values()) channel.ended(reason);
    this.#channels.clear();
    this.#lock.release();
    this.#onEnded(this);
  }
}
