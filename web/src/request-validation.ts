/**
 * The job worker's first line of defence: every message it receives is checked against the
 * request shapes of protocol.ts before the job server sees it. A message that does not fit (a
 * bug or a hostile sender on the page side) is answered with a typed `InvalidArgument` error
 * and goes no further, so it can neither stop the worker (a `TypeError` thrown while queueing
 * it would end the worker's message loop) nor reach the wasm module with values embind would
 * convert silently (a string for bytes, `NaN` for a count). The worker keeps serving.
 *
 * Only shapes and types are checked here; values (job ids, ranges, channel settings, packed
 * write bytes) are checked by the code that uses them, which already answers with typed errors.
 * @module
 */
import { channelConfigFieldTypes } from './channel-config-checks.js';
import { PersistencyError } from './errors.js';
import { errorToWire, type JobRequest, type JobRequestBody, type JobResponse } from './protocol.js';
import { journalModes, type StoreSettings } from './store-types.js';

/** Where a refused message's error goes: the worker's channel to the page. */
export interface RefusalSink {
  /** Sends a message to the page. */
  post(message: JobResponse, transfer: ArrayBuffer[]): void;
}

// Tells whether one field's value has the type its request declares.
type FieldCheck = (value: unknown) => boolean;

// embind passes counts and limits as 32-bit unsigned integers in wasm.
const maxUint32 = 0xffff_ffff;
// setInterval treats longer delays as 1 ms.
const maxTimerDelayMs = 0x7fff_ffff;

const isString: FieldCheck = (value) => typeof value === 'string';
const isBoolean: FieldCheck = (value) => typeof value === 'boolean';
const isBytes: FieldCheck = (value) => value instanceof Uint8Array;
const isCount: FieldCheck = (value) => Number.isSafeInteger(value) && (value as number) >= 0;
const isLimit: FieldCheck = (value) => isCount(value) && (value as number) <= maxUint32;
const isTime: FieldCheck = (value) => value === null || Number.isSafeInteger(value);
const isStop: FieldCheck = (value) => value === null || isBytes(value);
const isTimerDelay: FieldCheck = (value) => isCount(value) && (value as number) <= maxTimerDelayMs;
const optional = (check: FieldCheck): FieldCheck => (value) => value === undefined || check(value);
const arrayOf = (check: FieldCheck): FieldCheck => (value) => Array.isArray(value) && value.every(check);

// Structured cloning turns the page's object literals into plain objects; anything else
// (arrays, typed arrays, maps, dates) is not a request or a settings object.
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

// An object with only the listed fields, each optional. Unknown fields are refused: the worker
// spreads store settings over its own defaults, which must stay out of the page's reach.
const isRecordOf = (fields: Readonly<Record<string, FieldCheck>>): FieldCheck => (value) =>
  isPlainObject(value) &&
  Object.entries(value).every(([name, field]) => Object.hasOwn(fields, name) && optional(fields[name] ?? (() => false))(field));

const storeSettingsFields: { readonly [K in keyof Required<StoreSettings>]: FieldCheck } = {
  journalMode: (value) => (journalModes as readonly unknown[]).includes(value),
  synchronousFull: isBoolean,
  pageSize: isCount,
  cacheSizeKib: isCount,
};

// Types are checked here, ranges by the engine (it answers with a typed SdsError). On the wire
// the config also carries the channel's dialect.
const channelConfigFields: Readonly<Record<string, FieldCheck>> = {
  ...Object.fromEntries(Object.entries(channelConfigFieldTypes).map(([name, type]) => [name, type.accepts])),
  dialect: isString,
};

const isWasmModule: FieldCheck = (value) => value === undefined || value instanceof WebAssembly.Module;

// Packed writes: batch `i` is `packed[ends[i-1], ends[i])` with `opCounts[i]` ops, so the ends
// rise to the packed length. The bytes themselves are checked by the C++ decoder.
const isPackedWrites: FieldCheck = (value) => {
  if (!isPlainObject(value)) return false;
  const { packed, ends, opCounts } = value;
  if (!isBytes(packed) || !arrayOf(isCount)(ends) || !arrayOf(isCount)(opCounts)) return false;
  const batchEnds = ends as number[];
  return (
    batchEnds.length === (opCounts as number[]).length &&
    batchEnds.every((end, i) => end >= (batchEnds[i - 1] ?? 0)) &&
    (batchEnds[batchEnds.length - 1] ?? 0) === (packed as Uint8Array).length
  );
};

