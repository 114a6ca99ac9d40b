/**
 * Key and payload encoders producing exactly the bytes of the C++ `MakeKey` / `MakePayload`
 * (src/persistency/encoding.h), so that byte order of encoded keys equals tuple order:
 *
 * | part | bytes |
 * | --- | --- |
 * | string ({@link text}) | 2-byte big-endian UTF-8 length, then the UTF-8 bytes (at most 65535) |
 * | byte string ({@link bytes}) | 2-byte big-endian length, then the bytes (at most 65535) |
 * | signed integer ({@link int64}) | sign bit flipped, 8 bytes big-endian |
 * | unsigned integer ({@link uint64}) | 8 bytes big-endian |
 * | {@link uint8} | 1 raw byte |
 * | {@link bool} | 1 byte, 0 or 1 |
 * | an encoded key ({@link raw}) | its bytes verbatim |
 *
 * Strings therefore sort by length first, then by bytes.
 * @module
 */
import { PersistencyError } from './errors.js';

/** The longest string or byte-string part, in bytes. */
export const maxPartLength = 0xffff;

/**
 * One argument of {@link key} / {@link payload}: a `string` is encoded with {@link text}, a
 * `bigint` or `number` with {@link int64}, a `boolean` with {@link bool}, and a `Uint8Array` is
 * taken verbatim as an already-encoded part (like a C++ `Key` part). Wrap raw bytes with
 * {@link bytes} to length-prefix them.
 */
export type KeyPart = string | bigint | number | boolean | Uint8Array;

/** A half-open key range `[start, stop)`; an empty `stop` means no upper bound. */
export interface KeyRange {
  /** The first key in the range. */
  readonly start: Uint8Array;
  /** The first key after the range; empty when the range is open-ended. */
  readonly stop: Uint8Array;
}

const utf8 = new TextEncoder();
const signBit = 1n << 63n;
const int64Min = -signBit;
const uint64Limit = 1n << 64n;

function invalid(message: string): PersistencyError {
  return new PersistencyError('InvalidArgument', message);
}

function sized(content: Uint8Array): Uint8Array {
  if (content.length > maxPartLength) throw invalid('part longer than 65535 bytes');
  const out = new Uint8Array(content.length + 2);
  out[0] = content.length >> 8;
  out[1] = content.length & 0xff;
  out.set(content, 2);
  return out;
}

function bigEndian64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

function toBigInt(value: bigint | number, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw invalid(`${what} must be an integer (got ${value})`);
  return BigInt(value);
}

/** A string part: 2-byte big-endian UTF-8 length, then the UTF-8 bytes. Throws `InvalidArgument` over 65535 bytes. */
export function text(value: string): Uint8Array {
  return sized(utf8.encode(value));
}

/** A byte-string part: 2-byte big-endian length, then the bytes. Throws `InvalidArgument` over 65535 bytes. */
export function bytes(value: Uint8Array): Uint8Array {
  return sized(value);
}

/** A signed 64-bit integer part: sign bit flipped, 8 bytes big-endian. Throws `InvalidArgument` out of range. */
export function int64(value: bigint | number): Uint8Array {
  const wide = toBigInt(value, 'int64');
  if (wide < int64Min || wide >= signBit) throw invalid(`int64 out of range: ${wide}`);
  return bigEndian64(BigInt.asUintN(64, wide) ^ signBit);
}

/** An unsigned 64-bit integer part: 8 bytes big-endian. Throws `InvalidArgument` out of range. */
export function uint64(value: bigint | number): Uint8Array {
  const wide = toBigInt(value, 'uint64');
  if (wide < 0n || wide >= uint64Limit) throw invalid(`uint64 out of range: ${wide}`);
  return bigEndian64(wide);
}

/** A one-byte part (C++ `uint8_t` / `char`). Throws `InvalidArgument` unless 0–255. */
export function uint8(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw invalid(`uint8 out of range: ${value}`);
  }
  return Uint8Array.of(value);
}

/** A boolean part: one byte, 0 or 1. */
export function bool(value: boolean): Uint8Array {
  return Uint8Array.of(value ? 1 : 0);
}

/** A copy of already-encoded bytes, used verbatim (the original's `rawKey`). */
export function raw(value: Uint8Array): Uint8Array {
  return value.slice();
}

function encodePart(part: KeyPart): Uint8Array {
  switch (typeof part) {
    case 'string':
      return text(part);
    case 'bigint':
    case 'number':
      return int64(part);
    case 'boolean':
      return bool(part);
    default:
      if (part instanceof Uint8Array) return part;
      throw invalid(`unsupported key part: ${typeof part}`);
  }
}

/** Concatenates the encodings of `parts` (see {@link KeyPart}). */
function concatenate(parts: readonly KeyPart[]): Uint8Array {
  const encoded = parts.map(encodePart);
  const out = new Uint8Array(encoded.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of encoded) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * A composite key: the parts encoded in order and concatenated (the C++ `MakeKey(parts...)`).
 * `key()` is the empty key. Example: `key('ch', 1n)` = `00 02 63 68 80 00 00 00 00 00 00 01`.
 */
export function key(...parts: readonly KeyPart[]): Uint8Array {
  return concatenate(parts);
}

/** A payload built with the key encoding (the C++ `MakePayload(parts...)`); payloads need not sort. */
export function payload(...parts: readonly KeyPart[]): Uint8Array {
  return concatenate(parts);
}

/**
 * The range holding exactly the keys that start with `prefix`: `start` is the prefix, `stop` is
 * the prefix with its last byte that is not 0xFF incremented and everything after it dropped.
 * An empty or all-0xFF prefix gives an empty (open-ended) `stop`.
 */
export function prefixRange(prefix: Uint8Array): KeyRange {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) --end;
  const stop = prefix.slice(0, end);
  if (end > 0) stop[end - 1] = (stop[end - 1] ?? 0) + 1;
  return { start: prefix.slice(), stop };
}

/** Byte-wise comparison (SQLite's BLOB order): negative, zero or positive. */
export function compare(a: Uint8Array, b: Uint8Array): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; ++i) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
