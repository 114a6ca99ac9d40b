// The persistency core compiled to wasm, run in Node against :memory: and a
// database file on the host file system.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCore, mountHostDir, key, text, decode, ok } from './core.mjs';

const put = (category, k, payload) => ({ op: 'put', category, key: k, payload });

function suite(name, openStore) {
  describe(name, () => {
    let core;
    let store;
    before(async () => {
      core = await loadCore();
      store = openStore(core);
    });
    after(() => store.delete());

    test('round trip a value', () => {
      ok(store.apply([put('c', key('a'), text('hello'))]));
      assert.equal(decode(ok(store.get('c', key('a')))), 'hello');
      assert.equal(ok(store.exists('c', key('a'))), true);
      assert.equal(ok(store.get('c', key('missing'))), null);
    });

    test('empty key and payload are stored, not lost', () => {
      ok(store.apply([put('e', new Uint8Array(), new Uint8Array())]));
      assert.deepEqual(ok(store.get('e', new Uint8Array())), new Uint8Array());
      assert.equal(ok(store.count('e', new Uint8Array(), null)), 1);
    });

    test('a batch with an unknown op is rejected whole; a good batch applies in order', () => {
      const bad = { op: 'nonsense', category: 'b', key: key('x') };
      const result = store.apply([put('b', key('1'), text('x')), bad]);
      assert.equal(result.ok, false);
      assert.equal(result.error.kind, 'InvalidArgument');
      assert.equal(ok(store.count('b', new Uint8Array(), null)), 0);
      ok(store.apply([put('b', key('b', 1n), text('1')), put('b', key('b', 2n), text('2')),
        { op: 'delete', category: 'b', key: key('b', 1n) }]));
      assert.equal(ok(store.count('b', key('b'), core.prefixRangeStop(key('b')))), 1);
    });

    test('scans both ways over half-open and open-ended ranges', () => {
      ok(store.apply([5n, 1n, 4n, 2n, 3n, -7n].map((i) => put('s', key('ch', i), text(`m${i}`)))));
      const ids = (rows) => rows.map((row) => decode(row.payload));
      const stop = core.prefixRangeStop(key('ch'));
      assert.deepEqual(ids(ok(store.scan('s', key('ch'), stop, false, 0))),
        ['m-7', 'm1', 'm2', 'm3', 'm4', 'm5']);
      assert.deepEqual(ids(ok(store.scan('s', key('ch'), stop, true, 2))), ['m5', 'm4']);
      assert.deepEqual(ids(ok(store.scan('s', key('ch', 2n), key('ch', 4n), false, 0))), ['m2', 'm3']);
      assert.deepEqual(ids(ok(store.scan('s', key('ch', 4n), null, false, 0))), ['m4', 'm5']);
      assert.deepEqual(ok(store.scan('s', key('ch', 2n), null, false, 1))[0].key, key('ch', 2n));
    });

    test('deletePrefix removes exactly the prefix', () => {
      ok(store.apply([put('p', key('a', 1n), text('1')), put('p', key('a', 2n), text('2')),
        put('p', key('b'), text('b')), put('p', key('ab'), text('ab'))]));
      ok(store.apply([{ op: 'deletePrefix', category: 'p', key: key('a') }]));
      assert.equal(ok(store.count('p', new Uint8Array(), null)), 2);
      assert.equal(ok(store.deleteOne('p', key('b'))), true);
      assert.equal(ok(store.deleteOne('p', key('b'))), false);
    });
  });
}

suite('wasm persistency on :memory:', (core) => ok(core.SqliteStore.open(':memory:', { journalMode: 'memory' })));

describe('wasm persistency on a host file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-wasm-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  suite('file-backed store', (core) => ok(core.SqliteStore.open(`${mountHostDir(core, dir)}/suite.db`, {})));

  test('reopen keeps data, in a fresh module instance; the file is a normal SQLite file', async () => {
    const first = await loadCore();
    const writer = ok(first.SqliteStore.open(`${mountHostDir(first, dir)}/reopen.db`, {}));
    ok(writer.apply([put('log', key('k', 1n), text('persisted')), put('log', key('k', 2n), text('too'))]));
    writer.delete();

    const second = await loadCore();
    const reader = ok(second.SqliteStore.open(`${mountHostDir(second, dir)}/reopen.db`, {}));
    assert.equal(decode(ok(reader.get('log', key('k', 1n)))), 'persisted');
    assert.equal(ok(reader.count('log', new Uint8Array(), null)), 2);
    reader.delete();
    const header = fs.readFileSync(path.join(dir, 'reopen.db')).subarray(0, 16).toString('latin1');
    assert.equal(header, 'SQLite format 3\0');
  });

  test('a file with another user_version is refused with a Backend error', async () => {
    const core = await loadCore();
    const mount = mountHostDir(core, dir);
    const store = ok(core.SqliteStore.open(`${mount}/version.db`, {}));
    store.delete();
    // Bump the header's user_version (offset 60, big-endian) to 7.
    const file = path.join(dir, 'version.db');
    const bytes = fs.readFileSync(file);
    bytes.writeUInt32BE(7, 60);
    fs.writeFileSync(file, bytes);
    const result = core.SqliteStore.open(`${mount}/version.db`, {});
    assert.equal(result.ok, false);
    assert.equal(result.error.kind, 'Backend');
    assert.match(result.error.message, /incompatible persistency user_version: got 7, expected 1/);
  });
});

test('job ids are validated in wasm too', async () => {
  const core = await loadCore();
  assert.equal(core.validateJobId('chat').ok, true);
  for (const bad of ['', '../x', 'a/b', 'a\\b', '..', 'x'.repeat(129), 'a\nb']) {
    const result = core.validateJobId(bad);
    assert.equal(result.ok, false, bad);
    assert.equal(result.error.kind, 'InvalidArgument');
  }
});
