/**
 * A transport through a WebSocket relay (`examples/relay`): the relay forwards each frame to
 * every other client subscribed to its topic. The client reconnects on its own and reports each
 * loss and recovery.
 * @module
 */
import { decodeRelayFrame, encodeRelayFrame, type RelayControl } from './relay-frame.js';
import { TransportError, type ConnectionStatus, type Transport, type TransportListener } from './transport.js';

/** The part of the WebSocket API the transport uses (the DOM's `WebSocket`, or the `ws` package's). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string | Uint8Array): void;
  close(): void;
}

/** A WebSocket constructor (`globalThis.WebSocket`, or `WebSocket` of the `ws` package in Node 20). */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Options of a {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** The relay's URL, `ws://host:port` or `wss://…`. */
  readonly url: string;
  /** The WebSocket implementation (default `globalThis.WebSocket`). */
  readonly WebSocket?: WebSocketConstructor;
  /** First wait before reconnecting, in ms; doubles up to `maxReconnectMs` (default 250). */
  readonly reconnectMs?: number;
  /** Longest wait before reconnecting, in ms (default 4000). */
  readonly maxReconnectMs?: number;
}

const openState = 1;

function frameBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/** A client of the WebSocket relay. */
export class WebSocketTransport implements Transport {
  readonly #url: string;
  readonly #WebSocket: WebSocketConstructor;
  readonly #reconnectMs: number;
  readonly #maxReconnectMs: number;
  readonly #topics = new Set<string>();
  #listener: TransportListener | undefined;
  #socket: WebSocketLike | undefined;
  #status: ConnectionStatus = 'Disconnected';
  #retryMs: number;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** @param options - the relay and the reconnect policy */
  constructor(options: WebSocketTransportOptions) {
    const ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (ctor === undefined) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
    this.#url = options.url;
    this.#WebSocket = ctor;
    this.#reconnectMs = options.reconnectMs ?? 250;
    this.#maxReconnectMs = options.maxReconnectMs ?? 4000;
    this.#retryMs = this.#reconnectMs;
  }

  /** `Connected` while the socket to the relay is open. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Connects (and keeps reconnecting until stopped); resolves at once, the link state follows as events. */
  async start(listener: TransportListener): Promise<void> {
    this.#listener = listener;
    this.#connect();
  }

  /** See {@link Transport.subscribe}; sent again after each reconnect. */
  async subscribe(contentTopic: string): Promise<void> {
    this.#topics.add(contentTopic);
    this.#control({ type: 'subscribe', topic: contentTopic });
  }

  /** See {@link Transport.unsubscribe}. */
  async unsubscribe(contentTopic: string): Promise<void> {
    this.#topics.delete(contentTopic);
    this.#control({ type: 'unsubscribe', topic: contentTopic });
  }

  /** Sends the frame to the relay; `Disconnected` when the socket is not open. */
  async publish(contentTopic: string, bytes: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== openState) {
      throw new TransportError('Disconnected', `not connected to ${this.#url}`);
    }
    socket.send(encodeRelayFrame(contentTopic, bytes));
  }

  /** Closes the socket and stops reconnecting. */
  async stop(): Promise<void> {
    this.#listener = undefined;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close();
    this.#status = 'Disconnected';
  }

  #connect(): void {
    if (this.#listener === undefined) return;
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(this.#url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    socket.onopen = () => {
      this.#retryMs = this.#reconnectMs;
      for (const topic of this.#topics) this.#control({ type: 'subscribe', topic });
      this.#setStatus('Connected');
    };
    socket.onmessage = (event) => {
      const bytes = frameBytes(event.data);
      const frame = bytes === undefined ? undefined : decodeRelayFrame(bytes);
      if (frame !== undefined && this.#topics.has(frame.topic)) this.#listener?.frame(frame.topic, frame.payload);
    };
    // A failed connection also closes; `onclose` handles it (and `ws` throws on an unhandled error).
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#setStatus('Disconnected');
      this.#scheduleReconnect();
    };
  }

  #scheduleReconnect(): void {
    if (this.#listener === undefined) return;
    this.#retryTimer = setTimeout(() => this.#connect(), this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, this.#maxReconnectMs);
  }

  #control(request: RelayControl): void {
    const socket = this.#socket;
    if (socket !== undefined && socket.readyState === openState) socket.send(JSON.stringify(request));
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#listener?.status(status);
  }
}
