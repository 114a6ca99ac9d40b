/**
 * An in-process network for tests and single-page apps: every transport connected to one
 * {@link InProcessNetwork} hears the others' frames. Links can be taken down and brought back,
 * and incoming frames can be impaired (see {@link Impairment}).
 * @module
 */
import { ImpairedTransport, type Impairment } from './impairment.js';
import { TransportError, type ConnectionStatus, type Transport, type TransportListener } from './transport.js';

/** One member of an {@link InProcessNetwork}. */
export class InProcessTransport implements Transport {
  readonly #network: InProcessNetwork;
  readonly #topics = new Set<string>();
  #listener: TransportListener | undefined;
  #online = true;

  /** @internal */
  constructor(network: InProcessNetwork) {
    this.#network = network;
  }

  /** `Connected` while started and online, else `Disconnected`. */
  get status(): ConnectionStatus {
    return this.#listener !== undefined && this.#online ? 'Connected' : 'Disconnected';
  }

  /** Joins the network. */
  async start(listener: TransportListener): Promise<void> {
    this.#listener = listener;
    this.#network.join(this);
    listener.status(this.status);
  }

  /** See {@link Transport.subscribe}. */
  async subscribe(contentTopic: string): Promise<void> {
    this.#topics.add(contentTopic);
  }

  /** See {@link Transport.unsubscribe}. */
  async unsubscribe(contentTopic: string): Promise<void> {
    this.#topics.delete(contentTopic);
  }

  /** Hands a copy of the frame to every other online member subscribed to the topic, after the current task. */
  async publish(contentTopic: string, bytes: Uint8Array): Promise<void> {
    if (this.status !== 'Connected') throw new TransportError('Disconnected', 'the in-process link is down');
    this.#network.broadcast(this, contentTopic, bytes.slice());
  }

  /** Leaves the network. */
  async stop(): Promise<void> {
    this.#network.leave(this);
    this.#listener = undefined;
  }

  /**
   * Takes the link down (`false`) or brings it back (`true`), as a lost and regained connection:
   * while down, publishing fails and nothing is received.
   */
  setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    this.#listener?.status(this.status);
  }

  /** @internal */
  deliver(contentTopic: string, bytes: Uint8Array): void {
    if (this.status === 'Connected' && this.#topics.has(contentTopic)) this.#listener?.frame(contentTopic, bytes);
  }
}

/** The transports returned by {@link InProcessNetwork.connect}: the member, and the transport to give the node. */
export interface InProcessLink {
  /** The network member (take it offline with `setOnline`). */
  readonly member: InProcessTransport;
  /** The transport for the node: the member itself, or the member behind its impairment. */
  readonly transport: Transport;
}

/** A broadcast medium inside one JavaScript realm. */
export class InProcessNetwork {
  readonly #members = new Set<InProcessTransport>();

  /** A new member; with `impairment`, its incoming frames are impaired. */
  connect(impairment?: Impairment): InProcessLink {
    const member = new InProcessTransport(this);
    return { member, transport: impairment === undefined ? member : new ImpairedTransport(member, impairment) };
  }

  /** @internal */
  join(member: InProcessTransport): void {
    this.#members.add(member);
  }

  /** @internal */
  leave(member: InProcessTransport): void {
    this.#members.delete(member);
  }

  /** @internal */
  broadcast(from: InProcessTransport, contentTopic: string, bytes: Uint8Array): void {
    const targets = [...this.#members].filter((member) => member !== from);
    queueMicrotask(() => {
      for (const member of targets) member.deliver(contentTopic, bytes);
    });
  }
}
