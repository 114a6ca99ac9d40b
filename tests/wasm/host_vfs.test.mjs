// The "sds-host" SQLite VFS in the wasm module, driven from Node: every file
// SQLite touches is a HostFile registered in Module.hostFiles, here a small
// class over node:fs with the FileSystemSyncAccessHandle interface.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCore, mountHostDir, key, text, decode, ok } from './core.mjs';

const put = (category, k, payload) => ({ op: 'put', category, key: k, payload });
const all = [new Uint8Array(), null];
const SUFFIXES = ['', '-journal', '-wal'];

// A HostFile over a file descriptor: the shape of FileSystemSyncAccessHandle.
class FsHostFile {
  constructor(file) {
    this.fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT);
  }
  read(buffer, { at }) { return fs.readSync(this.fd, buffer, 0, buffer.length, at); }
  write(buffer, { at }) { return fs.writeSync(this.fd, buffer, 0, buffer.length, at); }
  truncate(size) { fs.ftruncateSync(this.fd, size); }
  flush() { fs.fsyncSync(this.fd); }
  getSize() { return fs.fstatSync(this.fd).size; }
  close() { fs.closeSync(this.fd); }
}

// A storage budget shared by several files, as a browser origin has one:
// growing past `limit` bytes throws a DOMException named QuotaExceededError.
class Quota {
  constructor(limit = Infinity) {
    this.limit = limit;
    this.files = [];
  }
  used() { return this.files.reduce((sum, file) => sum + file.getSize(), 0); }
  check(file, end) {
    const growth = Math.max(0, end - file.getSize());
    if (growth > 0 && this.used() + growth > this.limit) {
      throw new DOMException('the origin is out of storage quota', 'QuotaExceededError');
    }
  }
}

