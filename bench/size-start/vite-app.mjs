// Tiny apps bundled by Vite 7 in build mode (no config but an es2022 target
// and ES module workers; minified and tree-shaken), against sds-wasm installed
// into the app's node_modules as `npm pack` would publish it.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'vite';
import { repoRoot } from '../../tests/browser/server.mjs';

/**
 * Fills `dir/node_modules`: links to the repository's packages, plus sds-wasm with
 * only the files package.json publishes, its build files taken from `built` (a snapshot root).
 */
export async function prepareNodeModules(dir, built) {
  const modules = path.join(dir, 'node_modules');
  await fs.mkdir(modules);
  for (const entry of await fs.readdir(path.join(repoRoot, 'node_modules'))) {
    if (entry.startsWith('.')) continue;
    await fs.symlink(path.join(repoRoot, 'node_modules', entry), path.join(modules, entry));
  }
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot });
  const [{ files }] = JSON.parse(stdout);
  for (const { path: file } of files) {
    const target = path.join(modules, 'sds-wasm', file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const snapshotted = path.join(built, file);
    await fs.copyFile(await fs.access(snapshotted).then(() => snapshotted, () => path.join(repoRoot, file)), target);
  }
}

/**
 * Builds the app `sources` ({ fileName: text }, with `main.js` as the entry) in
 * `dir/<name>` and resolves to its output directory `dir/<name>-dist`.
 */
export async function bundleApp(dir, name, sources) {
  const root = path.join(dir, name);
  await fs.mkdir(root);
  await fs.writeFile(path.join(root, 'index.html'), '<!doctype html><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>\n');
  for (const [file, text] of Object.entries(sources)) await fs.writeFile(path.join(root, file), text);
  const outDir = path.join(dir, `${name}-dist`);
  await build({
    root,
    configFile: false,
    logLevel: 'error',
    build: { outDir, emptyOutDir: true, target: 'es2022' },
    worker: { format: 'es' },
  });
  return outDir;
}
