// A private copy of the built package for one benchmark run, served by the
// test server like the repository itself. The build may be rebuilt while a
// run takes minutes; measuring a copy keeps every system and repetition on the
// same build, and never on a half-written or broken one.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BrowserSession } from '../../tests/browser/chromium.mjs';
import { harnessPath, packageImportMap } from '../../tests/browser/harness.mjs';
import { repoRoot, startServer } from '../../tests/browser/server.mjs';

const copied = ['package.json', 'build/web', 'build/wasm/dist', 'bench/kv-browser', 'bench/size-start'];
const watched = ['build/web', 'build/wasm/dist'];
const quietMs = 10_000;

async function newestChange(dir) {
  let newest = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestChange(file) : (await fs.stat(file)).mtimeMs);
  }
  return newest;
}

// A build directory that is missing or changes while it is listed is being rebuilt: now.
const newestBuildChange = async () =>
  Math.max(...(await Promise.all(watched.map((dir) => newestChange(path.join(repoRoot, dir)).catch(() => Date.now())))));
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Waits until no built file changed for `quietMs` and the newest change is
// later than `after`. Returns the newest change.
async function waitForQuietBuild(after, deadline) {
  for (let first = true; Date.now() < deadline; first = false) {
    const newest = await newestBuildChange();
    if (newest > after && Date.now() - newest > quietMs) return newest;
    if (first) console.error('waiting for a settled build ...');
    await pause(2000);
  }
  throw new Error('no working build settled within 20 minutes');
}

// A job opened, written and read in Node from the copy: a half-built or broken
// package fails here instead of in the middle of a measurement.
async function smokeTest(root) {
  const script = path.join(root, 'bench/smoke.mjs');
  await fs.writeFile(script, `import { Persistency } from 'sds-wasm';
const persistency = await Persistency.open(':memory:');
const job = await persistency.openJob('smoke');
job.put('c', new Uint8Array([1]), new Uint8Array([2]));
if ((await job.get('c', new Uint8Array([1])))?.[0] !== 2) throw new Error('read back the wrong value');
await persistency.close();
`);
  try {
    await promisify(execFile)(process.execPath, [script], { cwd: root, timeout: 60_000 });
    return undefined;
  } catch (error) {
    return String(error.stderr || error.message).split('\n').find((line) => /^\w*Error\b/.test(line)) ?? 'failed';
  } finally {
    await fs.rm(script);
  }
}

/**
 * Copies the package build (and these benchmarks) into a temporary root, with
 * node_modules linked, once the build has settled and works (waiting up to 20
 * minutes for a rebuild when it does not). Resolves to { root, build, dispose() };
 * `build` describes the wasm.
 */
export async function snapshotBuild() {
  const deadline = Date.now() + 20 * 60_000;
  for (let after = 0; ;) {
    after = await waitForQuietBuild(after, deadline);
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sds-bench-build-'));
    let failure;
    try {
      for (const item of copied) {
        await fs.cp(path.join(repoRoot, item), path.join(root, item), { recursive: true, preserveTimestamps: true });
      }
      await fs.symlink(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
      failure = await smokeTest(root);
    } catch (error) {
      failure = `copy failed: ${error.message}`;
    }
    if (failure === undefined) {
      const wasm = await fs.stat(path.join(root, 'build/wasm/dist/sds_core.wasm'));
      // Also removed when the run fails and exits early.
      process.once('exit', () => rmSync(root, { recursive: true, force: true }));
      return {
        root,
        build: `sds_core.wasm ${wasm.size.toLocaleString('en')} bytes, built ${new Date(wasm.mtimeMs).toISOString()}`,
        dispose: () => fs.rm(root, { recursive: true, force: true }),
      };
    }
    console.error(`the current build does not work (${failure}); waiting for the next one`);
    await fs.rm(root, { recursive: true, force: true });
  }
}

/** The test harness (page with the package import map + Chromium on a fresh profile) over `root`. */
export async function startSnapshotHarness(root) {
  const page = `<!doctype html>
<meta charset="utf-8">
<title>sds-wasm benchmark</title>
<link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify(packageImportMap())}</script>
`;
  const server = await startServer({ root, pages: { [harnessPath]: page } });
  const browser = await BrowserSession.launch();
  return {
    server,
    browser,
    open: () => browser.open(server.url(harnessPath)),
    close: async () => {
      await browser.dispose();
      await server.close();
    },
  };
}
