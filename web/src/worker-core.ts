/**
 * What a job worker does, independent of where it runs: on `open` it instantiates the wasm
 * module and opens the job's store; then it serves requests strictly in arrival order. Writes
 * queued back to back are committed together as one transaction; a read, flush, close or SDS
 * channel step (and a channel's timer tick) first commits every write received before it.
 * @module
 */
import { ChannelServer } from './channel-server.js';
import type { LoggedDelivery } from './channel-types.js';
import { loadCore, type CoreModule, type CoreResult, type CoreStore, type CoreStoreOptions } from './core-module.js';
import { PersistencyError } from './errors.js';
import type { HostFile } from './host-file.js';
import { checkJobId } from './job-id.js';
import { jobFileNames } from './platform/platform.js';
import { guardRequests } from './request-validation.js';
import { errorFromWire, errorToWire, inMemoryRoot, type JobRequest, type JobResponse, type PackedWrites, type ReplyValues, type WireError } from './protocol.js';

/**
 * How job databases are opened: through the `sds-host` VFS, in WAL mode with exclusive locking
 * (the WAL index lives in heap memory, as there is no shared memory; the worker is the only user
 * of the files anyway). One constant, so the choice is made in one place.
 */
export const jobStoreDefaults: CoreStoreOptions = Object.freeze({
  vfs: 'sds-host',
  journalMode: 'wal',
  exclusiveLocking: true,
  // WAL with NORMAL never flushes at commit; FULL flushes once per commit,
  // which makes every committed transaction durable (docs/platform.md).
  synchronousFull: true,
});

/** Opens the files of a job in its root directory. */
export interface JobFileSystem {
  /**
   * Opens `names` in the directory `root`, creating the directory and missing files. Throws a
   * {@link PersistencyError} (for example `JobLocked` when another owner holds a file open).
   */
  openFiles(root: string, names: readonly string[]): Promise<HostFile[]>;
}

/** The worker's side of the channel to the page. */
export interface WorkerEndpoint {
  /** Sends a message, transferring the listed buffers. */
  post(message: JobResponse, transfer: ArrayBuffer[]): void;
  /** Runs `task` soon, after the messages already received (a macrotask). */
  scheduleDrain(task: () => void): void;
}

// One atomic batch of packed write ops (packed-batch.ts).
interface PackedBatch {
  readonly packed: Uint8Array;
  readonly ops: number;
}

// A channel's timer fired: its periodic work runs in order with everything else.
interface TimerTick {
  readonly type: 'channelTimer';
  readonly channelId: string;
}

function unwrap<T>(result: CoreResult<T>): T {
  if (!result.ok) throw errorFromWire(result.error);
  return result.value;
}

class JobServer {
  private module: CoreModule | undefined;
  private readonly queue: (JobRequest | TimerTick)[] = [];
  private pending: PackedBatch[] = [];
  private store: CoreStore | undefined;
  private channels: ChannelServer | undefined;
  private files: string[] = [];
  private firstWriteError: WireError | undefined;
  // Set after the wasm module trapped: its state can no longer be trusted.
  private broken: PersistencyError | undefined;
  private closed = false;
  private busy = false;
  private drainScheduled = false;

  constructor(
    private readonly endpoint: WorkerEndpoint,
    private readonly fileSystem: JobFileSystem,
  ) {}

  receive(request: JobRequest | TimerTick): void {
    this.queue.push(request);
    this.pump();
  }

  private pump(): void {
    while (!this.busy) {
      const next = this.queue.shift();
      if (next === undefined) break;
      if ('writes' in next && next.writes !== undefined) this.queueWrites(next.writes);
      if (next.type === 'write') continue;
      this.applyPending();
      this.handle(next);
    }
    if (!this.busy && this.pending.length > 0 && !this.drainScheduled) {
      this.drainScheduled = true;
      this.endpoint.scheduleDrain(() => {
        this.drainScheduled = false;
        if (!this.busy) this.applyPending();
      });
    }
  }

