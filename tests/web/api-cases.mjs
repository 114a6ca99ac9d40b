// The persistency API cases shared by every environment that runs the package: Node
// (tests/web/node.test.mjs) and browsers. They use only the public API and a few assertions,
// so a browser harness can run them unchanged.
//
// defineApiCases({ test, assert, api, testing, newRoot }):
//   test(name, fn)   registers an async case
//   assert           equal(actual, expected), deepEqual(actual, expected), ok(value)
//                    (node:assert/strict semantics; deepEqual compares Uint8Array contents)
//   api              the 'sds-wasm' module namespace
//   testing          the 'sds-wasm/testing' module namespace
//   newRoot()        a root no other case uses (a temp directory in Node, an OPFS path in a browser)

export function defineApiCases({ test, assert, api, testing, newRoot }) {
  const { Persistency, PersistencyError, PersistencyErrorEvent, keys } = api;
  const utf8 = new TextEncoder();
  const text = (value) => utf8.encode(value);
  const decode = (bytes) => new TextDecoder().decode(bytes);

  function expectKind(error, kind) {
    assert.ok(error instanceof PersistencyError, `expected a PersistencyError, got ${error}`);
    assert.equal(error.kind, kind, `expected ${kind}, got ${error.kind}: ${error.message}`);
  }

  async function rejectsWith(promise, kind) {
    let outcome;
    try {
      outcome = await promise;
    } catch (error) {
      expectKind(error, kind);
      return error;
    }
    throw new Error(`expected a ${kind} rejection, got ${String(outcome)}`);
  }

  function throwsWith(action, kind) {
    try {
      action();
    } catch (error) {
      expectKind(error, kind);
      return error;
    }
    throw new Error(`expected ${kind} to be thrown`);
  }

  // Runs `body` with an open Persistency on a fresh root and closes it afterwards.
  async function withRoot(body, root = newRoot()) {
    const p = await Persistency.open(root);
    try {
      return await body(p, root);
    } finally {
      await p.close();
    }
  }

  const payloads = (rows) => rows.map((row) => decode(row.payload));

  test('put, get and exists round-trip; a missing row is undefined', () =>
    withRoot(async (p) => {
      const job = await p.openJob('basic');
      job.put('c', keys.key('a'), text('hello'));
      assert.equal(decode(await job.get('c', keys.key('a'))), 'hello');
      assert.equal(await job.exists('c', keys.key('a')), true);
      assert.equal(await job.get('c', keys.key('missing')), undefined);
      assert.equal(await job.exists('other', keys.key('a')), false);
      job.put('c', keys.key('a'), text('replaced'));
      assert.equal(decode(await job.get('c', keys.key('a'))), 'replaced');
    }));

  test('integrityCheck runs after the queued writes and reports ok', () =>
    withRoot(async (p) => {
      const job = await p.openJob('integrity');
      for (let i = 0; i < 200; i += 1) job.put('c', keys.key('row', BigInt(i)), new Uint8Array(1024).fill(i));
      assert.equal(await job.integrityCheck(), 'ok');
      assert.equal(await job.count('c'), 200);
    }));

  test('empty keys, payloads and categories are stored, not lost', () =>
    withRoot(async (p) => {
      const job = await p.openJob('empty');
      job.put('', new Uint8Array(), new Uint8Array());
      assert.deepEqual(await job.get('', new Uint8Array()), new Uint8Array());
      assert.equal(await job.count(''), 1);
    }));

  test('a large payload round-trips intact', () =>
    withRoot(async (p) => {
      const job = await p.openJob('large');
      const big = new Uint8Array(3 << 20).map((_, i) => (i * 31) & 0xff);
      job.put('c', keys.key('big'), big);
      assert.deepEqual(await job.get('c', keys.key('big')), big);
    }));

  test('scan orders by key both ways, honours half-open ranges and limits', () =>
    withRoot(async (p) => {
      const job = await p.openJob('scan');
      for (const i of [5n, 1n, 4n, 2n, 3n, -7n]) job.put('s', keys.key('ch', i), text(`m${i}`));
      job.put('s', keys.key('other'), text('o'));
      job.put('t', keys.key('ch', 1n), text('elsewhere'));
      const all = keys.prefixRange(keys.key('ch'));
      assert.deepEqual(payloads(await job.scan('s', all)), ['m-7', 'm1', 'm2', 'm3', 'm4', 'm5']);
      assert.deepEqual(payloads(await job.scan('s', all, { reverse: true, limit: 2 })), ['m5', 'm4']);
      assert.deepEqual(payloads(await job.scan('s', { start: keys.key('ch', 2n), stop: keys.key('ch', 4n) })), ['m2', 'm3']);
      assert.deepEqual(payloads(await job.scan('s', { start: keys.key('ch', 4n) })), ['m4', 'm5', 'o']);
      assert.deepEqual(payloads(await job.scan('s', { start: keys.key('ch', 4n), stop: new Uint8Array() })), ['m4', 'm5', 'o']);
      const [first] = await job.scan('s', { start: keys.key('ch', 2n) }, { limit: 1 });
      assert.deepEqual(first.key, keys.key('ch', 2n));
      assert.equal((await job.scan('s')).length, 7);
      assert.deepEqual(payloads(await job.scanPrefix('s', keys.key('ch'), { reverse: true })), ['m5', 'm4', 'm3', 'm2', 'm1', 'm-7']);
      assert.deepEqual(await job.scan('nothing'), []);
    }));

  test('count matches the rows in a range', () =>
    withRoot(async (p) => {
      const job = await p.openJob('count');
      for (let i = 0; i < 10; ++i) job.put('n', keys.key('k', i), text(String(i)));
      assert.equal(await job.count('n'), 10);
      assert.equal(await job.count('n', keys.prefixRange(keys.key('k'))), 10);
      assert.equal(await job.count('n', { start: keys.key('k', 3), stop: keys.key('k', 7) }), 4);
      assert.equal(await job.count('n', { start: keys.key('k', 8) }), 2);
      assert.equal(await job.count('missing'), 0);
    }));

  test('delete and deletePrefix remove exactly their rows; deleteAcked reports existence', () =>
    withRoot(async (p) => {
      const job = await p.openJob('delete');
      job.batch([
        { op: 'put', category: 'p', key: keys.key('a', 1n), payload: text('a1') },
        { op: 'put', category: 'p', key: keys.key('a', 2n), payload: text('a2') },
        { op: 'put', category: 'p', key: keys.key('ab'), payload: text('ab') },
        { op: 'put', category: 'p', key: keys.key('b'), payload: text('b') },
        { op: 'put', category: 'q', key: keys.key('a', 1n), payload: text('q') },
      ]);
      job.deletePrefix('p', keys.key('a'));
      assert.deepEqual(payloads(await job.scan('p')), ['b', 'ab']);
      assert.equal(await job.count('q'), 1);
      job.delete('p', keys.key('b'));
      job.delete('p', keys.key('never there'));
      assert.deepEqual(payloads(await job.scan('p')), ['ab']);
      assert.equal(await job.deleteAcked('p', keys.key('ab')), true);
      assert.equal(await job.deleteAcked('p', keys.key('ab')), false);
      assert.equal(await job.count('p'), 0);
    }));

  test('a batch applies in order and atomically; a bad op rejects it whole at once', () =>
    withRoot(async (p) => {
      const job = await p.openJob('batch');
      job.batch([
        { op: 'put', category: 'b', key: keys.key('x'), payload: text('1') },
        { op: 'delete', category: 'b', key: keys.key('x') },
        { op: 'put', category: 'b', key: keys.key('y'), payload: text('2') },
        { op: 'put', category: 'b', key: keys.key('y'), payload: text('3') },
      ]);
      assert.equal(await job.get('b', keys.key('x')), undefined);
      assert.equal(decode(await job.get('b', keys.key('y'))), '3');
      throwsWith(() => job.batch([
        { op: 'put', category: 'b', key: keys.key('z'), payload: text('never') },
        { op: 'upsert', category: 'b', key: keys.key('w'), payload: text('never') },
      ]), 'InvalidArgument');
      throwsWith(() => job.batch([
        { op: 'put', category: 'b', key: keys.key('z'), payload: text('never') },
        { op: 'put', category: 'b', key: 'not bytes', payload: text('never') },
      ]), 'InvalidArgument');
      assert.equal(await job.count('b'), 1);
      job.batch([]);
      await job.flush();
    }));

  test('reads see every write issued before them, in order, without waiting', () =>
    withRoot(async (p) => {
      const job = await p.openJob('order');
      const k = keys.key('k');
      job.put('o', k, text('v1'));
      const first = job.get('o', k);
      job.put('o', k, text('v2'));
      const second = job.get('o', k);
      job.delete('o', k);
      const third = job.get('o', k);
      const fourth = job.deleteAcked('o', k);
      job.put('o', k, text('v3'));
      const fifth = job.exists('o', k);
      const results = await Promise.all([first, second, third, fourth, fifth]);
      assert.deepEqual([decode(results[0]), decode(results[1]), results[2], results[3], results[4]], ['v1', 'v2', undefined, false, true]);
      for (let i = 0; i < 200; ++i) {
        job.put('o', keys.key('seq'), text(String(i)));
        if (i % 37 === 0) assert.equal(decode(await job.get('o', keys.key('seq'))), String(i));
      }
      assert.equal(decode(await job.get('o', keys.key('seq'))), '199');
    }));

  test('writes keep a copy of the caller\'s bytes', () =>
    withRoot(async (p) => {
      const job = await p.openJob('copies');
      const buffer = text('first');
      job.put('c', keys.key(1n), buffer);
      buffer.set(text('SECND'));
      job.put('c', keys.key(2n), buffer);
      assert.deepEqual(payloads(await job.scan('c')), ['first', 'SECND']);
    }));

  test('flush resolves once earlier writes are committed; closing and reopening keeps them', async () => {
    const root = newRoot();
    await withRoot(async (p) => {
      const job = await p.openJob('durable');
      for (let i = 0; i < 100; ++i) job.put('d', keys.key(i), text(`row${i}`));
      await job.flush();
      job.put('d', keys.key('after flush'), text('closed with the job'));
      await p.closeJob('durable');
      assert.equal(job.closed, true);
    }, root);
    await withRoot(async (p) => {
      const job = await p.openJob('durable');
      assert.equal(await job.count('d'), 101);
      assert.equal(decode(await job.get('d', keys.key(42))), 'row42');
      assert.equal(decode(await job.get('d', keys.key('after flush'))), 'closed with the job');
    }, root);
  });

  test('two jobs in one root are isolated', () =>
    withRoot(async (p) => {
      const [a, b] = await Promise.all([p.openJob('a'), p.openJob('b')]);
      a.put('c', keys.key('k'), text('from a'));
      b.put('c', keys.key('k'), text('from b'));
      b.put('c', keys.key('only b'), text('b'));
      assert.equal(decode(await a.get('c', keys.key('k'))), 'from a');
      assert.equal(decode(await b.get('c', keys.key('k'))), 'from b');
      assert.equal(await a.count('c'), 1);
      assert.equal(await b.count('c'), 2);
    }));

  test('openJob of an open job returns the same Job, also when called concurrently', () =>
    withRoot(async (p) => {
      const [one, two] = await Promise.all([p.openJob('same'), p.openJob('same')]);
      assert.equal(one, two);
      assert.equal(await p.openJob('same'), one);
      assert.equal(p.job('same'), one);
      await one.close();
      const reopened = await p.openJob('same');
      assert.ok(reopened !== one);
      assert.equal(p.job('same'), reopened);
    }));

  test('hasJob: open or with a database; dropJob closes the job and deletes its files', () =>
    withRoot(async (p) => {
      assert.equal(await p.hasJob('h'), false);
      const job = await p.openJob('h');
      assert.equal(await p.hasJob('h'), true);
      job.put('c', keys.key('k'), text('v'));
      await p.closeJob('h');
      assert.equal(await p.hasJob('h'), true);
      await p.dropJob('h');
      assert.equal(await p.hasJob('h'), false);
      const again = await p.openJob('h');
      assert.equal(await again.count('c'), 0);
      await p.dropJob('h');
      assert.equal(again.closed, true);
      throwsWith(() => p.job('h'), 'JobNotFound');
      await p.dropJob('never-opened');
    }));

  test('job() is JobNotFound unless the job is open', () =>
    withRoot(async (p) => {
      throwsWith(() => p.job('nope'), 'JobNotFound');
      await p.openJob('yes');
      assert.equal(p.job('yes').id, 'yes');
      await p.closeJob('yes');
      throwsWith(() => p.job('yes'), 'JobNotFound');
      await p.closeJob('not open');
    }));

  test('bad job ids, arguments and roots are InvalidArgument', () =>
    withRoot(async (p) => {
      for (const id of ['../x', '', 'a/b', 'a\\b', '.', 'x'.repeat(129), 'tab\there', 42]) {
        await rejectsWith(p.openJob(id), 'InvalidArgument');
        await rejectsWith(p.hasJob(id), 'InvalidArgument');
        await rejectsWith(p.dropJob(id), 'InvalidArgument');
      }
      await rejectsWith(p.openJob('ok', { waitForLock: 'yes' }), 'InvalidArgument');
      const job = await p.openJob('x'.repeat(128));
      throwsWith(() => job.put('c', 'key', text('v')), 'InvalidArgument');
      throwsWith(() => job.put(7, keys.key('k'), text('v')), 'InvalidArgument');
      throwsWith(() => job.put('c', keys.key('k'), [1, 2]), 'InvalidArgument');
      throwsWith(() => job.batch('not an array'), 'InvalidArgument');
      await rejectsWith(job.get('c', 'key'), 'InvalidArgument');
      await rejectsWith(job.scan('c', {}, { limit: -1 }), 'InvalidArgument');
      await rejectsWith(job.scan('c', {}, { limit: 1.5 }), 'InvalidArgument');
      await rejectsWith(job.scan('c', { stop: 'z' }), 'InvalidArgument');
      await rejectsWith(job.scanPrefix('c', null), 'InvalidArgument');
      await rejectsWith(Persistency.open(''), 'InvalidArgument');
      await rejectsWith(Persistency.open(42), 'InvalidArgument');
      await rejectsWith(Persistency.open(newRoot(), { store: { journalMode: 'fast' } }), 'InvalidArgument');
      await rejectsWith(Persistency.open(newRoot(), { store: { pageSize: 1000 } }), 'InvalidArgument');
    }));

  test('a closed job or Persistency answers Closed', async () => {
    const p = await Persistency.open(newRoot());
    const job = await p.openJob('c');
    job.put('c', keys.key('k'), text('v'));
    await job.close();
    await job.close();
    throwsWith(() => job.put('c', keys.key('k'), text('v')), 'Closed');
    throwsWith(() => job.batch([]), 'Closed');
    await rejectsWith(job.get('c', keys.key('k')), 'Closed');
    await rejectsWith(job.flush(), 'Closed');
    const other = await p.openJob('other');
    await p.close();
    await p.close();
    assert.equal(p.closed, true);
    assert.equal(other.closed, true);
    await rejectsWith(other.count('c'), 'Closed');
    await rejectsWith(p.openJob('c'), 'Closed');
    await rejectsWith(p.hasJob('c'), 'Closed');
    await rejectsWith(p.dropJob('c'), 'Closed');
  });

  test('asyncDispose closes a job and a Persistency', async () => {
    const dispose = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');
    const root = newRoot();
    const p = await Persistency.open(root);
    const job = await p.openJob('disposed');
    job.put('c', keys.key('k'), text('kept'));
    await job[dispose]();
    assert.equal(job.closed, true);
    await p[dispose]();
    assert.equal(p.closed, true);
    await withRoot(async (again) => {
      assert.equal(decode(await (await again.openJob('disposed')).get('c', keys.key('k'))), 'kept');
    }, root);
  });

  test('a second owner gets JobLocked at once, or waits for the lock (abortably)', async () => {
    const root = newRoot();
    const first = await Persistency.open(root);
    const second = await Persistency.open(root);
    try {
      const owned = await first.openJob('shared');
      owned.put('c', keys.key('k'), text('from the first owner'));
      await rejectsWith(second.openJob('shared'), 'JobLocked');
      const gaveUp = new Error('gave up waiting');
      const controller = new AbortController();
      const abandoned = second.openJob('shared', { waitForLock: true, signal: controller.signal });
      controller.abort(gaveUp);
      let reason;
      await abandoned.catch((error) => { reason = error; });
      assert.equal(reason, gaveUp);
      const waiting = second.openJob('shared', { waitForLock: true });
      await first.closeJob('shared');
      const taken = await waiting;
      assert.equal(decode(await taken.get('c', keys.key('k'))), 'from the first owner');
      await rejectsWith(first.openJob('shared'), 'JobLocked');
      await rejectsWith(first.dropJob('shared'), 'JobLocked');
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('closing a Persistency ends its waits for a lock with Closed', async () => {
    const root = newRoot();
    const owner = await Persistency.open(root);
    const waiter = await Persistency.open(root);
    try {
      await owner.openJob('held');
      const waiting = waiter.openJob('held', { waitForLock: true });
      await waiter.close();
      await rejectsWith(waiting, 'Closed');
      assert.equal(owner.job('held').closed, false);
    } finally {
      await owner.close();
    }
  });

  test('terminating the worker mid-stream keeps every batch whole and flushed data present', async () => {
    const root = newRoot();
    const rowsPerBatch = 40;
    const filler = new Uint8Array(700).fill(0x5a);
    const batch = (n) =>
      Array.from({ length: rowsPerBatch }, (_, i) => ({ op: 'put', category: 'c', key: keys.key('b', n, i), payload: filler }));
    const settled = 60;
    let issued = 0;
    await withRoot(async (p) => {
      const job = await p.openJob('crash');
      const lost = [];
      job.addEventListener('error', (event) => lost.push(event));
      for (; issued < settled; ++issued) {
        job.batch(batch(issued));
        if (issued % 10 === 9) await job.exists('c', keys.key('b', issued, 0));
      }
      await job.flush();
      for (; issued < settled + 80; ++issued) {
        job.batch(batch(issued));
        if (issued % 20 === 0) job.exists('c', keys.key('b', issued, 0)).catch(() => undefined);
      }
      const inFlight = job.count('c');
      await testing.terminateJobWorker(job);
      const outcome = await inFlight.then(() => 'answered', (error) => error);
      if (outcome !== 'answered') expectKind(outcome, 'Backend');
      assert.equal(job.closed, true);
      throwsWith(() => job.put('c', keys.key('late'), filler), 'Closed');
      for (const event of lost) assert.ok(event instanceof PersistencyErrorEvent);

      const reopened = await p.openJob('crash');
      const present = [];
      for (let n = 0; n < issued; ++n) {
        const rows = await reopened.count('c', keys.prefixRange(keys.key('b', n)));
        assert.ok(rows === 0 || rows === rowsPerBatch, `batch ${n} has ${rows} of ${rowsPerBatch} rows`);
        present.push(rows === rowsPerBatch);
      }
      const kept = present.filter(Boolean).length;
      assert.ok(kept >= settled, `only ${kept} batches survived, ${settled} were flushed`);
      assert.deepEqual(present, present.map((_, n) => n < kept), 'the surviving batches are a prefix');
    }, root);
  });

  test('key encoders produce the C++ bytes', () => {
    const hex = (bytes) => [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
    assert.equal(hex(keys.key('a')), '00 01 61');
    assert.equal(hex(keys.key('')), '00 00');
    assert.equal(hex(keys.key('c', 1n)), '00 01 63 80 00 00 00 00 00 00 01');
    assert.equal(hex(keys.key('c', 1)), '00 01 63 80 00 00 00 00 00 00 01');
    assert.equal(hex(keys.int64(0n)), '80 00 00 00 00 00 00 00');
    assert.equal(hex(keys.int64(-1n)), '7f ff ff ff ff ff ff ff');
    assert.equal(hex(keys.int64(-(2n ** 63n))), '00 00 00 00 00 00 00 00');
    assert.equal(hex(keys.int64(2n ** 63n - 1n)), 'ff ff ff ff ff ff ff ff');
    assert.equal(hex(keys.uint64(1n)), '00 00 00 00 00 00 00 01');
    assert.equal(hex(keys.uint64(2n ** 64n - 1n)), 'ff ff ff ff ff ff ff ff');
    assert.equal(hex(keys.key(true)), '01');
    assert.equal(hex(keys.key(false)), '00');
    assert.equal(hex(keys.uint8(0xab)), 'ab');
    assert.equal(hex(keys.uint8('z'.charCodeAt(0))), '7a');
    assert.equal(hex(keys.bytes(Uint8Array.of(0xaa, 0xbb))), '00 02 aa bb');
    assert.equal(hex(keys.key()), '');
    assert.equal(hex(keys.key(keys.raw(Uint8Array.of(0xff, 0x00)), 'x')), 'ff 00 00 01 78');
    assert.equal(hex(keys.key('prefix', keys.key('a', 7n))), hex(keys.key('prefix', 'a', 7n)));
    assert.equal(hex(keys.text('é')), '00 02 c3 a9');
    assert.equal(hex(keys.payload('hi')), '00 02 68 69');
    assert.equal(keys.payload(42n).length, 8);
    assert.equal(hex(keys.payload(true)), '01');
    // A struct { header: { sender, epoch }, mood: enum 2, body: bytes } field by field.
    assert.equal(hex(keys.payload('alice', 9n, 2n, keys.bytes(Uint8Array.of(0xaa, 0xbb, 0xcc)))),
      '00 05 61 6c 69 63 65 80 00 00 00 00 00 00 09 80 00 00 00 00 00 00 02 00 03 aa bb cc');
    assert.equal(keys.text('x'.repeat(65535)).length, 65537);
    throwsWith(() => keys.text('x'.repeat(65536)), 'InvalidArgument');
    throwsWith(() => keys.payload('ok', keys.bytes(new Uint8Array(65536))), 'InvalidArgument');
    throwsWith(() => keys.int64(2n ** 63n), 'InvalidArgument');
    throwsWith(() => keys.int64(0.5), 'InvalidArgument');
    throwsWith(() => keys.uint64(-1n), 'InvalidArgument');
    throwsWith(() => keys.uint8(256), 'InvalidArgument');
    throwsWith(() => keys.key({}), 'InvalidArgument');
  });

  test('encoded keys sort like their tuples; prefixRange bounds exactly the prefix', () => {
    const sorted = (list) => [...list].sort(keys.compare);
    const strings = ['ab', 'b', '', 'aa', 'a'].map((s) => keys.key(s));
    assert.deepEqual(sorted(strings), ['', 'a', 'b', 'aa', 'ab'].map((s) => keys.key(s)));
    const numbers = [-(2n ** 63n), -2n, -1n, 0n, 1n, 2n, 2n ** 63n - 1n].map((n) => keys.key('c', n));
    assert.deepEqual(sorted([...numbers].reverse()), numbers);
    assert.ok(keys.compare(keys.key('a'), keys.key('a', 0n)) < 0);
    assert.ok(keys.compare(keys.key('a', 9n), keys.key('b', -9n)) < 0);

    const range = keys.prefixRange(keys.key('a'));
    assert.deepEqual(range, { start: Uint8Array.of(0, 1, 0x61), stop: Uint8Array.of(0, 1, 0x62) });
    const inside = (k) => keys.compare(range.start, k) <= 0 && keys.compare(k, range.stop) < 0;
    for (const k of [keys.key('a'), keys.key('a', 0n), keys.key('a', 'x'), keys.key('a', 2n ** 63n - 1n)]) assert.ok(inside(k));
    for (const k of [keys.key('b'), keys.key('ab'), keys.key('')]) assert.ok(!inside(k));
    assert.deepEqual(keys.prefixRange(Uint8Array.of(0xff, 0xff, 0xff)).stop, new Uint8Array());
    assert.deepEqual(keys.prefixRange(new Uint8Array()), { start: new Uint8Array(), stop: new Uint8Array() });
    assert.deepEqual(keys.prefixRange(Uint8Array.of(1, 2, 0xff, 0xff)).stop, Uint8Array.of(1, 3));
  });
}
