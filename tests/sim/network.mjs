// A lossy broadcast medium on the simulated clock. Every broadcast goes to
// every other participant independently: lost with probability `loss`, else
// delivered after a uniform random delay (so messages overtake each other),
// and with probability `duplicate` delivered a second time after another
// delay. A participant that is offline when a copy arrives does not get it.
// Traffic is counted once per broadcast, by kind (content, resend, sync,
// repair), in messages and bytes.
export const TRAFFIC_KINDS = ['content', 'resend', 'sync', 'repair'];

export class Network {
  /**
   * @param {object} options
   * @param {import('./schedule.mjs').Schedule} options.schedule
   * @param {import('./random.mjs').Random} options.random
   * @param {number} options.loss
   * @param {number} options.duplicate
   * @param {number} options.minDelayMs
   * @param {number} options.maxDelayMs
   * @param {(to: object, bytes: Uint8Array) => Promise<void>} options.deliver
   */
  constructor({ schedule, random, loss, duplicate, minDelayMs, maxDelayMs, deliver }) {
    Object.assign(this, { schedule, random, loss, duplicate, minDelayMs, maxDelayMs, deliver });
    this.participants = [];
    this.traffic = Object.fromEntries(TRAFFIC_KINDS.map((kind) => [kind, { count: 0, bytes: 0 }]));
    this.copies = { lost: 0, duplicated: 0, offline: 0, arrived: 0 };
  }

  join(participant) {
    this.participants.push(participant);
  }

  /** Broadcasts each `{kind, bytes}` of `items` from participant `from`. */
  broadcast(from, items) {
    for (const { kind, bytes } of items) {
      const traffic = this.traffic[kind];
      traffic.count++;
      traffic.bytes += bytes.length;
      for (const to of this.participants) {
        if (to === from) continue;
        if (this.random.chance(this.loss)) {
          this.copies.lost++;
          continue;
        }
        const copies = this.random.chance(this.duplicate) ? 2 : 1;
        if (copies === 2) this.copies.duplicated++;
        for (let i = 0; i < copies; i++) {
          this.schedule.after(this.random.int(this.minDelayMs, this.maxDelayMs), () => this.arrive(to, bytes));
        }
      }
    }
  }

  async arrive(to, bytes) {
    if (!to.online) {
      this.copies.offline++;
      return;
    }
    this.copies.arrived++;
    await this.deliver(to, bytes);
  }
}