  private handle(request: Exclude<JobRequest | TimerTick, { type: 'write' }>): void {
    switch (request.type) {
      case 'open':
        this.busy = true;
        this.open(request).then(
          () => this.reply(request.id, null),
          (error: unknown) => this.fail(request.id, errorToWire(error)),
        ).finally(() => {
          this.busy = false;
          this.pump();
        });
        return;
      case 'flush':
        this.replyWithWriteErrors(request.id);
        return;
      case 'close':
        this.firstWriteError ??= this.close();
        this.replyWithWriteErrors(request.id);
        return;
      case 'get':
        this.serve(request.id, (store) => store.get(request.category, request.key));
        return;
      case 'exists':
        this.serve(request.id, (store) => store.exists(request.category, request.key));
        return;
      case 'deleteAcked':
        this.serve(request.id, (store) => store.deleteOne(request.category, request.key));
        return;
      case 'scan':
        this.serve(request.id, (store) =>
          store.scanPacked(request.category, request.start, request.stop, request.reverse, request.limit));
        return;
      case 'integrityCheck':
        this.serve(request.id, (store) => store.integrityCheck());
        return;
      case 'count':
        this.serve(request.id, (store) => store.count(request.category, request.start, request.stop));
        return;
      case 'channelOpen':
        this.serveChannel(request.id, (channels, store) => {
          channels.open(store, request);
          return null;
        });
        return;
      case 'channelSend':
        this.serveChannel(request.id, (channels) => channels.send(request));
        return;
      case 'channelReceive':
        this.serveChannel(request.id, (channels) => channels.receive(request));
        return;
      case 'channelMarkDelivered':
        this.serveChannel(request.id, (channels) => {
          channels.markDelivered(request);
          return null;
        });
        return;
      case 'channelTick':
        this.serveChannel(request.id, (channels) => {
          channels.tick(request.channelId, request.now ?? Date.now());
          return null;
        });
        return;
      case 'channelClose':
        this.serveChannel(request.id, (channels) => {
          channels.close(request.channelId, request.remove);
          return null;
        });
        return;
      case 'channelLog':
        this.serveChannel(request.id, (channels) => channels.log(request));
        return;
      case 'channelPending':
        this.serveChannel(request.id, (channels) => channels.pending(request));
        return;
      case 'channelTimer':
        this.timerTick(request.channelId);
        return;
    }
  }

  private async open({ root, jobId, store: settings, wasm }: Extract<JobRequest, { type: 'open' }>): Promise<void> {
    if (this.module !== undefined || this.closed) {
      throw new PersistencyError('InvalidArgument', 'this worker already serves a job');
    }
    // The page checked the id; checking it again here keeps a bad request from naming files.
    checkJobId(jobId);
    const names = root === inMemoryRoot ? [] : jobFileNames(jobId);
    // Instantiating the module and opening the files both wait on the host: they overlap.
    const [loaded, opened] = await Promise.allSettled([
      loadCore(wasm),
      names.length === 0 ? Promise.resolve([]) : this.fileSystem.openFiles(root, names),
    ]);
    if (loaded.status === 'rejected' || opened.status === 'rejected') {
      if (opened.status === 'fulfilled') closeQuietly(opened.value);
      throw loaded.status === 'rejected' ? loaded.reason : (opened as PromiseRejectedResult).reason;
    }
    const core = loaded.value;
    this.module = core;
    this.channels = new ChannelServer(core, {
      post: (message, transfer) => this.endpoint.post(message, transfer),
      timerFired: (channelId) => this.receive({ type: 'channelTimer', channelId }),
    });
    const validId = core.validateJobId(jobId);
    if (!validId.ok) closeQuietly(opened.value);
    unwrap(validId);
    if (root === inMemoryRoot) {
      this.store = unwrap(core.SqliteStore.open(inMemoryRoot, settings));
      return;
    }
    names.forEach((name, i) => {
      const file = opened.value[i];
      if (file !== undefined) core.hostFiles.set(`/${name}`, file);
    });
    this.files = names.map((name) => `/${name}`);
    try {
      this.store = unwrap(core.SqliteStore.open(`/${names[0]}`, { ...jobStoreDefaults, ...settings }));
    } catch (error) {
      this.releaseFiles(core);
      throw error;
    }
  }

  // Closes the database (which checkpoints the WAL) and then its files.
  private close(): WireError | undefined {
    this.closed = true;
    const store = this.store;
    this.store = undefined;
    try {
      // The channels share the store's connection: they go first.
      this.channels?.closeAll();
      store?.delete();
      return undefined;
    } catch (error) {
      return errorToWire(error);
    } finally {
      if (this.module !== undefined) this.releaseFiles(this.module);
    }
  }

  private releaseFiles(core: CoreModule): void {
    closeQuietly(this.files.flatMap((path) => core.hostFiles.get(path) ?? []));
    for (const path of this.files) core.hostFiles.delete(path);
    this.files = [];
  }

  private usableStore(): CoreStore {
    if (this.broken !== undefined) throw this.broken;
    if (this.store === undefined) throw new PersistencyError('Closed', 'the job is not open in this worker');
    return this.store;
  }

