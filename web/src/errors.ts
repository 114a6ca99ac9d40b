/**
 * Typed errors of the persistency API.
 * @module
 */

/**
 * What went wrong. The names and their order match the C++ `persistency::ErrorKind`:
 * - `Backend`: SQLite or the file system failed (also a job worker that stopped unexpectedly).
 * - `Closed`: the job or the {@link Persistency} was closed.
 * - `InvalidArgument`: a bad job id, root, key, category or option.
 * - `Timeout`: kept for compatibility with the original layer; not produced.
 * - `JobNotFound`: the job is not open.
 * - `JobLocked`: another tab, worker or process owns the job.
 * - `QuotaExceeded`: the storage quota or the disk is full.
 */
export type PersistencyErrorKind =
  | 'Backend'
  | 'Closed'
  | 'InvalidArgument'
  | 'Timeout'
  | 'JobNotFound'
  | 'JobLocked'
  | 'QuotaExceeded';

/** Every {@link PersistencyErrorKind}, in the order of the C++ enum. */
export const persistencyErrorKinds: readonly PersistencyErrorKind[] = Object.freeze([
  'Backend',
  'Closed',
  'InvalidArgument',
  'Timeout',
  'JobNotFound',
  'JobLocked',
  'QuotaExceeded',
]);

/** Returns `value` as an error kind, or `undefined` when it is not one. */
export function asErrorKind(value: unknown): PersistencyErrorKind | undefined {
  return persistencyErrorKinds.find((kind) => kind === value);
}

/** Extra details of a {@link PersistencyError}. */
export interface PersistencyErrorOptions {
  /** The SQLite result code, when SQLite reported the failure. */
  readonly code?: number;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/** The only error type the persistency API throws or rejects with (besides an abort reason). */
export class PersistencyError extends Error {
  /** What went wrong. */
  readonly kind: PersistencyErrorKind;
  /** The SQLite result code when SQLite reported the failure, else 0. */
  readonly code: number;

  /**
   * @param kind - what went wrong
   * @param message - a human-readable description
   * @param options - the SQLite code and the cause, if known
   */
  constructor(kind: PersistencyErrorKind, message: string, options: PersistencyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PersistencyError';
    this.kind = kind;
    this.code = options.code ?? 0;
  }

  /** `PersistencyError(<kind>: <message>)`, with `, code=<n>` when the code is not 0 (as in C++). */
  override toString(): string {
    const code = this.code === 0 ? '' : `, code=${this.code}`;
    return `PersistencyError(${this.kind}: ${this.message}${code})`;
  }
}

/** The event a {@link Job} dispatches as `'error'` when a fire-and-forget write fails. */
export class PersistencyErrorEvent extends Event {
  /** Why the write failed. */
  readonly error: PersistencyError;
  /** How many operations the failed write (a single op or one batch) had; none of them was applied. */
  readonly ops: number;

  /**
   * @param error - why the write failed
   * @param ops - the number of operations that were not applied
   */
  constructor(error: PersistencyError, ops: number) {
    super('error');
    this.error = error;
    this.ops = ops;
  }
}

/**
 * What went wrong in the SDS protocol engine. The names and their order match the C++
 * `sds::ErrorKind` (nim-sds's `ReliabilityError`, then the engine's own):
 * - `InvalidArgument`: a bad argument (a channel option or time out of range, bytes of another
 *   channel, a channel already open, a full outgoing buffer).
 * - `OutOfMemory`: kept for compatibility; not produced.
 * - `InternalError`: a broken invariant of the engine.
 * - `SerializationError`: a message could not be encoded.
 * - `DeserializationError`: received bytes are not a valid SDS message.
 * - `MessageTooLarge`: a payload (sent or received) is over the engine's 1 MiB limit.
 * - `PersistenceError`: the channel's state could not be read from or written to its job.
 * - `DuplicateMessageId`: a send with a message id the channel already has (logged, or sent and
 *   unacknowledged): the message was sent before.
 */
export type SdsErrorKind =
  | 'InvalidArgument'
  | 'OutOfMemory'
  | 'InternalError'
  | 'SerializationError'
  | 'DeserializationError'
  | 'MessageTooLarge'
  | 'PersistenceError'
  | 'DuplicateMessageId';

/** Every {@link SdsErrorKind}, in the order of the C++ enum. */
export const sdsErrorKinds: readonly SdsErrorKind[] = Object.freeze([
  'InvalidArgument',
  'OutOfMemory',
  'InternalError',
  'SerializationError',
  'DeserializationError',
  'MessageTooLarge',
  'PersistenceError',
  'DuplicateMessageId',
]);

/** Returns `value` as an SDS error kind, or `undefined` when it is not one. */
export function asSdsErrorKind(value: unknown): SdsErrorKind | undefined {
  return sdsErrorKinds.find((kind) => kind === value);
}

/** The error a {@link ReliableChannel} rejects with when the SDS engine refuses a call. */
export class SdsError extends Error {
  /** What went wrong. */
  readonly kind: SdsErrorKind;

  /**
   * @param kind - what went wrong
   * @param message - a human-readable description
   * @param options - the cause, if any
   */
  constructor(kind: SdsErrorKind, message: string, options: { readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SdsError';
    this.kind = kind;
  }

  /** `SdsError(<kind>: <message>)`, as the C++ `sds::Error::ToString`. */
  override toString(): string {
    return `SdsError(${this.kind}: ${this.message})`;
  }
}
