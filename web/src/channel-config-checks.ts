/**
 * The fields of a {@link ChannelConfig} and the type each must have: the one list that both
 * `ReliableChannel` (checking a caller's options) and the job worker (checking the page's
 * requests) read. Only types are checked; the engine checks the ranges and answers with a typed
 * `SdsError`.
 * @module
 */
import type { ChannelConfig } from './channel-types.js';

/** The type a config field's value must have. */
export interface ConfigFieldType {
  /** Tells whether `value` has this type. */
  readonly accepts: (value: unknown) => boolean;
  /** The type as error messages name it, e.g. `a finite number`. */
  readonly description: string;
}

const finiteNumber: ConfigFieldType = {
  accepts: (value) => typeof value === 'number' && Number.isFinite(value),
  description: 'a finite number',
};
const boolean: ConfigFieldType = { accepts: (value) => typeof value === 'boolean', description: 'a boolean' };

/**
 * Every field of {@link ChannelConfig} with its type; a field added to `ChannelConfig` does not
 * compile until it is listed here.
 */
export const channelConfigFieldTypes: { readonly [K in keyof Required<ChannelConfig>]: ConfigFieldType } = {
  bloomFilterCapacity: finiteNumber,
  bloomFilterErrorRate: finiteNumber,
  maxMessageHistory: finiteNumber,
  maxCausalHistory: finiteNumber,
  resendIntervalMs: finiteNumber,
  maxResendAttempts: finiteNumber,
  syncMessageIntervalMs: finiteNumber,
  bufferSweepIntervalMs: finiteNumber,
  repairTMinMs: finiteNumber,
  repairTMaxMs: finiteNumber,
  numResponseGroups: finiteNumber,
  maxRepairRequests: finiteNumber,
  repairSweepIntervalMs: finiteNumber,
  contentAddressedIds: boolean,
  possibleAcksThreshold: finiteNumber,
  incomingBufferTimeoutMs: finiteNumber,
  maxIncomingBuffer: finiteNumber,
  maxOutgoingBuffer: finiteNumber,
  maxRepairBuffer: finiteNumber,
};

/**
 * The type of config field `name`.
 * @param name - a field name, possibly not one of {@link ChannelConfig}'s
 * @returns its type, or undefined when `ChannelConfig` has no such field
 */
export function channelConfigFieldType(name: string): ConfigFieldType | undefined {
  return Object.hasOwn(channelConfigFieldTypes, name) ? channelConfigFieldTypes[name as keyof ChannelConfig] : undefined;
}
