/**
 * The data types of a {@link ReliableChannel}: its options, what its calls return and what its
 * events carry. They cross the worker boundary unchanged.
 * @module
 */

/** The SDS wire dialects: `nim` (nim-sds) and `spec` (the SDS specification, `@waku/sds`). */
export type Dialect = 'nim' | 'spec';

/**
 * Settings of the SDS engine for one channel; every field is optional and defaults to the
 * engine's (nim-sds's `ReliabilityConfig`, see `docs/sds.md`). Times are milliseconds.
 */
export interface ChannelConfig {
  /** Bloom filter capacity (default 10000; the `spec` dialect requires 10000). */
  readonly bloomFilterCapacity?: number;
  /** Bloom filter error rate (default 0.001; the `spec` dialect requires 0.001). */
  readonly bloomFilterErrorRate?: number;
  /** Messages kept in the log (default 1000). */
  readonly maxMessageHistory?: number;
  /** Causal history entries per message (default 10). */
  readonly maxCausalHistory?: number;
  /** How long an own message waits for an acknowledgement before a `resend` (default 60000). */
  readonly resendIntervalMs?: number;
  /** Resends before an own message is `expired` (default 5). */
  readonly maxResendAttempts?: number;
  /** Interval of `syncReady` messages (default 30000). */
  readonly syncMessageIntervalMs?: number;
  /** Interval of the buffer sweep: resends, expiry, incoming timeouts (default 60000). */
  readonly bufferSweepIntervalMs?: number;
  /** SDS-R: shortest wait before requesting a repair (default 30000). */
  readonly repairTMinMs?: number;
  /** SDS-R: longest wait before requesting a repair (default 300000). */
  readonly repairTMaxMs?: number;
  /** SDS-R: number of response groups (default 1). */
  readonly numResponseGroups?: number;
  /** SDS-R: repair requests per message (default 3). */
  readonly maxRepairRequests?: number;
  /** SDS-R: interval of the repair sweep (default 5000). */
  readonly repairSweepIntervalMs?: number;
  /** Message ids are the hex SHA-256 of the payload (`@waku/sds`'s rule; default false). */
  readonly contentAddressedIds?: boolean;
  /** Bloom hits before an own message counts as acknowledged (default 2). */
  readonly possibleAcksThreshold?: number;
  /** A waiting message is `irretrievablyLost` after this long; 0 never (default 0). */
  readonly incomingBufferTimeoutMs?: number;
  /** Cap of the incoming buffer (default 10000). */
  readonly maxIncomingBuffer?: number;
  /** Cap of unacknowledged own messages (default 10000). */
  readonly maxOutgoingBuffer?: number;
  /** Cap of each SDS-R buffer (default 1000). */
  readonly maxRepairBuffer?: number;
}

/** An entry of a message's causal history. */
export interface HistoryEntry {
  /** The id of the message depended on. */
  readonly messageId: string;
  /** Where to fetch it (empty when unknown). */
  readonly retrievalHint: Uint8Array;
  /** Its sender (empty when unknown). */
  readonly senderId: string;
}

/** What {@link ReliableChannel.send} resolves to. */
export interface SentMessage {
  /** The id the message was sent with. */
  readonly messageId: string;
  /** The bytes to broadcast. */
  readonly bytes: Uint8Array;
}

/** What {@link ReliableChannel.receive} resolves to. Content arrives with the `delivered` event. */
export interface ReceiveResult {
  /** The message's id. */
  readonly messageId: string;
  /** A content message, a sync message (no content) or an ephemeral message. */
  readonly kind: 'content' | 'sync' | 'ephemeral';
  /** The dialect the message was written in. */
  readonly dialect: Dialect;
  /** The message was received before (and is not delivered again). */
  readonly duplicate: boolean;
  /** Dependencies not yet delivered; empty when the message was delivered (or is a duplicate). */
  readonly missing: readonly HistoryEntry[];
}

/**
 * A message of a channel's log, as {@link ReliableChannel.log} lists it: a delivered message or
 * one of the participant's own (`own`), each committed before it was listed.
 */
export interface LoggedDelivery {
  /** The message's id. */
  readonly messageId: string;
  /** Its sender. */
  readonly senderId: string;
  /** Whether this participant sent it (own messages are logged when sent, not delivered). */
  readonly own: boolean;
  /** Its lamport timestamp. */
  readonly lamport: number;
  /** Its content. */
  readonly content: Uint8Array;
  /**
   * Its place in the log: larger for every later entry, also across restarts; a `delivered`
   * event carries the same number.
   */
  readonly seq: number;
}

/** The fields of each channel event, by event type. */
export interface ChannelEventDetails {
  /**
   * A received message is ready: its dependencies were delivered first. `seq` is its place in
   * the channel's log: remember the last one processed to catch up with
   * {@link ReliableChannel.log} after a crash. An ephemeral message has `seq` 0 and `lamport` 0:
   * it is in no log and in no causal order.
   */
  delivered: {
    readonly messageId: string;
    readonly senderId: string;
    readonly lamport: number;
    readonly content: Uint8Array;
    readonly seq: number;
  };
  /** An own message was cited in a peer's causal history (or hit `possibleAcksThreshold` bloom hits). */
  acknowledged: { readonly messageId: string };
  /** An own message was found in a peer's bloom filter; `count` is the hits so far. */
  possiblyAcknowledged: { readonly messageId: string; readonly count: number };
  /** An own message is still unacknowledged: broadcast `bytes` again; `count` is the attempt. */
  resend: { readonly messageId: string; readonly bytes: Uint8Array; readonly count: number };
  /** An own message ran out of resend attempts. */
  expired: { readonly messageId: string };
  /** A received message waits for `entries`. */
  missing: { readonly messageId: string; readonly entries: readonly HistoryEntry[] };
  /** `entries` did not arrive in time; the waiting message was dropped. */
  irretrievablyLost: { readonly messageId: string; readonly entries: readonly HistoryEntry[] };
  /** Broadcast `bytes`: an SDS-R repair response for a peer. */
  repairReady: { readonly messageId: string; readonly bytes: Uint8Array };
  /** Broadcast `bytes`: a periodic sync message. */
  syncReady: { readonly bytes: Uint8Array };
  /** A per-channel buffer hit its cap; `messageId` was not kept. */
  bufferFull: { readonly messageId: string };
}

/** The type of an SDS event of a channel. */
export type ChannelEventType = keyof ChannelEventDetails;

/** An SDS event as the worker sends it: its type and its fields. */
export type WireChannelEvent = {
  [K in ChannelEventType]: { readonly type: K; readonly channelId: string } & ChannelEventDetails[K];
}[ChannelEventType];
