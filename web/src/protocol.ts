/**
 * Messages between a {@link Job} on the page (or Node main thread) and its job worker.
 * Requests carry an `id` when they expect a reply; writes do not (fire-and-forget). The worker
 * handles messages strictly in arrival order, so a reply to a read reflects every write sent
 * before it.
 * @module
 */
import { asErrorKind, PersistencyError, type PersistencyErrorKind } from './errors.js';
import type { KvRow, StoreSettings } from './store-types.js';

/** The root value that gives every job a private in-memory database. */
export const inMemoryRoot = ':memory:';

/** One write operation as the worker's store applies it. For `deletePrefix`, `key` is the prefix. */
export type WireOp =
  | { readonly op: 'put'; readonly category: string; readonly key: Uint8Array; readonly payload: Uint8Array }
  | { readonly op: 'delete'; readonly category: string; readonly key: Uint8Array }
  | { readonly op: 'deletePrefix'; readonly category: string; readonly key: Uint8Array };

/** An error crossing the worker boundary. */
export interface WireError {
  /** What went wrong. */
  readonly kind: PersistencyErrorKind;
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
  /** The rows in key order. */
  scan: KvRow[];
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
}

/** The request types that are answered. */
export type ReplyingType = keyof ReplyValues;

/** Requests to a job worker, in the order the page sends them. */
export type JobRequest =
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
  /** Atomic batches (a single write is a batch of one); never answered. */
  | { readonly type: 'write'; readonly batches: readonly (readonly WireOp[])[] }
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
  | { readonly type: 'close'; readonly id: number };

/** Messages from a job worker. */
export type JobResponse =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: ReplyValues[ReplyingType] }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError }
  /** A fire-and-forget write failed; none of its `ops` operations was applied. */
  | { readonly type: 'writeFailed'; readonly error: WireError; readonly ops: number };

/** The wire form of any thrown value; non-persistency errors become `Backend`. */
export function errorToWire(error: unknown): WireError {
  if (error instanceof PersistencyError) return { kind: error.kind, message: error.message, code: error.code };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: 'Backend', message, code: 0 };
}

/** A {@link PersistencyError} from its wire form; unknown kinds become `Backend`. */
export function errorFromWire(error: WireError): PersistencyError {
  return new PersistencyError(asErrorKind(error.kind) ?? 'Backend', error.message, { code: error.code });
}
