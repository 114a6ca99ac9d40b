/**
 * The wire format between a {@link WebSocketTransport} and the relay (`examples/relay`):
 * - text messages are control requests, JSON `{"type":"subscribe"|"unsubscribe","topic":…}`;
 * - binary messages are frames: the content topic's UTF-8 length as a 2-byte big-endian
 *   number, the topic, then the payload. The relay forwards a frame unchanged to every other
 *   client subscribed to its topic.
 * @module
 */

/** A control request of a client. */
export interface RelayControl {
  /** Start or stop receiving the frames of `topic`. */
  readonly type: 'subscribe' | 'unsubscribe';
  /** The content topic. */
  readonly topic: string;
}

/** Longest content topic a frame carries, in UTF-8 bytes. */
export const maxRelayTopicBytes = 0xffff;

/** A frame: topic and payload in one binary message. */
export function encodeRelayFrame(topic: string, payload: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(topic);
  if (name.length > maxRelayTopicBytes) throw new RangeError(`a content topic is at most ${maxRelayTopicBytes} bytes`);
  const frame = new Uint8Array(2 + name.length + payload.length);
  frame[0] = name.length >>> 8;
  frame[1] = name.length & 0xff;
  frame.set(name, 2);
  frame.set(payload, 2 + name.length);
  return frame;
}

/** The topic and payload of a frame, or `undefined` when the bytes are not one. */
export function decodeRelayFrame(frame: Uint8Array): { topic: string; payload: Uint8Array } | undefined {
  if (frame.length < 2) return undefined;
  const length = ((frame[0] ?? 0) << 8) | (frame[1] ?? 0);
  if (frame.length < 2 + length) return undefined;
  try {
    const topic = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(2, 2 + length));
    return { topic, payload: frame.subarray(2 + length) };
  } catch {
    return undefined;
  }
}

/** A control request parsed from a text message, or `undefined` when it is not one. */
export function parseRelayControl(text: string): RelayControl | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { type, topic } = value as { type?: unknown; topic?: unknown };
    if ((type !== 'subscribe' && type !== 'unsubscribe') || typeof topic !== 'string') return undefined;
    return { type, topic };
  } catch {
    return undefined;
  }
}
