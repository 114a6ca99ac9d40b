// Engine timings of the chat demo (MessagingNode `channelsOverrides`), also used by the
// messaging tests.

/** For people: resends, syncs and repairs within seconds. */
export const humanTiming = {
  sdsAcknowledgementTimeoutMs: 3000,
  sdsMaxRetransmissions: 100,
  syncMessageIntervalMs: 2000,
  bufferSweepIntervalMs: 1000,
  repairSweepIntervalMs: 1000,
  repairTMinMs: 1000,
  repairTMaxMs: 5000,
};

/**
 * For tests (`?fast`): a conversation settles in seconds, with resends, syncs and sweeps every
 * few hundred ms. The causal history covers a whole test conversation: a message cites the last
 * `sdsCausalHistorySize` entries of its sender's log in the order they entered it, so when more
 * than that many messages are delivered to a sender between two of its own sends (a burst of
 * repairs after a restart), the second no longer depends on the first and a peer may deliver it
 * first. See docs/messaging.md, "Limits".
 */
export const fastTiming = {
  sdsCausalHistorySize: 64,
  sdsAcknowledgementTimeoutMs: 300,
  sdsMaxRetransmissions: 1000,
  syncMessageIntervalMs: 250,
  bufferSweepIntervalMs: 150,
  repairSweepIntervalMs: 150,
  repairTMinMs: 200,
  repairTMaxMs: 1000,
};
