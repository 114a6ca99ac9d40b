// Shared set-up for the browser tests: the repository served on localhost
// with a harness page whose import map resolves 'sds-wasm' (and its subpath
// exports) the way package.json "exports" says, and a Chromium session.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { BrowserSession } from './chromium.mjs';
import { repoRoot, startServer } from './server.mjs';

/** Path of the page every test opens. */
export const harnessPath = '/tests/browser/harness.html';

const browserConditions = ['browser', 'import', 'module', 'default'];

// Picks the target a browser bundler would pick from one "exports" value.
function resolveExportTarget(target) {
  if (typeof target === 'string') return target;
  if (target === null || typeof target !== 'object') return undefined;
  if (Array.isArray(target)) return target.map(resolveExportTarget).find(Boolean);
  for (const condition of browserConditions) {
    const resolved = resolveExportTarget(target[condition]);
    if (resolved) return resolved;
  }
  return undefined;
}

/** The import map for the package as published from the repository root. */
export function packageImportMap() {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const exportsField =
    typeof pkg.exports === 'object' && pkg.exports !== null && !Array.isArray(pkg.exports) &&
    Object.keys(pkg.exports).every((k) => k.startsWith('.'))
      ? pkg.exports
      : { '.': pkg.exports };
  const imports = {};
  for (const [subpath, target] of Object.entries(exportsField)) {
    const file = resolveExportTarget(target);
    if (!file || subpath.includes('*')) continue;
    imports[pkg.name + subpath.slice(1)] = `/${path.posix.normalize(file)}`;
  }
  return { imports };
}

function harnessPage() {
  return `<!doctype html>
<meta charset="utf-8">
<title>sds-wasm browser tests</title>
<link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify(packageImportMap())}</script>
`;
}

/**
 * Starts the server and a browser. Returns { server, browser, open(), close() };
 * `open()` opens a new harness page (a new tab in the same browser).
 */
export async function startHarness({ userDataDir } = {}) {
  const server = await startServer({ pages: { [harnessPath]: harnessPage() } });
  const browser = await BrowserSession.launch(userDataDir);
  return {
    server,
    browser,
    open: (pathname = harnessPath) => browser.open(server.url(pathname)),
    close: async () => {
      await browser.dispose();
      await server.close();
    },
  };
}

/**
 * Registers the suite's set-up and tear-down: checks that the package is built, then starts
 * the harness before the first test and closes it after the last. Returns the harness object,
 * filled in once the set-up has run.
 */
export function useHarness() {
  const harness = {};
  before(async () => {
    assert.ok(packageBuilt(), 'the package is not built: run `bash scripts/build.sh`');
    Object.assign(harness, await startHarness());
  }, { timeout });
  after(async () => {
    await harness.close?.();
  });
  return harness;
}

/** True when the package entry points listed in package.json "exports" are built. */
export function packageBuilt() {
  const { imports } = packageImportMap();
  const entries = Object.values(imports);
  return entries.length > 0 && entries.every((file) => fs.existsSync(path.join(repoRoot, file)));
}

/** Per-test time limit: a hang fails the test instead of stalling the suite. */
export const timeout = 120_000;
