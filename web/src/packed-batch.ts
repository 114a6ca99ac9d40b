/**
 * The packed form of a list of write ops that `CoreStore.applyPacked` takes: one byte array
 * crosses into wasm (and from the page to the worker) instead of one JS object per op
 * (src/persistency/packed_batch.h). Records follow each other, each `u8 op` (1 put, 2 delete,
 * 3 deletePrefix), then `u32le` length and bytes of the category (UTF-8), of the key, and for a
 * put of the payload. Records concatenate: two packed lists back to back are the packed form of
 * both lists in order.
 * @module
 */
import type { WireOp } from './protocol.js';

const opCodes = { put: 1, delete: 2, deletePrefix: 3 } as const satisfies Record<WireOp['op'], number>;
const utf8 = new TextEncoder();
const initialCapacity = 4096;
// Writers see few distinct categories; past this many the cache starts over.
const maxCachedCategories = 64;

/**
 * Packs write ops into one growing byte buffer, copying the caller's bytes as it goes. `take`
 * hands over what was packed so far and starts a new buffer.
 */
export class PackedWriter {
  #bytes = new Uint8Array(0);
  #view = new DataView(this.#bytes.buffer);
  #used = 0;
  readonly #categories = new Map<string, Uint8Array>();

  /** The number of bytes packed since the last {@link PackedWriter.take}. */
  get size(): number {
    return this.#used;
  }

  /** Appends one op. */
  add(op: WireOp): void {
    const category = this.#category(op.category);
    const payload = op.op === 'put' ? op.payload : undefined;
    this.#reserve(1 + 4 + category.length + 4 + op.key.length + (payload === undefined ? 0 : 4 + payload.length));
    this.#bytes[this.#used++] = opCodes[op.op];
    this.#sized(category);
    this.#sized(op.key);
    if (payload !== undefined) this.#sized(payload);
  }

  /** The packed bytes since the last call (a view of a buffer no longer used here). */
  take(): Uint8Array {
    const packed = this.#bytes.subarray(0, this.#used);
    this.#bytes = new Uint8Array(0);
    this.#view = new DataView(this.#bytes.buffer);
    this.#used = 0;
    return packed;
  }

  #category(name: string): Uint8Array {
    let encoded = this.#categories.get(name);
    if (encoded === undefined) {
      if (this.#categories.size >= maxCachedCategories) this.#categories.clear();
      encoded = utf8.encode(name);
      this.#categories.set(name, encoded);
    }
    return encoded;
  }

  #reserve(more: number): void {
    const needed = this.#used + more;
    if (needed <= this.#bytes.length) return;
    let capacity = Math.max(initialCapacity, this.#bytes.length * 2);
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#bytes.subarray(0, this.#used));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  #sized(bytes: Uint8Array): void {
    this.#view.setUint32(this.#used, bytes.length, true);
    this.#bytes.set(bytes, this.#used + 4);
    this.#used += 4 + bytes.length;
  }
}

/** Packs `ops`, keeping their order, into the byte form of `applyPacked`. */
export function packBatch(ops: readonly WireOp[]): Uint8Array {
  const writer = new PackedWriter();
  for (const op of ops) writer.add(op);
  return writer.take();
}
