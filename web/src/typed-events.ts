/**
 * An `EventTarget` whose listener methods know the event type of each event name.
 * @module
 */

/** A listener for any event (the DOM's `EventListenerOrEventListenerObject`). */
export type AnyListener = ((event: Event) => void) | { handleEvent(event: Event): void };

/** Options of `addEventListener` (the DOM's `AddEventListenerOptions`). */
export interface ListenerOptions {
  /** Listen in the capture phase (no difference for these targets, which have no tree). */
  readonly capture?: boolean;
  /** Remove the listener after its first call. */
  readonly once?: boolean;
  /** The listener will not call `preventDefault`. */
  readonly passive?: boolean;
  /** Removes the listener when aborted. */
  readonly signal?: AbortSignal;
}

/** A listener for events of type `E` dispatched by a target of type `T`. */
export type TypedListener<T, E extends Event> = ((this: T, event: E) => void) | { handleEvent(event: E): void };

/**
 * An `EventTarget` that types `addEventListener`/`removeEventListener` by `EventMap` (event
 * name to event type); names outside the map take any listener.
 */
export class TypedEventTarget<EventMap extends { [K in keyof EventMap]: Event }> extends EventTarget {
  /** Adds a listener for one of the events in `EventMap`. */
  override addEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: TypedListener<this, EventMap[K]> | null,
    options?: boolean | ListenerOptions,
  ): void;
  /** Adds a listener for any event. */
  override addEventListener(type: string, listener: AnyListener | null, options?: boolean | ListenerOptions): void;
  override addEventListener(type: string, listener: AnyListener | null, options?: boolean | ListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  /** Removes a listener added with `addEventListener`. */
  override removeEventListener<K extends keyof EventMap & string>(
    type: K,
    listener: TypedListener<this, EventMap[K]> | null,
    options?: boolean | ListenerOptions,
  ): void;
  /** Removes a listener. */
  override removeEventListener(type: string, listener: AnyListener | null, options?: boolean | ListenerOptions): void;
  override removeEventListener(type: string, listener: AnyListener | null, options?: boolean | ListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }
}
