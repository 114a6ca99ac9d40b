// The API cases shared with Node (tests/web/api-cases.mjs) run unchanged in
// a Chromium page, against the package served straight from the repository
// (no bundler: the page's import map resolves 'sds-wasm'), on OPFS roots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { defineApiCases } from '../web/api-cases.mjs';
import { packageBuilt, startHarness, timeout } from './harness.mjs';

// Page side: runs the case called `name` (or, without a name, lists the cases).
async function runApiCase(name) {
  const [{ defineApiCases }, { assert }, api, testing] = await Promise.all([
    import('/tests/web/api-cases.mjs'),
    import('/tests/browser/fixtures/page-assert.mjs'),
    import('sds-wasm'),
    import('sds-wasm/testing'),
  ]);
  const cases = new Map();
  defineApiCases({
    test: (caseName, fn) => cases.set(caseName, fn),
    assert,
    api,
    testing,
    newRoot: () => `api-cases/${crypto.randomUUID()}`,
  });
  if (name === undefined) return [...cases.keys()];
  await cases.get(name)();
  return name;
}

// The case names, read in Node: defining the cases only registers them.
const names = [];
defineApiCases({ test: (name) => names.push(name), assert, api: {}, testing: {}, newRoot: () => '' });

let harness;
let page;
before(async () => {
  assert.ok(packageBuilt(), 'the package is not built: run `bash scripts/build.sh`');
  harness = await startHarness();
  page = await harness.open();
}, { timeout });
after(async () => {
  await harness?.close();
});

test('the page sees the same cases as Node', { timeout }, async () => {
  assert.ok(names.length > 0);
  assert.deepEqual(await page.run(runApiCase), names);
});

for (const name of names) {
  test(name, { timeout }, async () => {
    page.errors.length = 0;
    assert.equal(await page.run(runApiCase, name), name);
    assert.deepEqual(page.errors, []);
  });
}
