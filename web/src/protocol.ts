/**
 * Messages between a {@link Job} on the page (or Node main thread) and its job worker.
 * Requests carry an `id` when they expect a reply; writes do not (fire-and-forget). The worker
 * handles messages strictly in arrival order, so a reply to a read reflects every write sent
 * before it.
 * @module
 */
import type { ChannelConfig, LoggedDelivery, ReceiveResult, SentMessage, WireChannelEvent } from './channel-types.js';
import { asErrorKind, asSdsErrorKind, PersistencyError, SdsError, type PersistencyErrorKind, type SdsErrorKind } from './errors.js';
import type { StoreSettings } from './store-types.js';

/** The root value that gives every job a private in-memory database. */
export const inMemoryRoot = ':memory:';

/** One write operation as the worker's store applies it. For `deletePrefix`, `key` is the prefix. */
export type WireOp =
  | { readonly op: 'put'; readonly category: string; readonly key: Uint8Array; readonly payload: Uint8Array }
  | { readonly op: 'delete'; readonly category: string; readonly key: Uint8Array }
  | { readonly op: 'deletePrefix'; readonly category: string; readonly key: Uint8Array };

/** An error crossing the worker boundary. */
export interface WireError {
  /** What went wrong: a persistency error kind, or with `sds` an SDS engine error kind. */
  readonly kind: PersistencyErrorKind | SdsErrorKind;
  /** Present (true) for an error of the SDS engine, which becomes an {@link SdsError}. */
  readonly sds?: true;
  /** A human-readable description. */
  readonly message: string;
  /** The SQLite result code, or 0. */
  readonly code: number;
}

/** The value each request type is answered with. */
export interface ReplyValues {
  /** The job's database is open. */
  open: null;
  /** The payload, or null for a missing row. */
  get: Uint8Array | null;
  /** Whether the row exists. */
  exists: boolean;
  /** The rows in key order, packed (packed-rows.ts). */
  scan: Uint8Array;
  /** The number of rows. */
  count: number;
  /** Whether the deleted row existed. */
  deleteAcked: boolean;
  /** `"ok"`, or SQLite's list of problems, one per line. */
  integrityCheck: string;
  /** Every earlier write is committed (and none failed since the previous flush). */
  flush: null;
  /** The job is closed (and no write failed since the previous flush). */
  close: null;
  /** The channel is open in the worker (its state restored from the job). */
  channelOpen: null;
  /** The message was sent (its state committed). */
  channelSend: SentMessage;
  /** The received message was processed (its state committed). */
  channelReceive: ReceiveResult;
  /** The ids count as delivered (committed). */
  channelMarkDelivered: null;
  /** The periodic work that was due ran (committed). */
  channelTick: null;
  /** The channel is closed in the worker (its rows dropped too, with `remove`). */
  channelClose: null;
  /** The log entries asked for, oldest first. */
  channelLog: LoggedDelivery[];
  /** The unacknowledged own message ids, in send order. */
  channelPending: string[];
}

/** The request types that are answered. */
export type ReplyingType = keyof ReplyValues;

/**
 * Atomic batches of writes (a single write is a batch of one), packed back to back in `packed`
 * (packed-batch.ts): batch `i` ends at byte `ends[i]` and has `opCounts[i]` ops.
 */
export interface PackedWrites {
  readonly packed: Uint8Array;
  readonly ends: readonly number[];
  readonly opCounts: readonly number[];
}

/**
 * Requests to a job worker, in the order the page sends them. Any request may carry the writes
 * issued just before it (`writes`), which the worker queues before it handles the request.
 */
export type JobRequest = JobRequestBody & { readonly writes?: PackedWrites };

