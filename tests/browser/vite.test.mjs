// The package used the way an app uses it: installed (the files `npm pack`
// would publish) into an app's node_modules, imported as 'sds-wasm', bundled
// by Vite with no configuration, served statically, run in Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build, createLogger } from 'vite';
import { BrowserSession } from './chromium.mjs';
import { packageBuilt, timeout } from './harness.mjs';
import { repoRoot, startServer } from './server.mjs';

let workDir;
let server;
let browser;
// What Vite warned about while bundling (reported, not failed on: the build works).
const buildWarnings = [];

// Copies the files `npm pack` would publish into `target`, as an install would.
async function installPackage(target) {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
  });
  const [{ files }] = JSON.parse(stdout);
  for (const { path: file } of files) {
    await fs.mkdir(path.join(target, path.dirname(file)), { recursive: true });
    await fs.copyFile(path.join(repoRoot, file), path.join(target, file));
  }
  return files.length;
}

before(async () => {
  assert.ok(packageBuilt(), 'the package is not built: run `bash scripts/build.sh`');
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sds-wasm-vite-'));
  await installPackage(path.join(workDir, 'node_modules/sds-wasm'));
  await fs.cp(path.join(repoRoot, 'tests/browser/vite-app'), path.join(workDir, 'app'), { recursive: true });
  const logger = createLogger('warn');
  logger.warn = (message) => buildWarnings.push(message);
  logger.warnOnce = logger.warn;
  await build({
    root: path.join(workDir, 'app'),
    configFile: false,
    logLevel: 'warn',
    customLogger: logger,
    build: { outDir: path.join(workDir, 'dist'), emptyOutDir: true },
  });
  server = await startServer({ root: path.join(workDir, 'dist') });
  browser = await BrowserSession.launch();
}, { timeout });
after(async () => {
  await browser?.dispose();
  await server?.close();
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
});

test('a Vite-built page opens a job and reads back what it wrote, across reloads', { timeout }, async (t) => {
  for (const warning of buildWarnings) t.diagnostic(`vite build warning: ${warning}`);
  const page = await browser.open(server.url('/index.html'));
  await page.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  assert.deepEqual(await page.run(() => window.saveAndLoad('vite', 'notes', 'hello')), {
    previous: undefined, current: 'hello', count: 1,
  });
  await page.reload();
  await page.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  assert.deepEqual(await page.run(() => window.saveAndLoad('vite', 'notes', 'again')), {
    previous: 'hello', current: 'again', count: 1,
  });
  assert.deepEqual(page.errors, []);
  await page.close();
});
