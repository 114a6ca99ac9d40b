// `native`: the same engine, native: build/native/bench/sds_native_bench in its `peer` mode, which
// runs this workload (same payload generator, content-addressed ids, all wraps then all unwraps,
// nobody acknowledges, log and outgoing buffer holding all N) in a forked child of its own.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs one case; heapMB is the child's peak RSS (after the wrap phase for wrap). */
export async function runNative({ binary, history, dialect, n }) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sds-bench-native-'));
  try {
    const json = path.join(dir, 'native.json');
    await run(binary, ['--modes', 'peer', '--configs', String(history), '--dialect', dialect, '--n', String(n), '--json', json], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const record = JSON.parse(await readFile(json, 'utf8'));
    const [result] = record.runs;
    if (!result?.ok) throw new Error(`sds_native_bench failed: ${result?.error ?? 'no run'}`);
    const phase = (name, rssKb) => {
      const p = result.phases.find((candidate) => candidate.phase === name);
      return {
        count: p.count,
        window: p.windowSize,
        overall: p.opsPerSec,
        first1k: p.firstWindowOpsPerSec,
        last1k: p.lastWindowOpsPerSec,
        wireBytes: p.wireBytesMean,
        seconds: p.totalMs / 1000,
        heapMB: rssKb / 1024,
        p50Us: p.p50Us,
        firstP50Us: p.firstWindowP50Us,
        lastP50Us: p.lastWindowP50Us,
        p99Us: p.p99Us,
      };
    };
    return {
      wrap: phase('wrap', result.wrapPeakRssKb),
      unwrap: phase('unwrap', result.peakRssKb),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
