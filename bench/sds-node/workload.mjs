// The workload every system runs (reference sds-js-waku.md §6): N distinct 1 KiB payloads from
// the generator of bench/sds_workload.h (mulberry32, shared with the KV workload), so the native peer mode wraps the very same bytes.
import { createHash } from 'node:crypto';
import { mulberry32 } from '../kv-browser/workload.mjs';

/** Bytes per payload (sds_workload.h kPayloadBytes). */
export const PAYLOAD_BYTES = 1024;
/** The first/last window of the per-phase rates (kWindow). */
export const WINDOW = 1000;
/** Channel and participants (kChannel, kSender, kReceiver). */
export const CHANNEL = 'bench';
export const SENDER = 'alice';
export const RECEIVER = 'bob';
/** The simulated clock of the engine runs: 2026-01-01T00:00:00Z, 1 ms per message (kStartMs). */
export const START_MS = 1_767_225_600_000;
const SENDER_SEED = 0x5d5a11ce;

/**
 * The `n` payloads, each the generator's next 256 words, little-endian (FillRandom), and their
 * content-addressed ids (lowercase hex SHA-256, @waku/sds's message id).
 */
export function makePayloads(n) {
  const next = mulberry32(SENDER_SEED);
  const payloads = [];
  const ids = [];
  for (let i = 0; i < n; ++i) {
    const payload = new Uint8Array(PAYLOAD_BYTES);
    const words = new DataView(payload.buffer);
    for (let offset = 0; offset < PAYLOAD_BYTES; offset += 4) words.setUint32(offset, next(), true);
    payloads.push(payload);
    ids.push(createHash('sha256').update(payload).digest('hex'));
  }
  return { payloads, ids };
}

/** The first/last window of a phase of `count` messages: WINDOW, or half the phase when it is short. */
export function windowFor(count) {
  return Math.min(WINDOW, Math.max(1, Math.floor(count / 2)));
}

/**
 * Times of one phase, as segments of {count, ms}: one message each when every call is timed on
 * its own, or a window of messages timed together (pipelined calls).
 */
export class PhaseTimer {
  #segments = [];
  #wireBytes = 0;

  /** Records `count` messages that took `ms` together and carried `wireBytes` in all. */
  add(count, ms, wireBytes) {
    this.#segments.push({ count, ms });
    this.#wireBytes += wireBytes;
  }

  /**
   * msg/s overall and over the first and last window (half the phase when it is short); when
   * every call was timed on its own also the median call time overall and per window (µs), which
   * preemption on a busy machine moves far less than the rates.
   */
  summary() {
    const count = this.#segments.reduce((sum, s) => sum + s.count, 0);
    const ms = this.#segments.reduce((sum, s) => sum + s.ms, 0);
    const window = windowFor(count);
    const rate = (segments) => {
      let c = 0;
      let t = 0;
      for (const s of segments) {
        if (c >= window) break;
        c += s.count;
        t += s.ms;
      }
      return t > 0 ? (c * 1000) / t : null;
    };
    return {
      count,
      window,
      overall: ms > 0 ? (count * 1000) / ms : null,
      first1k: rate(this.#segments),
      last1k: rate([...this.#segments].reverse()),
      wireBytes: count > 0 ? this.#wireBytes / count : null,
      seconds: ms / 1000,
      ...this.#medians(window),
    };
  }

  #medians(window) {
    if (this.#segments.length === 0 || this.#segments.some((s) => s.count !== 1)) return {};
    const median = (segments) => {
      const sorted = segments.map((s) => s.ms).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] * 1000;
    };
    return {
      p50Us: median(this.#segments),
      firstP50Us: median(this.#segments.slice(0, window)),
      lastP50Us: median(this.#segments.slice(-window)),
    };
  }
}
