// A private copy of the builds a run uses (build/wasm/dist, build/web and the native benchmark),
// so that a rebuild while the benchmark runs (it takes a while) cannot mix two versions, e.g. a
// job worker loading a newer glue than the wasm module compiled earlier. Same relative layout as
// the repository, which the TypeScript build relies on (../wasm/dist/sds_core.mjs).
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Copies what exists of the three builds into a fresh directory under build/bench (not the
 * system temp directory, which other tools may clean while a long run goes on) and returns its paths:
 * `dist` (wasm), `webEntry` (the Node entry of `sds-wasm`), `nativeBinary` (null when not built)
 * and `remove()`.
 */
export async function snapshotBuilds(repo) {
  await mkdir(path.join(repo, 'build/bench'), { recursive: true });
  const dir = await mkdtemp(path.join(repo, 'build/bench/sds-snapshot-'));
  const copy = async (relative) => {
    const from = path.join(repo, relative);
    if (!existsSync(from)) return null;
    const to = path.join(dir, relative);
    await cp(from, to, { recursive: true });
    return to;
  };
  const dist = await copy('build/wasm/dist');
  const web = await copy('build/web');
  const nativeBinary = await copy('build/native/bench/sds_native_bench');
  if (!dist || !web) throw new Error('build/wasm/dist or build/web is missing: bash scripts/build.sh');
  return {
    dist,
    webEntry: path.join(web, 'index.node.js'),
    nativeBinary,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
