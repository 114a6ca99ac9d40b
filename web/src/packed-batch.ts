/**
 * The packed form of a list of write ops that `CoreStore.applyPacked` takes: one byte array
 * crosses into wasm instead of one JS object per op (src/persistency/packed_batch.h). Records
 * follow each other, each `u8 op` (1 put, 2 delete, 3 deletePrefix), then `u32le` length and
 * bytes of the category (UTF-8), of the key, and for a put of the payload.
 * @module
 */
import type { WireOp } from './protocol.js';

const opCodes = { put: 1, delete: 2, deletePrefix: 3 } as const satisfies Record<WireOp['op'], number>;
const utf8 = new TextEncoder();

/** Packs `ops`, keeping their order, into the byte form of `applyPacked`. */
export function packBatch(ops: readonly WireOp[]): Uint8Array {
  // Batches repeat a few categories, so each is encoded once.
  const categories = new Map<string, Uint8Array>();
  let size = 0;
  for (const op of ops) {
    let category = categories.get(op.category);
    if (category === undefined) {
      category = utf8.encode(op.category);
      categories.set(op.category, category);
    }
    size += 1 + 4 + category.length + 4 + op.key.length + (op.op === 'put' ? 4 + op.payload.length : 0);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  const writeSized = (bytes: Uint8Array): void => {
    view.setUint32(at, bytes.length, true);
    out.set(bytes, at + 4);
    at += 4 + bytes.length;
  };
  for (const op of ops) {
    out[at++] = opCodes[op.op];
    writeSized(categories.get(op.category) ?? utf8.encode(op.category));
    writeSized(op.key);
    if (op.op === 'put') writeSized(op.payload);
  }
  return out;
}
