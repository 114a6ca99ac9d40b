// Data written through the public API to OPFS survives a page reload and a
// browser relaunch on the same profile; jobs open side by side stay isolated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeout, useHarness } from './harness.mjs';

const lib = '/tests/browser/fixtures/page-lib.mjs';

const harness = useHarness();

// Page side: everything observable about job `id` under `root`, read through a fresh Persistency.
async function readBack({ lib, root, id }) {
  const { sds, bytes, text, textRows } = await import(lib);
  const persistency = await sds.Persistency.open(root);
  const hasJob = await persistency.hasJob(id);
  const job = await persistency.openJob(id);
  const result = {
    hasJob,
    all: textRows(await job.scan('fruit')),
    colors: textRows(await job.scan('color')),
    pear: text(await job.get('fruit', bytes('pear'))),
    missing: text(await job.get('fruit', bytes('kiwi'))),
    count: await job.count('fruit'),
  };
  await persistency.close();
  return result;
}

const expected = {
  hasJob: true,
  all: [['apple', 'red'], ['banana', 'yellow'], ['cherry', 'dark red'], ['pear', 'green']],
  colors: [['blue', 'sky'], ['green', 'grass']],
  pear: 'green',
  missing: undefined,
  count: 4,
};

test('put/get/scan on OPFS survive a reload and a browser relaunch', { timeout }, async () => {
  const root = 'persistence/reload';
  const page = await harness.open();
  const written = await page.run(async ({ lib, root }) => {
    const { sds, bytes, text, textRows } = await import(lib);
    const persistency = await sds.Persistency.open(root);
    const hadJob = await persistency.hasJob('main');
    const job = await persistency.openJob('main');
    for (const [key, payload] of [['pear', 'yellow'], ['apple', 'red'], ['cherry', 'dark red'], ['plum', 'purple']]) {
      job.put('fruit', bytes(key), bytes(payload));
    }
    job.batch([
      { op: 'put', category: 'fruit', key: bytes('banana'), payload: bytes('yellow') },
      { op: 'put', category: 'fruit', key: bytes('pear'), payload: bytes('green') },
      { op: 'delete', category: 'fruit', key: bytes('plum') },
      { op: 'put', category: 'color', key: bytes('green'), payload: bytes('grass') },
      { op: 'put', category: 'color', key: bytes('blue'), payload: bytes('sky') },
      { op: 'put', category: 'color', key: bytes('gray'), payload: bytes('cloud') },
    ]);
    job.deletePrefix('color', bytes('gr'));
    job.put('color', bytes('green'), bytes('grass'));
    // Reads are ordered after the writes issued before them, flushed or not.
    const beforeFlush = text(await job.get('fruit', bytes('pear')));
    await job.flush();
    return {
      hadJob,
      beforeFlush,
      range: textRows(await job.scan('fruit', { start: bytes('b'), stop: bytes('d') })),
      reverse: textRows(await job.scan('fruit', {}, { reverse: true, limit: 2 })),
      prefix: textRows(await job.scanPrefix('fruit', bytes('p'))),
      exists: [await job.exists('fruit', bytes('apple')), await job.exists('fruit', bytes('plum'))],
      count: await job.count('fruit', { stop: bytes('c') }),
    };
  }, { lib, root });
  assert.deepEqual(written, {
    hadJob: false,
    beforeFlush: 'green',
    range: [['banana', 'yellow'], ['cherry', 'dark red']],
    reverse: [['pear', 'green'], ['cherry', 'dark red']],
    prefix: [['pear', 'green']],
    exists: [true, false],
    count: 2,
  });

  // The job is still open when the page goes away: the reload itself must
  // release it, and the flushed data must be on OPFS.
  await page.reload();
  assert.deepEqual(await page.run(readBack, { lib, root, id: 'main' }), expected);
  assert.deepEqual(page.errors, []);
  await page.close();

  await harness.browser.relaunch();
  const relaunched = await harness.open();
  assert.deepEqual(await relaunched.run(readBack, { lib, root, id: 'main' }), expected);
  assert.deepEqual(relaunched.errors, []);
  await relaunched.close();
});

test('two jobs open in parallel stay isolated', { timeout }, async () => {
  const root = 'persistence/isolation';
  const page = await harness.open();
  const result = await page.run(async ({ lib, root }) => {
    const { sds, bytes, text, textRows } = await import(lib);
    const persistency = await sds.Persistency.open(root);
    const [left, right] = await Promise.all([persistency.openJob('left'), persistency.openJob('right')]);
    // Interleaved writes to the same categories and keys.
    for (let i = 0; i < 200; i++) {
      const key = bytes(`k${String(i).padStart(3, '0')}`);
      left.put('shared', key, bytes(`left ${i}`));
      right.put('shared', key, bytes(`right ${i}`));
    }
    left.deletePrefix('shared', bytes('k1'));
    right.put('only-right', bytes('x'), bytes('y'));
    await Promise.all([left.flush(), right.flush()]);
    const view = async (job) => ({
      count: await job.count('shared'),
      k150: text(await job.get('shared', bytes('k150'))),
      k042: text(await job.get('shared', bytes('k042'))),
      onlyRight: textRows(await job.scan('only-right')),
    });
    const open = { left: await view(left), right: await view(right) };
    await persistency.dropJob('left');
    const afterDrop = {
      hasLeft: await persistency.hasJob('left'),
      hasRight: await persistency.hasJob('right'),
      right: await view(right),
    };
    await persistency.closeJob('right');
    const reopened = await view(await persistency.openJob('right'));
    const recreated = await view(await persistency.openJob('left'));
    await persistency.close();
    return { open, afterDrop, reopened, recreated };
  }, { lib, root });

  const rightView = { count: 200, k150: 'right 150', k042: 'right 42', onlyRight: [['x', 'y']] };
  assert.deepEqual(result, {
    open: { left: { count: 100, k150: undefined, k042: 'left 42', onlyRight: [] }, right: rightView },
    afterDrop: { hasLeft: false, hasRight: true, right: rightView },
    reopened: rightView,
    recreated: { count: 0, k150: undefined, k042: undefined, onlyRight: [] },
  });
  assert.deepEqual(page.errors, []);
  await page.close();
});
