/**
 * The events of a {@link MessagingNode}, named and shaped as the Logos Delivery C library's
 * (`eventType` names, `requestId`, `messageHash`, `connectionStatus`), with the reliable
 * channel's extras (sender, Lamport time, the missing-message reports).
 * @module
 */
import type { ConnectionStatus } from '../transports/transport.js';

/** Why a message failed: its resends ran out, the transport refused it, or received bytes were not a message. */
export type MessageErrorReason = 'expired' | 'transport' | 'badInput';

/** The fields of each node event, by event type. */
export interface NodeEventDetails {
  /** A message of a subscribed topic, delivered in causal order, once. */
  message_received: {
    readonly contentTopic: string;
    /** The message id (the C library's `messageHash`). */
    readonly messageHash: string;
    readonly senderId: string;
    readonly lamport: number;
    readonly payload: Uint8Array;
    /** The message had been reported missing (`message_missing`) and was repaired. */
    readonly repaired: boolean;
    /** An ephemeral message: outside causal order (`lamport` 0), not kept in the history. */
    readonly ephemeral: boolean;
  };
  /** An own message was handed to the transport (the first time); the only outcome of an ephemeral one. */
  message_propagated: { readonly requestId: string; readonly messageHash: string; readonly contentTopic: string };
  /** An own message was acknowledged by a peer (in its causal history, or enough bloom hits). */
  message_sent: { readonly requestId: string; readonly messageHash: string; readonly contentTopic: string };
  /**
   * An own message failed (`expired`: final; `transport`: a hand-over failed, the reliability
   * layer resends it), or received bytes were not a message (`badInput`, `requestId` empty).
   */
  message_error: {
    readonly requestId: string;
    readonly messageHash: string;
    readonly contentTopic: string;
    readonly reason: MessageErrorReason;
    readonly error: string;
  };
  /** Messages a received one depends on have not arrived (`lost`: they will not; the waiting message was dropped). */
  message_missing: { readonly contentTopic: string; readonly messageHashes: readonly string[]; readonly lost: boolean };
  /** The transport's link state changed. */
  connection_status_change: { readonly connectionStatus: ConnectionStatus };
}

/** The type of a node event. */
export type NodeEventType = keyof NodeEventDetails;

/** A node event; its fields are in `detail` (and `eventType` is its type, as in the C library's JSON). */
export class NodeEvent<K extends NodeEventType = NodeEventType> extends Event {
  /** The event type. */
  declare readonly type: K;
  /** What happened. */
  readonly detail: NodeEventDetails[K];

  /**
   * @param type - the event type
   * @param detail - the event's fields
   */
  constructor(type: K, detail: NodeEventDetails[K]) {
    super(type);
    this.detail = detail;
  }

  /** The event type, under the C library's field name. */
  get eventType(): K {
    return this.type;
  }
}

/** The events a {@link MessagingNode} dispatches. */
export type NodeEventMap = { readonly [K in NodeEventType]: NodeEvent<K> };