class QuotaHostFile extends FsHostFile {
  constructor(file, quota) {
    super(file);
    this.quota = quota;
    quota.files.push(this);
  }
  write(buffer, options) {
    this.quota.check(this, options.at + buffer.length);
    return super.write(buffer, options);
  }
  truncate(size) {
    this.quota.check(this, size);
    super.truncate(size);
  }
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-host-vfs-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// Registers `<dbPath>`, `-journal` and `-wal` in the module and returns a
// function that unregisters and closes them.
function register(core, dbPath, makeFile = (file) => new FsHostFile(file)) {
  const files = SUFFIXES.map((suffix) => [dbPath + suffix, makeFile(dbPath + suffix)]);
  for (const [name, file] of files) core.hostFiles.set(name, file);
  return () => {
    for (const [name, file] of files) {
      core.hostFiles.delete(name);
      file.close();
    }
  };
}

// Opens a store on host files in a fresh module instance; `close()` closes
// the store, then the files.
async function openHosted(dbPath, options, makeFile) {
  const core = await loadCore();
  const unregister = register(core, dbPath, makeFile);
  const result = core.SqliteStore.open(dbPath, { vfs: 'sds-host', ...options });
  if (!result.ok) unregister();
  const store = ok(result);
  return { core, store, close: () => { store.delete(); unregister(); } };
}

const header = (file) => fs.readFileSync(file).subarray(0, 100);

const MODES = [
  { name: 'WAL with exclusive locking', options: { journalMode: 'wal', exclusiveLocking: true }, format: 2 },
  { name: 'TRUNCATE', options: { journalMode: 'truncate' }, format: 1 },
  { name: 'DELETE', options: { journalMode: 'delete', synchronousFull: true }, format: 1 },
];

for (const mode of MODES) {
  describe(`sds-host VFS, journal mode ${mode.name}`, () => {
    const dbPath = path.join(scratch, `${mode.options.journalMode}.db`);

    test('writes, reads and scans; data survives a reopen in a fresh module', async () => {
      const first = await openHosted(dbPath, mode.options);
      ok(first.store.apply([put('c', key('a'), text('alpha')), put('c', key('b'), text('beta'))]));
      for (let i = 0n; i < 300n; i++) {
        ok(first.store.apply([put('log', key('m', i), new Uint8Array(1024).fill(Number(i % 251n)))]));
      }
      assert.equal(decode(ok(first.store.get('c', key('a')))), 'alpha');
      const reversed = ok(first.store.scan('c', ...all, true, 0)).map((row) => decode(row.payload));
      assert.deepEqual(reversed, ['beta', 'alpha']);
      first.close();

      // Only the database file holds data once the store is closed.
      assert.equal(fs.statSync(`${dbPath}-journal`).size, 0);
      assert.equal(fs.statSync(`${dbPath}-wal`).size, 0);
      const bytes = header(dbPath);
      assert.equal(bytes.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
      assert.equal(bytes.readUInt16BE(16), 8192, 'page size');
      assert.equal(bytes[18], mode.format, 'write format version (2 = WAL)');

      const second = await openHosted(dbPath, mode.options);
      assert.equal(decode(ok(second.store.get('c', key('b')))), 'beta');
      assert.equal(ok(second.store.count('log', ...all)), 300);
      const row = ok(second.store.scan('log', key('m', 299n), null, false, 1))[0];
      assert.deepEqual(row.payload, new Uint8Array(1024).fill(299 % 251));
      second.close();
    });

    test('the file is an ordinary SQLite database for SQLite\'s own unix VFS', async () => {
      const core = await loadCore();
      const mount = mountHostDir(core, scratch);
      const store = ok(core.SqliteStore.open(`${mount}/${path.basename(dbPath)}`, mode.options));
      assert.equal(ok(store.count('log', ...all)), 300);
      store.delete();
    });

    test('QuotaExceededError from a HostFile is error kind QuotaExceeded; nothing is half-written', async () => {
      const quotaPath = path.join(scratch, `quota-${mode.options.journalMode}.db`);
      const quota = new Quota();
      const hosted = await openHosted(quotaPath, mode.options, (file) => new QuotaHostFile(file, quota));
      const committed = Array.from({ length: 20 }, (_, i) => put('q', key('kept', BigInt(i)), text(`v${i}`)));
      ok(hosted.store.apply(committed));

      quota.limit = quota.used() + 16 * 1024;
      const big = Array.from({ length: 200 }, (_, i) => put('q', key('lost', BigInt(i)), new Uint8Array(1024)));
      const failed = hosted.store.apply(big);
      assert.equal(failed.ok, false);
      assert.equal(failed.error.kind, 'QuotaExceeded', failed.error.message);
      assert.match(failed.error.message, /QuotaExceededError: the origin is out of storage quota/);
      assert.match(hosted.core.hostFileLastError, /^QuotaExceededError: /);

      // The same handle recovers once there is room again.
      assert.equal(ok(hosted.store.count('q', ...all)), 20);
      quota.limit = Infinity;
      ok(hosted.store.apply([put('q', key('after'), text('later'))]));
      hosted.close();

      const reopened = await openHosted(quotaPath, mode.options);
      assert.equal(ok(reopened.store.count('q', ...all)), 21);
      assert.equal(ok(reopened.store.count('q', key('lost'), reopened.core.prefixRangeStop(key('lost')))), 0);
      assert.equal(decode(ok(reopened.store.get('q', key('kept', 19n)))), 'v19');
      reopened.close();
    });
  });
}

describe('sds-host VFS durability: what a commit flushes before it returns', () => {
  // Records every call that changes or flushes a file, in order.
  function openLogged(name, options) {
    const log = [];
    class LoggedFile extends FsHostFile {
      constructor(file) {
        super(file);
        this.suffix = SUFFIXES.find((suffix) => suffix && file.endsWith(suffix)) ?? 'db';
      }
      write(buffer, at) { log.push([this.suffix, 'write']); return super.write(buffer, at); }
      truncate(size) { log.push([this.suffix, 'truncate']); super.truncate(size); }
      flush() { log.push([this.suffix, 'flush']); super.flush(); }
    }
    return openHosted(path.join(scratch, name), options, (file) => new LoggedFile(file))
      .then((hosted) => ({ ...hosted, log }));
  }

  // Files changed after their last flush, over the calls made by `commit`.
  function unflushedAfter(log, commit) {
    const start = log.length;
    commit();
    const pending = new Set();
    for (const [file, op] of log.slice(start)) {
      if (op === 'flush') pending.delete(file);
      else pending.add(file);
    }
    return [...pending];
  }

  const commit = (store, i) => () => ok(store.apply([put('d', key('k', BigInt(i)), text('v')),
    put('d', key('n', BigInt(i)), text('w'))]));

  for (const [journalMode, exclusiveLocking] of [['wal', true], ['truncate', false]]) {
    test(`${journalMode} with synchronous FULL: nothing changed is left unflushed`, async () => {
      const hosted = await openLogged(`durable-${journalMode}.db`,
        { journalMode, exclusiveLocking, synchronousFull: true });
      for (let i = 0; i < 3; i++) assert.deepEqual(unflushedAfter(hosted.log, commit(hosted.store, i)), []);
      hosted.close();
    });
  }

  test('delete with synchronous FULL and exclusive locking: the journal is zeroed and flushed', async () => {
    const hosted = await openLogged('durable-delete-exclusive.db',
      { journalMode: 'delete', exclusiveLocking: true, synchronousFull: true });
    assert.deepEqual(unflushedAfter(hosted.log, commit(hosted.store, 0)), []);
    hosted.close();
  });

  test('delete with synchronous FULL and normal locking: the journal removal is not flushed', async () => {
    const hosted = await openLogged('durable-delete.db',
      { journalMode: 'delete', exclusiveLocking: false, synchronousFull: true });
    assert.deepEqual(unflushedAfter(hosted.log, commit(hosted.store, 0)), ['-journal']);
    hosted.close();
  });

  test('wal with synchronous NORMAL: a commit returns before anything is flushed', async () => {
    const hosted = await openLogged('normal-wal.db', { journalMode: 'wal', synchronousFull: false });
    assert.deepEqual(unflushedAfter(hosted.log, commit(hosted.store, 0)), ['-wal']);
    hosted.close();
  });
});

describe('sds-host VFS failures', () => {
  test('a database file that was never registered is a clear Backend error', async () => {
    const core = await loadCore();
    const missing = path.join(scratch, 'never-registered.db');
    const result = core.SqliteStore.open(missing, { vfs: 'sds-host' });
    assert.equal(result.ok, false);
    assert.equal(result.error.kind, 'Backend');
    assert.match(result.error.message, /unable to open database file/);
    assert.ok(result.error.message.includes(`no HostFile registered in Module.hostFiles for "${missing}"`),
      result.error.message);
    assert.equal(fs.existsSync(missing), false);
    // The module is still usable.
    ok(core.SqliteStore.open(':memory:', { journalMode: 'memory' })).delete();
  });

  test('a missing journal fails the first write transaction, naming the journal', async () => {
    const core = await loadCore();
    const dbPath = path.join(scratch, 'no-journal.db');
    const file = new FsHostFile(dbPath);
    core.hostFiles.set(dbPath, file);
    const result = core.SqliteStore.open(dbPath, { vfs: 'sds-host', journalMode: 'delete' });
    file.close();
    assert.equal(result.ok, false);
    assert.equal(result.error.kind, 'Backend');
    assert.ok(result.error.message.includes(`"${dbPath}-journal"`), result.error.message);
  });

  const nodeError = (code) => Object.assign(new Error(`${code}: out of space, write`), { code });
  const thrown = [
    [nodeError('ENOSPC'), 'QuotaExceeded', /database or disk is full \(Error: ENOSPC: out of space, write\)/],
    [nodeError('EDQUOT'), 'QuotaExceeded', /database or disk is full \(Error: EDQUOT: out of space, write\)/],
    [new TypeError('the handle was closed'), 'Backend', /disk I\/O error \(TypeError: the handle was closed\)/],
  ];
  for (const [error, kind, message] of thrown) {
    test(`a HostFile throwing ${error.code ?? error.name} is error kind ${kind}`, async () => {
      const dbPath = path.join(scratch, `thrown-${error.code ?? error.name}.db`);
      let broken = false;
      class BreakableFile extends FsHostFile {
        write(buffer, options) {
          if (broken) throw error;
          return super.write(buffer, options);
        }
      }
      const hosted = await openHosted(dbPath, { journalMode: 'truncate' }, (file) => new BreakableFile(file));
      ok(hosted.store.apply([put('b', key('1'), text('one'))]));
      broken = true;
      const failed = hosted.store.apply([put('b', key('2'), text('two')), put('b', key('3'), text('three'))]);
      assert.equal(failed.ok, false);
      assert.equal(failed.error.kind, kind);
      assert.match(failed.error.message, message);
      broken = false;
      assert.equal(ok(hosted.store.count('b', ...all)), 1);
      hosted.close();
    });
  }
});

test('offsets past 4 GiB are neither truncated nor wrapped', async () => {
  const dbPath = path.join(scratch, 'large.db');
  const options = { journalMode: 'truncate' };
  const small = await openHosted(dbPath, options);
  ok(small.store.apply([put('big', key('first'), text('page one still intact'))]));
  small.close();

  // Grow the file (sparsely) past 4 GiB and clear the header's page count, so
  // SQLite takes the size from the file and allocates new pages at its end.
  const fourGiB = 2 ** 32;
  const fd = fs.openSync(dbPath, 'r+');
  fs.ftruncateSync(fd, fourGiB);
  fs.writeSync(fd, new Uint8Array(4), 0, 4, 28);
  fs.closeSync(fd);

  const payload = new Uint8Array(64 * 1024).map((_, i) => (i * 7 + 1) % 256);
  const large = await openHosted(dbPath, options);
  ok(large.store.apply([put('big', key('tail'), payload)]));
  large.close();
  // 64 KiB of overflow pages, 8 KiB each, appended after the first 4 GiB.
  assert.equal(fs.statSync(dbPath).size, fourGiB + payload.length);
  const tail = Buffer.alloc(payload.length);
  const readFd = fs.openSync(dbPath, 'r');
  fs.readSync(readFd, tail, 0, tail.length, fourGiB);
  fs.closeSync(readFd);
  assert.ok(tail.some((byte) => byte !== 0), 'data was written at offsets >= 4 GiB');

  const reopened = await openHosted(dbPath, options);
  assert.deepEqual(ok(reopened.store.get('big', key('tail'))), payload);
  assert.equal(decode(ok(reopened.store.get('big', key('first')))), 'page one still intact');
  reopened.close();
});