  // Runs one call on the wasm module; a trap marks the module unusable from then on.
  private call<T>(action: (store: CoreStore) => CoreResult<T>): CoreResult<T> {
    try {
      return action(this.usableStore());
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError) {
        this.broken = new PersistencyError('Backend', `job worker failed: ${error.message}`);
      }
      return { ok: false, error: errorToWire(error) };
    }
  }

  private queueWrites({ packed, ends, opCounts }: PackedWrites): void {
    let start = 0;
    ends.forEach((end, i) => {
      this.pending.push({ packed: packed.subarray(start, end), ops: opCounts[i] ?? 0 });
      start = end;
    });
  }

  // Commits the queued batches in one transaction. When that fails, nothing of it was kept, so
  // every batch is applied again on its own: only the failing ones are lost and reported.
  private applyPending(): void {
    if (this.pending.length === 0) return;
    const batches = this.pending;
    this.pending = [];
    const together = this.call((store) => store.applyPacked(concatenate(batches)));
    if (together.ok) return;
    if (batches.length === 1) {
      this.writeFailed(together.error, batches[0]?.ops ?? 0);
      return;
    }
    for (const batch of batches) {
      const alone = this.call((store) => store.applyPacked(batch.packed));
      if (!alone.ok) this.writeFailed(alone.error, batch.ops);
    }
  }

  private writeFailed(error: WireError, ops: number): void {
    this.firstWriteError ??= error;
    this.endpoint.post({ type: 'writeFailed', error, ops }, []);
  }

  private replyWithWriteErrors(id: number): void {
    const error = this.firstWriteError;
    this.firstWriteError = undefined;
    if (error === undefined) this.reply(id, null);
    else this.fail(id, error);
  }

  private serve<T extends ReplyValues[keyof ReplyValues]>(id: number, action: (store: CoreStore) => CoreResult<T>): void {
    const result = this.call(action);
    if (result.ok) this.reply(id, result.value);
    else this.fail(id, result.error);
  }

  // Runs a channel call (which throws SdsError or PersistencyError) and answers with its value.
  private serveChannel<T extends ReplyValues[keyof ReplyValues]>(id: number, action: (channels: ChannelServer, store: CoreStore) => T): void {
    this.serve(id, (store) => {
      if (this.channels === undefined) throw new PersistencyError('Closed', 'the job is not open in this worker');
      return { ok: true, value: action(this.channels, store) };
    });
  }

  // Periodic work on the worker's clock; a failure is reported as the channel's error.
  private timerTick(channelId: string): void {
    const channels = this.channels;
    if (channels === undefined || !channels.has(channelId)) return;
    const result = this.call(() => ({ ok: true, value: channels.tick(channelId, Date.now()) }));
    if (!result.ok) this.endpoint.post({ type: 'channelError', channelId, error: result.error }, []);
  }

  private reply(id: number, value: ReplyValues[keyof ReplyValues]): void {
    this.endpoint.post({ type: 'reply', id, ok: true, value }, transferableBuffers(value));
  }

  private fail(id: number, error: WireError): void {
    this.endpoint.post({ type: 'reply', id, ok: false, error }, []);
  }
}

function closeQuietly(files: readonly HostFile[]): void {
  for (const file of files) {
    try {
      file.close();
    } catch {
      // The handle is gone either way; closing is best effort.
    }
  }
}

// The packed batches as one array. Batches of one write message are consecutive views of its
// buffer, so they usually need no copy.
function concatenate(batches: readonly PackedBatch[]): Uint8Array {
  const total = batches.reduce((sum, batch) => sum + batch.packed.length, 0);
  const first = batches[0]?.packed ?? new Uint8Array(0);
  const last = batches[batches.length - 1]?.packed ?? first;
  if (last.buffer === first.buffer && last.byteOffset + last.byteLength - first.byteOffset === total) {
    return new Uint8Array(first.buffer, first.byteOffset, total);
  }
  const joined = new Uint8Array(total);
  let at = 0;
  for (const { packed } of batches) {
    joined.set(packed, at);
    at += packed.length;
  }
  return joined;
}

// The byte arrays in a reply were created for it, so their buffers move instead of being copied.
function transferableBuffers(value: ReplyValues[keyof ReplyValues]): ArrayBuffer[] {
  const own = (bytes: Uint8Array): ArrayBuffer[] =>
    bytes.buffer instanceof ArrayBuffer && bytes.byteLength === bytes.buffer.byteLength ? [bytes.buffer] : [];
  if (value instanceof Uint8Array) return own(value);
  if (Array.isArray(value)) {
    return value.flatMap((item: LoggedDelivery | string) => (typeof item === 'string' ? [] : own(item.content)));
  }
  if (value !== null && typeof value === 'object' && 'bytes' in value) return own(value.bytes);
  return [];
}

/**
 * Starts serving one job: returns the function to call with every request, in arrival order.
 * @param endpoint - the channel to the page
 * @param fileSystem - where the job's files live
 */
export function serveJob(endpoint: WorkerEndpoint, fileSystem: JobFileSystem): (request: JobRequest) => void {
  const server = new JobServer(endpoint, fileSystem);
  return guardRequests((request) => server.receive(request), endpoint);
}