/** The requests without the writes they may carry. */
export type JobRequestBody =
  | {
      readonly type: 'open';
      readonly id: number;
      /** An OPFS directory path (browser), an absolute directory (Node) or `:memory:`. */
      readonly root: string;
      readonly jobId: string;
      readonly store: StoreSettings;
      /** The compiled wasm module to instantiate; without it the worker loads the .wasm file itself. */
      readonly wasm: WebAssembly.Module | undefined;
    }
  /** Writes sent on their own; never answered. */
  | { readonly type: 'write'; readonly writes: PackedWrites }
  | { readonly type: 'get' | 'exists' | 'deleteAcked'; readonly id: number; readonly category: string; readonly key: Uint8Array }
  | {
      readonly type: 'scan';
      readonly id: number;
      readonly category: string;
      readonly start: Uint8Array;
      /** `null` or empty: no upper bound. */
      readonly stop: Uint8Array | null;
      readonly reverse: boolean;
      /** At most this many rows; 0 means no limit. */
      readonly limit: number;
    }
  | { readonly type: 'count'; readonly id: number; readonly category: string; readonly start: Uint8Array; readonly stop: Uint8Array | null }
  /** Runs `PRAGMA integrity_check` after the earlier writes. */
  | { readonly type: 'integrityCheck'; readonly id: number }
  /** Answered once every earlier write is committed, with the first write error since the previous flush. */
  | { readonly type: 'flush'; readonly id: number }
  /** Applies the queued writes, closes the database and its files, then answers like `flush`. */
  | { readonly type: 'close'; readonly id: number }
  /**
   * Opens SDS channel `channelId` on the job, restoring its state. `tickIntervalMs` > 0 runs
   * its periodic work on the worker's timer with the worker's clock.
   */
  | {
      readonly type: 'channelOpen';
      readonly id: number;
      readonly channelId: string;
      readonly participantId: string;
      readonly config: ChannelConfig & { readonly dialect?: string };
      readonly tickIntervalMs: number;
    }
  /**
   * An SDS step on an open channel. `now` is the time in ms to run it at; null means the
   * worker's clock. An empty `messageId` lets the worker choose one. An `ephemeral` send stores nothing.
   */
  | {
      readonly type: 'channelSend';
      readonly id: number;
      readonly channelId: string;
      readonly payload: Uint8Array;
      readonly messageId: string;
      readonly ephemeral: boolean;
      readonly now: number | null;
    }
  | { readonly type: 'channelReceive'; readonly id: number; readonly channelId: string; readonly bytes: Uint8Array; readonly now: number | null }
  | { readonly type: 'channelMarkDelivered'; readonly id: number; readonly channelId: string; readonly messageIds: readonly string[]; readonly now: number | null }
  | { readonly type: 'channelTick'; readonly id: number; readonly channelId: string; readonly now: number | null }
  /** Stops the channel's timer and frees it; with `remove`, also deletes its state from the job. */
  | { readonly type: 'channelClose'; readonly id: number; readonly channelId: string; readonly remove: boolean }
  /** Reads the channel's log: at most `limit` entries with a seq above `after`, oldest first. */
  | { readonly type: 'channelLog'; readonly id: number; readonly channelId: string; readonly after: number; readonly limit: number }
  /** Reads the ids of the channel's unacknowledged own messages, in send order. */
  | { readonly type: 'channelPending'; readonly id: number; readonly channelId: string };

/** Messages from a job worker. */
export type JobResponse =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: ReplyValues[ReplyingType] }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError }
  /** A fire-and-forget write failed; none of its `ops` operations was applied. */
  | { readonly type: 'writeFailed'; readonly error: WireError; readonly ops: number }
  /** Events of an SDS channel, in order; posted after their step committed and before its reply. */
  | { readonly type: 'channelEvents'; readonly channelId: string; readonly events: readonly WireChannelEvent[] }
  /** Periodic work of a channel (run on the worker's timer) failed. */
  | { readonly type: 'channelError'; readonly channelId: string; readonly error: WireError };

/** The wire form of any thrown value; errors that are neither persistency nor SDS errors become `Backend`. */
export function errorToWire(error: unknown): WireError {
  if (error instanceof PersistencyError) return { kind: error.kind, message: error.message, code: error.code };
  if (error instanceof SdsError) return { kind: error.kind, message: error.message, code: 0, sds: true };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: 'Backend', message, code: 0 };
}

/** A {@link PersistencyError} from its wire form; unknown kinds become `Backend`. */
export function errorFromWire(error: WireError): PersistencyError {
  return new PersistencyError(asErrorKind(error.kind) ?? 'Backend', error.message, { code: error.code });
}

/** An {@link SdsError} or a {@link PersistencyError} from its wire form. */
export function anyErrorFromWire(error: WireError): SdsError | PersistencyError {
  if (error.sds === true) return new SdsError(asSdsErrorKind(error.kind) ?? 'InternalError', error.message);
  return errorFromWire(error);
}
