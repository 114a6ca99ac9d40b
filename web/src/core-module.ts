/**
 * The part of the wasm module (build/wasm/dist/sds_core.mjs) a job worker uses, and its loader.
 * Every fallible binding returns `{ ok: true, value } | { ok: false, error }`.
 * @module
 */
import createSdsCore from '../wasm/dist/sds_core.mjs';
import type { ChannelConfig, HistoryEntry, WireChannelEvent } from './channel-types.js';
import type { SdsErrorKind } from './errors.js';
import type { HostFile } from './host-file.js';
import type { WireError, WireOp } from './protocol.js';
import type { JournalMode, KvRow } from './store-types.js';

/** The result shape of the fallible bindings. */
export type CoreResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

/** Options of `SqliteStore.open` (bindings/embind/persistency_bindings.cc). */
export interface CoreStoreOptions {
  /** The SQLite VFS; the default VFS when missing. */
  readonly vfs?: string;
  /** The journal mode (default WAL). */
  readonly journalMode?: JournalMode;
  /** `locking_mode=EXCLUSIVE` (the binding's default: true). */
  readonly exclusiveLocking?: boolean;
  /** `synchronous=FULL` instead of `NORMAL`. */
  readonly synchronousFull?: boolean;
  /** Page size in bytes for new files. */
  readonly pageSize?: number;
  /** Page cache size in KiB. */
  readonly cacheSizeKib?: number;
}

/** An open store (an embind object: `delete()` closes the database and frees it). */
export interface CoreStore {
  /** Applies the ops in order, in one transaction when there are several. */
  apply(ops: readonly WireOp[]): CoreResult<undefined>;
  /**
   * Like {@link CoreStore.apply}, for ops packed by `PackedWriter` (packed-batch.ts); malformed
   * bytes fail with `InvalidArgument` and apply nothing.
   */
  applyPacked(packed: Uint8Array): CoreResult<undefined>;
  /** The payload of a row, or null. */
  get(category: string, key: Uint8Array): CoreResult<Uint8Array | null>;
  /** Whether a row exists. */
  exists(category: string, key: Uint8Array): CoreResult<boolean>;
  /** Rows in `[start, stop)` (`stop` null or empty: open-ended); `limit` 0 means all. */
  scan(category: string, start: Uint8Array, stop: Uint8Array | null, reverse: boolean, limit: number): CoreResult<KvRow[]>;
  /** Like {@link CoreStore.scan}, with the rows packed into one array (packed-rows.ts). */
  scanPacked(category: string, start: Uint8Array, stop: Uint8Array | null, reverse: boolean, limit: number): CoreResult<Uint8Array>;
  /** The number of rows in `[start, stop)`. */
  count(category: string, start: Uint8Array, stop: Uint8Array | null): CoreResult<number>;
  /** `PRAGMA integrity_check`: "ok", or the problems one per line. */
  integrityCheck(): CoreResult<string>;
  /** Deletes a row; true when it existed. */
  deleteOne(category: string, key: Uint8Array): CoreResult<boolean>;
  /** Closes the database and frees the object. */
  delete(): void;
}

/** The result shape of the SDS bindings: errors carry an SDS engine error kind. */
export type CoreSdsResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: { readonly kind: SdsErrorKind; readonly message: string } };

/** What the engine reports about a received message (`UnwrapResult`). */
export interface CoreUnwrapResult {
  /** The message's channel. */
  readonly channelId: string;
  /** The message's id. */
  readonly messageId: string;
  /** Content, sync or ephemeral message. */
  readonly kind: 'content' | 'sync' | 'ephemeral';
  /** The dialect it was written in. */
  readonly dialect: 'nim' | 'spec';
  /** Received before. */
  readonly duplicate: boolean;
  /** Its content. */
  readonly content: Uint8Array;
  /** Dependencies not yet delivered. */
  readonly missing: HistoryEntry[];
}