// The request body of type T (the union member whose `type` includes T).
type RequestOf<T extends JobRequest['type']> = JobRequestBody extends infer R
  ? R extends { readonly type: infer U }
    ? T extends U
      ? R
      : never
    : never
  : never;

// One check per field of each request type (besides `type`), exactly the fields protocol.ts
// declares: a change of the protocol does not compile until it is described here.
type RequestChecks = {
  readonly [T in JobRequest['type']]: { readonly [K in Exclude<keyof RequestOf<T>, 'type'>]-?: FieldCheck };
};

const keyRequest = { id: isCount, category: isString, key: isBytes };
const requestFields: RequestChecks = {
  open: { id: isCount, root: isString, jobId: isString, store: isRecordOf(storeSettingsFields), wasm: isWasmModule },
  write: { writes: isPackedWrites },
  get: keyRequest,
  exists: keyRequest,
  deleteAcked: keyRequest,
  scan: { id: isCount, category: isString, start: isBytes, stop: isStop, reverse: isBoolean, limit: isLimit },
  count: { id: isCount, category: isString, start: isBytes, stop: isStop },
  integrityCheck: { id: isCount },
  flush: { id: isCount },
  close: { id: isCount },
  channelOpen: {
    id: isCount,
    channelId: isString,
    participantId: isString,
    config: isRecordOf(channelConfigFields),
    tickIntervalMs: isTimerDelay,
  },
  channelSend: { id: isCount, channelId: isString, payload: isBytes, messageId: isString, ephemeral: isBoolean, now: isTime },
  channelReceive: { id: isCount, channelId: isString, bytes: isBytes, now: isTime },
  channelMarkDelivered: { id: isCount, channelId: isString, messageIds: arrayOf(isString), now: isTime },
  channelTick: { id: isCount, channelId: isString, now: isTime },
  channelClose: { id: isCount, channelId: isString, remove: isBoolean },
  channelLog: { id: isCount, channelId: isString, after: isCount, limit: isLimit },
  channelPending: { id: isCount, channelId: isString },
};

function isRequestType(type: unknown): type is JobRequest['type'] {
  return typeof type === 'string' && Object.hasOwn(requestFields, type);
}

// What is wrong with `message`, or undefined when it is a well-formed request.
function problemWith(message: unknown): string | undefined {
  if (!isPlainObject(message)) return 'a request must be an object';
  const type = message['type'];
  if (!isRequestType(type)) return `unknown request type ${JSON.stringify(String(type)).slice(0, 60)}`;
  const checks: Readonly<Record<string, FieldCheck>> = requestFields[type];
  for (const [name, check] of Object.entries(checks)) {
    if (!check(message[name])) return `${type} request: bad or missing field '${name}'`;
  }
  // Any request may carry the writes issued just before it.
  if (type !== 'write' && !optional(isPackedWrites)(message['writes'])) return `${type} request: bad field 'writes'`;
  return undefined;
}

// The refusal: a reply when the message has an id the page waits on, otherwise a failed
// fire-and-forget message (a write, or something that names no request), as the page reports
// a write that failed in the worker.
function refusal(message: unknown, problem: string): JobResponse {
  const error = errorToWire(new PersistencyError('InvalidArgument', `malformed request to the job worker: ${problem}`));
  const fields = isPlainObject(message) ? message : {};
  const id = fields['id'];
  if (fields['type'] !== 'write' && isCount(id)) return { type: 'reply', id: id as number, ok: false, error };
  const writes = fields['writes'];
  const opCounts = isPlainObject(writes) ? writes['opCounts'] : undefined;
  const ops = arrayOf(isCount)(opCounts) ? (opCounts as number[]).reduce((sum, n) => sum + n, 0) : 0;
  return { type: 'writeFailed', error, ops };
}

/**
 * Wraps a job server's `receive`: well-formed requests pass through unchanged and in order;
 * any other message is answered on `sink` with an `InvalidArgument` error (a `reply` to its id
 * when it has one, else `writeFailed`) and dropped.
 * @param receive - the job server's entry point
 * @param sink - the channel to the page
 * @returns the function to call with every message the worker receives
 */
export function guardRequests(receive: (request: JobRequest) => void, sink: RefusalSink): (message: unknown) => void {
  return (message) => {
    const problem = problemWith(message);
    if (problem === undefined) receive(message as JobRequest);
    else sink.post(refusal(message, problem), []);
  };
}
