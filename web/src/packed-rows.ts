/**
 * The packed form of scanned rows, as `CoreStore.scanPacked` returns them
 * (bindings/embind/persistency_bindings.cc): per row a `u32le` key length, the key, a `u32le`
 * payload length, the payload. A scan crosses from the worker to the page as this one buffer.
 * @module
 */
import { PersistencyError } from './errors.js';
import type { KvRow } from './store-types.js';

/**
 * The rows of `packed`, in order. Their keys and payloads are views of `packed`'s buffer (no
 * copies). Throws `Backend` for bytes that do not decode.
 */
export function unpackRows(packed: Uint8Array): KvRow[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const rows: KvRow[] = [];
  let at = 0;
  const sized = (): Uint8Array => {
    if (at + 4 > packed.length) throw new PersistencyError('Backend', 'scan result is truncated');
    const length = view.getUint32(at, true);
    const start = at + 4;
    at = start + length;
    if (at > packed.length) throw new PersistencyError('Backend', 'scan result is truncated');
    return packed.subarray(start, at);
  };
  while (at < packed.length) {
    const key = sized();
    rows.push({ key, payload: sized() });
  }
  return rows;
}
