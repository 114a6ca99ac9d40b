/**
 * The file interface the wasm module's `sds-host` SQLite VFS reads and writes through. It has
 * the shape of the browser's `FileSystemSyncAccessHandle`, so an OPFS handle is used as is;
 * Node uses {@link NodeHostFile} (platform/node-host-file.ts).
 * @module
 */

/** A synchronous, exclusively owned file. */
export interface HostFile {
  /** Reads into `buffer` from byte offset `at`; returns the number of bytes read (fewer at the end of the file). */
  read(buffer: Uint8Array, options: { at: number }): number;
  /** Writes all of `buffer` at byte offset `at`; returns the number of bytes written. */
  write(buffer: Uint8Array, options: { at: number }): number;
  /** Sets the file's size. */
  truncate(size: number): void;
  /** Makes the written bytes durable. */
  flush(): void;
  /** The file's size in bytes. */
  getSize(): number;
  /** Releases the file. */
  close(): void;
}
