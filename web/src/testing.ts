/**
 * Test hooks (`sds-wasm/testing`); not part of the main entry.
 * @module
 */
import { crashJobWorker } from './job.js';
import type { Job } from './job.js';

/**
 * Kills `job`'s worker abruptly (`worker.terminate()`), as a crash would: writes not yet
 * committed are lost (a batch entirely), outstanding requests reject with `Backend`, the job
 * ends and its lock is released. The {@link Persistency} stays usable and can open the job
 * again. Resolves once the worker is gone.
 */
export function terminateJobWorker(job: Job): Promise<void> {
  return crashJobWorker(job);
}
