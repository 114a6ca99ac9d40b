/**
 * Plain data types of the public API: rows and store settings.
 * @module
 */

/** SQLite journal modes the store accepts. */
export const journalModes = ['wal', 'delete', 'truncate', 'persist', 'memory'] as const;

/** One of {@link journalModes}. */
export type JournalMode = (typeof journalModes)[number];

/** Store settings passed to the worker's `SqliteStore.open`. Unset fields take the worker's defaults. */
export interface StoreSettings {
  /** The journal mode; see docs/web-api.md for the default. */
  readonly journalMode?: JournalMode;
  /** `synchronous=FULL` (every commit durable) instead of `NORMAL`. */
  readonly synchronousFull?: boolean;
  /** Page size in bytes, applied when the file is created (default 8192). */
  readonly pageSize?: number;
  /** Page cache size in KiB (default 16384). */
  readonly cacheSizeKib?: number;
}

/** A stored row. */
export interface KvRow {
  /** The row's key bytes. */
  readonly key: Uint8Array;
  /** The row's payload bytes. */
  readonly payload: Uint8Array;
}
