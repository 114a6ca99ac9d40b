// Seeded pseudo-random numbers (mulberry32). Every random choice of a
// simulation comes from a stream forked off its seed by name, so adding a draw
// to one part (say, the network) does not shift the draws of another (say, the
// send schedule), and the same seed always gives the same run.

// 32-bit FNV-1a of a string: turns a stream name into seed material.
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export class Random {
  /** @param {string} label the stream's name; equal labels give equal streams */
  constructor(label) {
    this.label = label;
    this.state = fnv1a(label);
  }

  /** A uniform float in [0, 1). */
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p) {
    return this.next() < p;
  }

  /** An independent stream named `name` under this one. */
  fork(name) {
    return new Random(`${this.label}/${name}`);
  }
}

/** The root stream of seed `seed`. */
export const seeded = (seed) => new Random(`sds-sim:${seed}`);
