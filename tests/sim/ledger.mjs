// What every participant's application saw: the messages sent (with their
// causal history as read from the wire, and everything their sender had
// before sending them) and, per participant, each delivery in order. The
// checks run on this record only, never on the participants' own state.
import { readMessage } from './wire.mjs';

export class Ledger {
  constructor(participantIds) {
    this.messages = new Map();  // id → {sender, history, past, sentAt}
    this.held = new Map(participantIds.map((id) => [id, new Map()]));  // id → position
    this.deliveries = new Map(participantIds.map((id) => [id, new Map()]));  // id → count
    this.selfDeliveries = 0;
    this.total = 0;  // fixed once every send is done; then full counts participants holding all
    this.full = 0;
    this.onFull = () => {};
  }

  /** Records `bytes` (a content message participant `sender` wraps) at `now`. */
  sent(sender, bytes, now) {
    const { messageId, senderId, history, kind } = readMessage(bytes);
    if (kind !== 'content' || senderId !== sender) throw new Error(`${sender} sent a bad message`);
    if (this.messages.has(messageId)) throw new Error(`message id ${messageId} sent twice`);
    const held = this.held.get(sender);
    this.messages.set(messageId, { sender, history, past: [...held.keys()], sentAt: now });
    this.hold(sender, messageId);
    return messageId;
  }

  delivered(participant, messageId) {
    const counts = this.deliveries.get(participant);
    counts.set(messageId, (counts.get(messageId) ?? 0) + 1);
    if (this.messages.get(messageId)?.sender === participant) this.selfDeliveries++;
    if (!this.held.get(participant).has(messageId)) this.hold(participant, messageId);
  }

  hold(participant, messageId) {
    const held = this.held.get(participant);
    held.set(messageId, held.size);
    if (this.total > 0 && held.size === this.total && ++this.full === this.held.size) this.onFull();
  }

  /** Every message is sent: from now on `onFull` fires when everyone holds all of them. */
  closeSending(onFull) {
    this.total = this.messages.size;
    this.onFull = onFull;
    this.full = [...this.held.values()].filter((held) => held.size === this.total).length;
    if (this.full === this.held.size) onFull();
  }

  /**
   * Counts what the checks look for, per kind of participant (`kinds`: id →
   * 'ours' | 'waku'):
   * - missing: (participant, message) pairs never delivered;
   * - unknown: deliveries of ids nobody sent;
   * - duplicates: deliveries beyond the first;
   * - causal: deliveries of a message before an entry of its causal history
   *   (or without that entry ever being delivered);
   * - happenedBefore: deliveries of a message before something its sender had
   *   delivered or sent before sending it (a stronger order than SDS promises
   *   when the causal history window is shorter than the concurrency).
   */
  check(kinds) {
    const blank = () => ({ missing: 0, unknown: 0, duplicates: 0, causal: 0, happenedBefore: 0 });
    const result = { ours: blank(), waku: blank(), selfDeliveries: this.selfDeliveries };
    for (const [participant, held] of this.held) {
      const counts = result[kinds.get(participant)];
      counts.missing += this.messages.size - [...held.keys()].filter((id) => this.messages.has(id)).length;
      for (const [id, count] of this.deliveries.get(participant)) {
        if (!this.messages.has(id)) counts.unknown++;
        counts.duplicates += count - 1;
      }
      for (const [id, position] of held) {
        const message = this.messages.get(id);
        if (message === undefined || message.sender === participant) continue;
        const before = (dependency) => (held.get(dependency) ?? Infinity) < position;
        if (!message.history.every(before)) counts.causal++;
        if (!message.past.every(before)) counts.happenedBefore++;
      }
    }
    return result;
  }
}
