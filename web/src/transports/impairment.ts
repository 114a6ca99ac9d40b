/**
 * A transport wrapper that loses, duplicates and reorders incoming frames, driven by a seeded
 * pseudo-random generator, so a test sees the same impairment on every run.
 * @module
 */
import type { ConnectionStatus, Transport, TransportListener } from './transport.js';

/** How badly incoming frames are treated; every probability is from 0 to 1. */
export interface Impairment {
  /** Probability that a frame is dropped. */
  readonly drop?: number;
  /** Probability that a frame is delivered twice. */
  readonly duplicate?: number;
  /** Probability that a frame is held back and delivered after the next one (or after `holdMs`). */
  readonly reorder?: number;
  /** Longest time a held-back frame waits for a successor, in ms (default 50). */
  readonly holdMs?: number;
  /** The seed of the generator (default 1). */
  readonly seed?: number;
}

/** A deterministic generator of numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkProbability(value: number | undefined, name: string): number {
  const p = value ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${name} must be a probability from 0 to 1`);
  return p;
}

/** Counts of what an {@link ImpairedTransport} did to incoming frames. */
export interface ImpairmentStats {
  /** Frames that arrived from the inner transport. */
  received: number;
  /** Frames dropped. */
  dropped: number;
  /** Frames delivered twice. */
  duplicated: number;
  /** Frames held back behind a later one. */
  reordered: number;
}

interface HeldFrame {
  readonly contentTopic: string;
  readonly bytes: Uint8Array;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Wraps a transport and impairs the frames it delivers; publishing and status pass through. */
export class ImpairedTransport implements Transport {
  /** What was done to incoming frames so far. */
  readonly stats: ImpairmentStats = { received: 0, dropped: 0, duplicated: 0, reordered: 0 };
  readonly #inner: Transport;
  readonly #random: () => number;
  readonly #drop: number;
  readonly #duplicate: number;
  readonly #reorder: number;
  readonly #holdMs: number;
  #held: HeldFrame | undefined;
  #listener: TransportListener | undefined;

  /**
   * @param inner - the transport whose incoming frames are impaired
   * @param impairment - the probabilities and the seed
   */
  constructor(inner: Transport, impairment: Impairment) {
    this.#inner = inner;
    this.#drop = checkProbability(impairment.drop, 'drop');
    this.#duplicate = checkProbability(impairment.duplicate, 'duplicate');
    this.#reorder = checkProbability(impairment.reorder, 'reorder');
    this.#holdMs = impairment.holdMs ?? 50;
    this.#random = seededRandom(impairment.seed ?? 1);
  }

  /** The inner transport's link state. */
  get status(): ConnectionStatus {
    return this.#inner.status;
  }

  /** Starts the inner transport, impairing the frames it delivers. */
  start(listener: TransportListener): Promise<void> {
    this.#listener = listener;
    return this.#inner.start({
      frame: (contentTopic, bytes) => this.#arrive(contentTopic, bytes),
      status: (status) => listener.status(status),
    });
  }

  /** See {@link Transport.subscribe}. */
  subscribe(contentTopic: string): Promise<void> {
    return this.#inner.subscribe(contentTopic);
  }

  /** See {@link Transport.unsubscribe}. */
  unsubscribe(contentTopic: string): Promise<void> {
    return this.#inner.unsubscribe(contentTopic);
  }

  /** See {@link Transport.publish}; outgoing frames are not impaired. */
  publish(contentTopic: string, bytes: Uint8Array): Promise<void> {
    return this.#inner.publish(contentTopic, bytes);
  }

  /** Stops the inner transport; a held-back frame is dropped. */
  async stop(): Promise<void> {
    if (this.#held !== undefined) clearTimeout(this.#held.timer);
    this.#held = undefined;
    this.#listener = undefined;
    await this.#inner.stop();
  }

  #arrive(contentTopic: string, bytes: Uint8Array): void {
    this.stats.received += 1;
    if (this.#random() < this.#drop) {
      this.stats.dropped += 1;
      return;
    }
    const copies = this.#random() < this.#duplicate ? 2 : 1;
    if (copies === 2) this.stats.duplicated += 1;
    if (this.#held === undefined && this.#random() < this.#reorder) {
      this.stats.reordered += 1;
      const timer = setTimeout(() => this.#release(), this.#holdMs);
      this.#held = { contentTopic, bytes, timer };
      if (copies === 2) this.#listener?.frame(contentTopic, bytes);
      return;
    }
    for (let i = 0; i < copies; i += 1) this.#listener?.frame(contentTopic, bytes);
    this.#release();
  }

  #release(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    clearTimeout(held.timer);
    this.#listener?.frame(held.contentTopic, held.bytes);
  }
}
