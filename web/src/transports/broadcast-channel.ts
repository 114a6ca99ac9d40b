/**
 * A transport over `BroadcastChannel`: the tabs, workers and frames of one origin (and, in Node,
 * the threads of one process) hear each other. One channel per content topic, named
 * `<namespace>/<content topic>`.
 * @module
 */
import { TransportError, type ConnectionStatus, type Transport, type TransportListener } from './transport.js';

/** Options of a {@link BroadcastChannelTransport}. */
export interface BroadcastChannelTransportOptions {
  /** Prefix of the channel names, to keep apps of one origin apart (default `sds-wasm`). */
  readonly namespace?: string;
}

/** Frames between the same-origin contexts of a browser; always `Connected` while started. */
export class BroadcastChannelTransport implements Transport {
  readonly #namespace: string;
  readonly #channels = new Map<string, BroadcastChannel>();
  #listener: TransportListener | undefined;

  /** @param options - the channel name prefix */
  constructor(options: BroadcastChannelTransportOptions = {}) {
    this.#namespace = options.namespace ?? 'sds-wasm';
  }

  /** `Connected` while started. */
  get status(): ConnectionStatus {
    return this.#listener === undefined ? 'Disconnected' : 'Connected';
  }

  /** Starts delivering frames of subscribed topics. */
  async start(listener: TransportListener): Promise<void> {
    this.#listener = listener;
    listener.status('Connected');
  }

  /** Opens the topic's channel. */
  async subscribe(contentTopic: string): Promise<void> {
    if (this.#channels.has(contentTopic)) return;
    const channel = new BroadcastChannel(`${this.#namespace}/${contentTopic}`);
    channel.onmessage = (event: MessageEvent<unknown>) => {
      if (event.data instanceof Uint8Array) this.#listener?.frame(contentTopic, event.data);
    };
    this.#channels.set(contentTopic, channel);
  }

  /** Closes the topic's channel. */
  async unsubscribe(contentTopic: string): Promise<void> {
    this.#channels.get(contentTopic)?.close();
    this.#channels.delete(contentTopic);
  }

  /** Posts the frame to the topic's channel (a subscription is not needed to publish). */
  async publish(contentTopic: string, bytes: Uint8Array): Promise<void> {
    if (this.#listener === undefined) throw new TransportError('Disconnected', 'the transport is not started');
    const open = this.#channels.get(contentTopic);
    const channel = open ?? new BroadcastChannel(`${this.#namespace}/${contentTopic}`);
    channel.postMessage(bytes);
    if (open === undefined) channel.close();
  }

  /** Closes every channel. */
  async stop(): Promise<void> {
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
    this.#listener = undefined;
  }
}