/** An entry of a channel's log, as `ChannelHost.log` returns it. */
export interface CoreLogEntry {
  /** The message's id. */
  readonly messageId: string;
  /** Its sender. */
  readonly senderId: string;
  /** Its lamport timestamp. */
  readonly lamport: number;
  /** Its content. */
  readonly content: Uint8Array;
  /** Its place in the log. */
  readonly seq: number;
}

/** One SDS channel persisted in a store (`ChannelHost`, bindings/embind/channel_bindings.cc). */
export interface CoreChannelHost {
  /** Wraps `payload` as message `messageId` sent at `nowMs`: the bytes to broadcast. */
  send(payload: Uint8Array, messageId: string, nowMs: number): CoreSdsResult<Uint8Array>;
  /** Wraps `payload` as ephemeral message `messageId` (nothing stored, never resent): the bytes to broadcast. */
  sendEphemeral(payload: Uint8Array, messageId: string): CoreSdsResult<Uint8Array>;
  /** Processes received bytes. */
  receive(bytes: Uint8Array, nowMs: number): CoreSdsResult<CoreUnwrapResult>;
  /** Counts `messageIds` as delivered. */
  markDependenciesMet(messageIds: readonly string[], nowMs: number): CoreSdsResult<undefined>;
  /** Runs the periodic work that is due at `nowMs`. */
  tick(nowMs: number): CoreSdsResult<undefined>;
  /** The events queued since the last call, in order. */
  takeEvents(): WireChannelEvent[];
  /** At most `limit` log entries with a seq above `afterSeq`, oldest first. */
  log(afterSeq: number, limit: number): CoreSdsResult<CoreLogEntry[]>;
  /** The ids of the unacknowledged own messages, in send order. */
  pending(): CoreSdsResult<string[]>;
  /** Deletes the channel's state, in memory and in the store. */
  remove(): CoreSdsResult<undefined>;
  /** Frees the host (before its store is closed). */
  delete(): void;
}

/** The module instance of one job worker. */
export interface CoreModule {
  /** Files the `sds-host` VFS may open, keyed by the exact path SQLite asks for. */
  readonly hostFiles: Map<string, HostFile>;
  /** The text of the last exception a HostFile threw, for error messages. */
  hostFileLastError?: string;
  /** Opens a store on `path` (`:memory:` for a private in-memory database). */
  readonly SqliteStore: { open(path: string, options: CoreStoreOptions): CoreResult<CoreStore> };
  /** Checks a job id with the C++ rules. */
  validateJobId(id: string): CoreResult<undefined>;
  /** Opens (restoring its state) SDS channel `channelId` over `store`, the job's own connection. */
  readonly ChannelHost: {
    open(
      store: CoreStore,
      channelId: string,
      participantId: string,
      config: ChannelConfig & { readonly dialect?: string },
    ): CoreSdsResult<CoreChannelHost>;
  };
  /** The channel id of serialized SDS bytes (either dialect). */
  messageChannelId(bytes: Uint8Array): CoreSdsResult<string>;
  /** `@waku/sds`'s message id for `payload`: its lowercase hex SHA-256. */
  contentMessageId(payload: Uint8Array): CoreSdsResult<string>;
}

/**
 * Instantiates the wasm module with an empty `hostFiles` registry, from `compiled` when given
 * (compiled once per page or process and shared by its job workers), else from the .wasm file
 * next to the module's JS.
 */
export async function loadCore(compiled?: WebAssembly.Module): Promise<CoreModule> {
  const hostFiles = new Map<string, HostFile>();
  if (compiled === undefined) return (await createSdsCore({ hostFiles })) as CoreModule;
  let instantiateFailed: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => {
    instantiateFailed = reject;
  });
  const ready = createSdsCore({
    hostFiles,
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled), instantiateFailed);
      return {};
    },
  });
  // The factory resolves to the Module object it was given, extended with the bindings.
  return (await Promise.race([ready, failure])) as CoreModule;
}
