/**
 * The transport interface of a {@link MessagingNode}: how SDS frames travel between peers.
 * Every transport (in-process, BroadcastChannel, WebSocket relay, or an app's own, such as a
 * js-waku LightPush + Filter node) implements this one small interface.
 * @module
 */

/** The link state of a transport, named as the Logos Delivery `connection_status_change` event names it. */
export type ConnectionStatus = 'Connected' | 'PartiallyConnected' | 'Disconnected';

/** What a transport calls back into; the node passes it to {@link Transport.start}. */
export interface TransportListener {
  /** A frame arrived on a subscribed content topic (never one this transport published itself). */
  frame(contentTopic: string, bytes: Uint8Array): void;
  /** The link state changed. */
  status(status: ConnectionStatus): void;
}

/**
 * An unreliable broadcast medium per content topic. Frames may be lost, duplicated or reordered:
 * the node's reliability layer (SDS) repairs all of that. Implementations:
 * - `start` begins delivering to the listener (reconnecting on its own after a loss, and
 *   reporting each change of {@link Transport.status});
 * - `subscribe` / `unsubscribe` choose the topics whose frames reach `listener.frame`, and
 *   survive reconnects;
 * - `publish` resolves once the frame was handed to the network (a js-waku LightPush: at least
 *   one service node accepted it) and rejects with a {@link TransportError} when it could not be;
 *   a rejected frame is not retried by the transport (the reliability layer resends);
 * - `stop` ends the link; no listener call follows it.
 */
export interface Transport {
  /** The current link state. */
  readonly status: ConnectionStatus;
  /** Starts the link and the delivery of frames to `listener`. */
  start(listener: TransportListener): Promise<void>;
  /** Receives the frames of `contentTopic` from now on. */
  subscribe(contentTopic: string): Promise<void>;
  /** Stops receiving the frames of `contentTopic`. */
  unsubscribe(contentTopic: string): Promise<void>;
  /** Broadcasts `bytes` on `contentTopic`. */
  publish(contentTopic: string, bytes: Uint8Array): Promise<void>;
  /** Ends the link. */
  stop(): Promise<void>;
}

/** Why a {@link Transport.publish} failed: `Disconnected` (no link now) or `Rejected` (the network refused the frame). */
export type TransportErrorKind = 'Disconnected' | 'Rejected';

/** The error a transport rejects a publish with. */
export class TransportError extends Error {
  /** Why the frame was not handed over. */
  readonly kind: TransportErrorKind;

  /**
   * @param kind - why the frame was not handed over
   * @param message - a human-readable description
   */
  constructor(kind: TransportErrorKind, message: string) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
  }
}
