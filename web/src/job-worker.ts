/**
 * The job worker for browsers (a module Worker): one job per worker, its files held as OPFS
 * sync access handles. Started by the browser platform as
 * `new Worker(new URL('./job-worker.js', import.meta.url), { type: 'module' })`.
 * @module
 */
import { openOpfsFiles } from './platform/opfs.js';
import type { JobRequest, JobResponse } from './protocol.js';
import { serveJob } from './worker-core.js';

/** The parts of a dedicated worker's global scope used here. */
interface WorkerScope {
  postMessage(message: JobResponse, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<JobRequest>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const receive = serveJob(
  {
    post: (message, transfer) => scope.postMessage(message, transfer),
    scheduleDrain: (task) => setTimeout(task, 0),
  },
  { openFiles: openOpfsFiles },
);
scope.addEventListener('message', (event) => receive(event.data));
