// Opens a job's database in a directory, writes a few chat messages, reads
// one back, scans a channel both ways and prints what it finds.
//   node examples/kv-node/main.mjs <directory>
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { default: createSdsCore } = await import(path.join(repo, 'build/wasm/dist/sds_core.mjs'));

const dir = path.resolve(process.argv[2] ?? './data');
fs.mkdirSync(dir, { recursive: true });

const core = await createSdsCore();
core.FS.mkdir('/data');
core.FS.mount(core.NODEFS, { root: dir }, '/data');

const unwrap = (result) => {
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
};
const utf8 = new TextEncoder();
const text = new TextDecoder();
// Keys use the persistency encoding: a 2-byte big-endian length before each
// string, and int64s as 8 big-endian bytes with the sign bit flipped.
const keyOf = (channel, seq) => {
  const name = utf8.encode(channel);
  const bytes = new Uint8Array(2 + name.length + 8);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, name.length);
  bytes.set(name, 2);
  view.setBigUint64(2 + name.length, BigInt.asUintN(64, BigInt(seq)) ^ (1n << 63n));
  return bytes;
};
const channelPrefix = (channel) => keyOf(channel, 0).subarray(0, 2 + utf8.encode(channel).length);

const jobId = 'demo';
unwrap(core.validateJobId(jobId));
const store = unwrap(core.SqliteStore.open(`/data/${jobId}.db`, { journalMode: 'wal' }));

const before = unwrap(store.count('log', new Uint8Array(), null));
const messages = ['hello', 'how are you?', 'fine, thanks', 'see you'];
unwrap(store.apply(messages.map((body, i) => ({
  op: 'put', category: 'log', key: keyOf('#general', before + i), payload: utf8.encode(body),
}))));

console.log(`job '${jobId}' in ${dir}: ${before} rows before, ${unwrap(store.count('log', new Uint8Array(), null))} now`);
console.log(`get #general/${before}: ${text.decode(unwrap(store.get('log', keyOf('#general', before))))}`);

const prefix = channelPrefix('#general');
const stop = core.prefixRangeStop(prefix);
const latest = unwrap(store.scan('log', prefix, stop, true, 3));
console.log('latest 3, newest first:', latest.map((row) => text.decode(row.payload)));
const all = unwrap(store.scan('log', prefix, stop, false, 0));
console.log(`all ${all.length} in order:`, all.map((row) => text.decode(row.payload)).join(' | '));
store.delete();
console.log('run again with the same directory: the rows are still there.');
