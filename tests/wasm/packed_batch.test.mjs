// store.applyPacked: ops packed by the web API's packBatch (build/web/packed-batch.js), applied
// by the wasm store as one transaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCore, key, text, decode, ok } from './core.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { packBatch } = await import(path.join(repo, 'build/web/packed-batch.js'));

let store;
before(async () => {
  const core = await loadCore();
  store = ok(core.SqliteStore.open(':memory:', {}));
});
after(() => store.delete());

const all = (category) => ok(store.scan(category, new Uint8Array(), null, false, 0)).map((row) => decode(row.key));

test('put, delete and deletePrefix apply in order, with non-ASCII categories', () => {
  ok(store.applyPacked(packBatch([
    { op: 'put', category: 'kätegorie', key: text('a1'), payload: text('one') },
    { op: 'put', category: 'kätegorie', key: text('a2'), payload: text('two') },
    { op: 'put', category: 'kätegorie', key: text('b1'), payload: new Uint8Array() },
    { op: 'delete', category: 'kätegorie', key: text('a1') },
  ])));
  assert.deepEqual(all('kätegorie'), ['a2', 'b1']);
  assert.deepEqual(ok(store.get('kätegorie', text('b1'))), new Uint8Array());
  ok(store.applyPacked(packBatch([{ op: 'deletePrefix', category: 'kätegorie', key: text('a') }])));
  assert.deepEqual(all('kätegorie'), ['b1']);
});

test('an empty packed batch applies nothing and succeeds', () => {
  ok(store.applyPacked(new Uint8Array()));
});

test('malformed bytes fail with InvalidArgument and apply none of the batch', () => {
  const packed = packBatch([
    { op: 'put', category: 'm', key: key('x'), payload: text('kept?') },
    { op: 'put', category: 'm', key: key('y'), payload: text('cut') },
  ]);
  const truncated = store.applyPacked(packed.subarray(0, packed.length - 1));
  assert.equal(truncated.ok, false);
  assert.equal(truncated.error.kind, 'InvalidArgument');
  const badOp = packed.slice();
  badOp[0] = 9;
  const unknown = store.applyPacked(badOp);
  assert.equal(unknown.ok, false);
  assert.equal(unknown.error.kind, 'InvalidArgument');
  assert.equal(ok(store.count('m', new Uint8Array(), null)), 0);
});
