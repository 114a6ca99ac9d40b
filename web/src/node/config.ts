/**
 * The configuration of a {@link MessagingNode}: the Logos Delivery keys that apply to it
 * (`localStoragePath`, `contentTopics`, `maxMessageSize`, `channelsOverrides`) plus
 * `participantId`, `dialect` and `transport`.
 * @module
 */
import type { ChannelConfig, Dialect } from '../channel-types.js';
import { maxPayloadBytes } from '../reliable-channel.js';
import type { Transport } from '../transports/transport.js';
import { MessagingError } from './errors.js';

/**
 * Reliable-channel settings. The Logos Delivery `channelsOverrides` keys are accepted and
 * mapped to the engine's: `sdsAcknowledgementTimeoutMs` → `resendIntervalMs`,
 * `sdsMaxRetransmissions` → `maxResendAttempts`, `sdsCausalHistorySize` → `maxCausalHistory`;
 * every engine setting ({@link ChannelConfig}) may be given by its own name too.
 */
export interface ChannelsOverrides extends ChannelConfig {
  /** How long an own message waits for an acknowledgement before it is resent, in ms. */
  readonly sdsAcknowledgementTimeoutMs?: number;
  /** Resends before an own message expires. */
  readonly sdsMaxRetransmissions?: number;
  /** Causal history entries per message. */
  readonly sdsCausalHistorySize?: number;
}

/** What {@link createNode} takes. Unknown keys are refused, as the C library refuses them. */
export interface NodeConfig {
  /** The storage root (a `Persistency` root: an OPFS path, a directory in Node, or `:memory:`). */
  readonly localStoragePath: string;
  /** This node's id in the channels: the sender of its messages. */
  readonly participantId: string;
  /** How frames travel (see {@link Transport}). */
  readonly transport: Transport;
  /** The SDS dialect the node sends in (default `nim`; `spec` talks to `@waku/sds`). */
  readonly dialect?: Dialect;
  /** Content topics subscribed at start, besides those subscribed earlier (persisted). */
  readonly contentTopics?: readonly string[];
  /**
   * Largest payload accepted by `send`, in bytes (default 153600, the C library's 150 KiB; at
   * most 1048576, the SDS engine's limit).
   */
  readonly maxMessageSize?: number;
  /** Reliable-channel settings. */
  readonly channelsOverrides?: ChannelsOverrides;
  /** The job holding the node's state (default `sds`, the C library's `sds.db`). */
  readonly jobId?: string;
  /** How often each channel's periodic work runs, in ms (default 1000). */
  readonly tickIntervalMs?: number;
}

/** A checked {@link NodeConfig} with its defaults filled in. @internal */
export interface ResolvedConfig {
  readonly localStoragePath: string;
  readonly participantId: string;
  readonly transport: Transport;
  readonly dialect: Dialect;
  readonly contentTopics: readonly string[];
  readonly maxMessageSize: number;
  readonly channelConfig: ChannelConfig;
  readonly jobId: string;
  readonly tickIntervalMs: number;
}

const configKeys = new Set<string>([
  'localStoragePath', 'participantId', 'transport', 'dialect', 'contentTopics',
  'maxMessageSize', 'channelsOverrides', 'jobId', 'tickIntervalMs',
]);

const logosChannelKeys: Readonly<Record<string, keyof ChannelConfig>> = {
  sdsAcknowledgementTimeoutMs: 'resendIntervalMs',
  sdsMaxRetransmissions: 'maxResendAttempts',
  sdsCausalHistorySize: 'maxCausalHistory',
};

/** Longest content topic, in UTF-8 bytes. */
export const maxContentTopicBytes = 1024;

function invalid(message: string): MessagingError {
  return new MessagingError('InvalidArgument', message);
}

/** `topic` if it is a usable content topic, else throws `InvalidArgument`. */
export function checkContentTopic(topic: unknown): string {
  if (typeof topic !== 'string' || topic === '') throw invalid('a content topic must be a non-empty string');
  if (new TextEncoder().encode(topic).length > maxContentTopicBytes) throw invalid(`a content topic is at most ${maxContentTopicBytes} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(topic)) throw invalid('a content topic has no control characters');
  return topic;
}

function isTransport(value: unknown): value is Transport {
  if (typeof value !== 'object' || value === null) return false;
  const methods = ['start', 'stop', 'subscribe', 'unsubscribe', 'publish'] as const;
  return methods.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');
}

function positiveInteger(value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) <= 0) throw invalid(`${name} must be a positive integer`);
  if ((value as number) > max) throw invalid(`${name} must be at most ${max}`);
  return value as number;
}

function channelConfig(overrides: unknown): ChannelConfig {
  if (overrides === undefined) return {};
  if (typeof overrides !== 'object' || overrides === null) throw invalid('channelsOverrides must be an object');
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) config[logosChannelKeys[key] ?? key] = value;
  // The node logs an own message under its id before the channel commits it.
  if (config['contentAddressedIds'] === true) throw invalid('contentAddressedIds is not supported by the node (it chooses message ids itself)');
  return config as ChannelConfig;
}

/** Checks a {@link NodeConfig} (case-sensitive keys; unknown keys refused) and fills in defaults. @internal */
export function resolveConfig(config: unknown): ResolvedConfig {
  if (typeof config !== 'object' || config === null) throw invalid('the config must be an object');
  const unknown = Object.keys(config).filter((key) => !configKeys.has(key));
  if (unknown.length > 0) throw invalid(`unknown config keys: ${unknown.join(', ')}`);
  const given = config as NodeConfig;
  if (typeof given.localStoragePath !== 'string' || given.localStoragePath === '') throw invalid('localStoragePath must be a non-empty string');
  if (typeof given.participantId !== 'string' || given.participantId === '') throw invalid('participantId must be a non-empty string');
  if (!isTransport(given.transport)) throw invalid('transport must implement start, stop, subscribe, unsubscribe and publish');
  if (given.dialect !== undefined && given.dialect !== 'nim' && given.dialect !== 'spec') throw invalid('dialect must be nim or spec');
  if (given.contentTopics !== undefined && !Array.isArray(given.contentTopics)) throw invalid('contentTopics must be an array');
  if (given.jobId !== undefined && typeof given.jobId !== 'string') throw invalid('jobId must be a string');
  return {
    localStoragePath: given.localStoragePath,
    participantId: given.participantId,
    transport: given.transport,
    dialect: given.dialect ?? 'nim',
    contentTopics: (given.contentTopics ?? []).map(checkContentTopic),
    maxMessageSize: positiveInteger(given.maxMessageSize, 'maxMessageSize', 150 * 1024, maxPayloadBytes),
    channelConfig: channelConfig(given.channelsOverrides),
    jobId: given.jobId ?? 'sds',
    tickIntervalMs: positiveInteger(given.tickIntervalMs, 'tickIntervalMs', 1000),
  };
}
