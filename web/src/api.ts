/**
 * The public API, shared by the browser and Node entries (which differ only in the platform
 * they install).
 * @module
 */
export {
  PersistencyError,
  PersistencyErrorEvent,
  persistencyErrorKinds,
  SdsError,
  sdsErrorKinds,
  type PersistencyErrorKind,
  type PersistencyErrorOptions,
  type SdsErrorKind,
} from './errors.js';
export * as keys from './keys.js';
export type { KeyPart, KeyRange } from './keys.js';
export { Job, type AnyListener, type BatchOp, type JobEventMap, type ListenerOptions, type ScanOptions, type ScanRange } from './job.js';
export { Persistency, type OpenJobOptions, type PersistencyOptions } from './persistency.js';
export { maxJobIdLength } from './job-id.js';
export type { JournalMode, KvRow, StoreSettings } from './store-types.js';
export type { HostFile } from './host-file.js';
export {
  ChannelErrorEvent,
  ChannelEvent,
  maxPayloadBytes,
  maxWireMessageBytes,
  ReliableChannel,
  type ChannelOptions,
  type CloseChannelOptions,
  type LogOptions,
  type ReliableChannelEventMap,
  type SendOptions,
} from './reliable-channel.js';
export type {
  ChannelConfig,
  ChannelEventDetails,
  ChannelEventType,
  Dialect,
  HistoryEntry,
  LoggedDelivery,
  ReceiveResult,
  SentMessage,
} from './channel-types.js';
export { createNode, MessagingNode, type NodeState, type SendRequest } from './node/messaging-node.js';
export { MessagingError, type MessagingErrorKind } from './node/errors.js';
export { NodeEvent, type MessageErrorReason, type NodeEventDetails, type NodeEventMap, type NodeEventType } from './node/events.js';
export { maxContentTopicBytes, type ChannelsOverrides, type NodeConfig } from './node/config.js';
export type { LoggedMessage, MessageStatus } from './node/message-log.js';
export { TransportError, type ConnectionStatus, type Transport, type TransportErrorKind, type TransportListener } from './transports/transport.js';
export { ImpairedTransport, seededRandom, type Impairment, type ImpairmentStats } from './transports/impairment.js';
export { InProcessNetwork, InProcessTransport, type InProcessLink } from './transports/in-process.js';
export { BroadcastChannelTransport, type BroadcastChannelTransportOptions } from './transports/broadcast-channel.js';
export { WebSocketTransport, type WebSocketConstructor, type WebSocketLike, type WebSocketTransportOptions } from './transports/websocket.js';
export { decodeRelayFrame, encodeRelayFrame, maxRelayTopicBytes, parseRelayControl, type RelayControl } from './transports/relay-frame.js';
