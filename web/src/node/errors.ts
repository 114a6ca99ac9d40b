/**
 * The typed error of the {@link MessagingNode} API.
 * @module
 */

/**
 * What a node refused:
 * - `InvalidArgument`: a bad config, content topic, payload or option;
 * - `PayloadTooLarge`: a payload above the node's `maxMessageSize`;
 * - `UnknownTopic`: a content topic the node is not subscribed to;
 * - `NotStarted`: a call that needs a started node;
 * - `Destroyed`: any call after `destroy`.
 */
export type MessagingErrorKind = 'InvalidArgument' | 'PayloadTooLarge' | 'UnknownTopic' | 'NotStarted' | 'Destroyed';

/**
 * A call the node refused. A refused call changes nothing: no state, no event. Storage and
 * engine failures keep their own types (`PersistencyError`, `SdsError`).
 */
export class MessagingError extends Error {
  /** What was refused. */
  readonly kind: MessagingErrorKind;

  /**
   * @param kind - what was refused
   * @param message - a human-readable description
   */
  constructor(kind: MessagingErrorKind, message: string) {
    super(message);
    this.name = 'MessagingError';
    this.kind = kind;
  }

  /** `MessagingError(<kind>: <message>)`. */
  override toString(): string {
    return `MessagingError(${this.kind}: ${this.message})`;
  }
}
