// The persistency API in Node, against real files in a temp directory: the shared cases of
// api-cases.mjs, then what only Node has (files on disk, other processes, a full disk).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as api from 'sds-wasm';
import * as testing from 'sds-wasm/testing';
import { defineApiCases } from './api-cases.mjs';
import { loadCore, mountHostDir, ok } from '../wasm/core.mjs';

const { Persistency, PersistencyError, keys } = api;
const here = path.dirname(fileURLToPath(import.meta.url));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sds-web-'));
let rootCount = 0;
const newRoot = () => path.join(scratch, `root-${++rootCount}`);
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const text = (value) => new TextEncoder().encode(value);
const decode = (bytes) => new TextDecoder().decode(bytes);
const kindOf = (promise) => promise.then(() => 'resolved', (error) => (error instanceof PersistencyError ? error.kind : error));

describe('persistency API', () => defineApiCases({ test, assert, api, testing, newRoot }));

describe('persistency API in Node', () => {
  test('the package entry resolves to the Node build', () => {
    assert.match(import.meta.resolve('sds-wasm'), /build\/web\/index\.node\.js$/);
    assert.match(import.meta.resolve('sds-wasm/worker'), /build\/web\/node-job-worker\.js$/);
  });

  test('works from a `node --input-type=module -e` script (workers drop that flag)', async () => {
    const script = `
      import { Persistency, keys } from 'sds-wasm';
      const p = await Persistency.open(process.argv[1]);
      const job = await p.openJob('eval');
      job.put('c', keys.key('k'), keys.text('from eval'));
      console.log(new TextDecoder().decode(await job.get('c', keys.key('k'))));
      await p.close();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, newRoot()], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.equal(output, '\x00\x09from eval\n');
  });

  test('a job is <id>.db with its journal and WAL in the root; dropJob deletes them', async () => {
    const root = newRoot();
    const p = await Persistency.open(root);
    assert.equal(p.root, path.resolve(root));
    assert.equal(fs.existsSync(root), false, 'the root is created by the first openJob');
    const job = await p.openJob('files');
    job.put('c', keys.key('k'), text('v'));
    await job.flush();
    assert.deepEqual(fs.readdirSync(root).sort(), ['files.db', 'files.db-journal', 'files.db-lock', 'files.db-wal']);
    await p.closeJob('files');
    assert.deepEqual(fs.readdirSync(root).sort(), ['files.db', 'files.db-journal', 'files.db-wal']);
    assert.ok(fs.statSync(path.join(root, 'files.db')).size > 0);
    await p.dropJob('files');
    assert.deepEqual(fs.readdirSync(root), []);
    await p.close();
  });

  test('the database is the shared on-disk format: the wasm store reads it directly', async () => {
    const root = newRoot();
    const p = await Persistency.open(root);
    const job = await p.openJob('format');
    job.put('msgs', keys.key('alice', 9n), keys.payload('hello', true));
    await p.close();
    const core = await loadCore();
    const mount = mountHostDir(core, root);
    const store = ok(core.SqliteStore.open(`${mount}/format.db`, {}));
    try {
      assert.deepEqual(ok(store.get('msgs', keys.key('alice', 9n))), keys.payload('hello', true));
    } finally {
      store.delete();
    }
  });

  test('a root that is a file, or under a file, is InvalidArgument', async () => {
    const root = newRoot();
    fs.mkdirSync(root, { recursive: true });
    const file = path.join(root, 'plain-file');
    fs.writeFileSync(file, 'x');
    assert.equal(await kindOf(Persistency.open(file)), 'InvalidArgument');
    assert.equal(await kindOf(Persistency.open(path.join(file, 'below', 'deeper'))), 'InvalidArgument');
    const nested = await Persistency.open(path.join(root, 'not', 'yet', 'there'));
    await nested.openJob('deep');
    assert.ok(fs.existsSync(path.join(root, 'not', 'yet', 'there', 'deep.db')));
    await nested.close();
  });

  test('a write that fails in the worker (disk full) reaches error listeners and the next flush', async (t) => {
    if (!fs.existsSync('/dev/full')) {
      t.skip('needs /dev/full');
      return;
    }
    const root = newRoot();
    const first = await Persistency.open(root);
    (await first.openJob('full')).put('c', keys.key('before'), text('kept'));
    await first.close();
    // Every write to the WAL now fails with ENOSPC, as on a full disk.
    const wal = path.join(root, 'full.db-wal');
    fs.rmSync(wal);
    fs.symlinkSync('/dev/full', wal);
    const p = await Persistency.open(root);
    try {
      const job = await p.openJob('full');
      const events = [];
      job.addEventListener('error', (event) => events.push(event));
      job.batch([
        { op: 'put', category: 'c', key: keys.key('a'), payload: text('lost') },
        { op: 'put', category: 'c', key: keys.key('b'), payload: text('lost') },
      ]);
      job.put('c', keys.key('single'), text('lost'));
      assert.equal(await kindOf(job.flush()), 'QuotaExceeded');
      assert.deepEqual(events.map((event) => [event.type, event.error.kind, event.ops]), [
        ['error', 'QuotaExceeded', 2],
        ['error', 'QuotaExceeded', 1],
      ]);
      await job.flush();
      assert.equal(decode(await job.get('c', keys.key('before'))), 'kept');
      assert.equal(await job.count('c'), 1);
      job.put('c', keys.key('at close'), text('lost'));
      assert.equal(await kindOf(job.close()), 'QuotaExceeded');
      assert.equal(job.closed, true);
    } finally {
      await p.close();
      fs.rmSync(wal);
    }
  });

  test('another process owning a job: JobLocked, waitForLock, and a dead owner frees the lock', async () => {
    const root = newRoot();
    const startHolder = async () => {
      const child = spawn(process.execPath, [path.join(here, 'hold-job.mjs'), root, 'contended'], {
        cwd: here,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      assert.deepEqual(await lines.next(), { value: 'open', done: false });
      return child;
    };
    const p = await Persistency.open(root);
    try {
      const holder = await startHolder();
      assert.equal(await kindOf(p.openJob('contended')), 'JobLocked');
      assert.equal(await kindOf(p.dropJob('contended')), 'JobLocked');
      const waiting = p.openJob('contended', { waitForLock: true });
      const holderExited = once(holder, 'exit');  // before anything awaits: it may exit soon
      holder.stdin.write('close\n');
      const job = await waiting;
      assert.equal(decode(await job.get('c', keys.key('holder'))), String(holder.pid));
      await p.closeJob('contended');
      await holderExited;

      const killed = await startHolder();
      killed.kill('SIGKILL');
      await once(killed, 'exit');
      // The lock file names a process that is gone: it is taken over.
      assert.equal(fs.readFileSync(path.join(root, 'contended.db-lock'), 'utf8'), String(killed.pid));
      const after = await p.openJob('contended');
      assert.equal(decode(await after.get('c', keys.key('holder'))), String(killed.pid));
    } finally {
      await p.close();
    }
  });

  test('page-side key and job id rules agree with the wasm module', async () => {
    const core = await loadCore();
    const prefixes = [[], [0], [0xff], [0xff, 0xff], [1, 0xff], [0, 1, 0x61], [1, 2, 0xff, 0xff], [0xfe, 0xff, 0xff]];
    for (let seed = 1; seed < 200; ++seed) {
      prefixes.push(Array.from({ length: seed % 7 }, (_, i) => (seed * (i + 3) * 97) % 3 === 0 ? 0xff : (seed * 31 + i) & 0xff));
    }
    for (const prefix of prefixes.map((bytes) => Uint8Array.from(bytes))) {
      assert.deepEqual(keys.prefixRange(prefix).stop, core.prefixRangeStop(prefix), `prefix ${prefix}`);
    }
    const p = await Persistency.open(':memory:');
    const ids = ['ok', 'a.b', 'a..b', '..', '.', '', 'x'.repeat(128), 'x'.repeat(129), 'é'.repeat(64), 'é'.repeat(65),
      'a/b', 'a\\b', 'nul\u0000', 'del\u007f', 'tab\t', 'space ok', ':memory:', '-journal'];
    for (const id of ids) {
      const wasmSays = core.validateJobId(id).ok;
      const apiSays = (await kindOf(p.hasJob(id))) === 'resolved';
      assert.equal(apiSays, wasmSays, `job id ${JSON.stringify(id)}`);
    }
    await p.close();
  });
});
