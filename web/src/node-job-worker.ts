/**
 * The job worker for Node (a `worker_threads` worker): one job per worker, its files on disk.
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { openNodeFiles } from './platform/node-files.js';
import type { JobRequest } from './protocol.js';
import { serveJob } from './worker-core.js';

const port = parentPort;
if (port === null) throw new Error('node-job-worker must run in a worker thread');
const receive = serveJob(
  {
    post: (message, transfer) => port.postMessage(message, transfer),
    scheduleDrain: (task) => setImmediate(task),
  },
  { openFiles: openNodeFiles },
);
port.on('message', (request: JobRequest) => receive(request));
