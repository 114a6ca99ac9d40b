/**
 * The page side in Node: job workers on `worker_threads`, roots on disk and job locks.
 *
 * Locking has two layers. Inside the process a job has one owner (a map of held locks with a
 * queue of waiters). Across processes the owner creates `<id>.db-lock` in the root with
 * exclusive-create, holding its pid; a lock file whose process is gone is taken over. Waiting
 * for another process polls that file. Processes that do not use this package (a native
 * program on the same root, say) are not excluded.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PersistencyError } from '../errors.js';
import { fileSystemError } from './node-files.js';
import { jobFileNames, type JobLock, type JobWorker, type JobWorkerEvents, type LockRequest, type Platform } from './platform.js';

const lockPollMs = 50;

function aborted(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal === undefined ? undefined : aborted(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Owners inside this process: a held lock maps to the queue of its waiters. */
const heldInProcess = new Map<string, (() => void)[]>();

function acquireInProcess(name: string, request: LockRequest, jobId: string): Promise<void> {
  const waiters = heldInProcess.get(name);
  if (waiters === undefined) {
    heldInProcess.set(name, []);
    return Promise.resolve();
  }
  if (!request.wait) {
    return Promise.reject(new PersistencyError('JobLocked', `job ${jobId} is open elsewhere in this process`));
  }
  const { signal } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(aborted(signal));
      return;
    }
    const onAbort = (): void => {
      const index = waiters.indexOf(wake);
      if (index >= 0) waiters.splice(index, 1);
      reject(signal === undefined ? undefined : aborted(signal));
    };
    const wake = (): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    waiters.push(wake);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// Hands the lock to the next waiter, or frees it.
function releaseInProcess(name: string): void {
  const next = heldInProcess.get(name)?.shift();
  if (next === undefined) heldInProcess.delete(name);
  else next();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

function lockOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function acquireLockFile(file: string, request: LockRequest, jobId: string): Promise<void> {
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') throw fileSystemError(error, `cannot lock job ${jobId}`);
    }
    const owner = lockOwner(file);
    // This process holds the in-process lock, so a file naming it is left over from before.
    if (owner === undefined || owner === process.pid || !processAlive(owner)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!request.wait) throw new PersistencyError('JobLocked', `job ${jobId} is open in process ${owner}`);
    await delay(lockPollMs, request.signal);
  }
}

async function lock(root: string, jobId: string, request: LockRequest): Promise<JobLock> {
  const name = JSON.stringify([root, jobId]);
  await acquireInProcess(name, request, jobId);
  const file = path.join(root, `${jobId}.db-lock`);
  try {
    await fs.promises.mkdir(root, { recursive: true }).catch((error: unknown) => {
      throw fileSystemError(error, `cannot create root ${root}`);
    });
    await acquireLockFile(file, request, jobId);
  } catch (error) {
    releaseInProcess(name);
    throw error;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      fs.rmSync(file, { force: true });
      releaseInProcess(name);
    },
  };
}

async function resolveRoot(root: string): Promise<string> {
  if (root.length === 0) throw new PersistencyError('InvalidArgument', 'root directory is empty');
  const resolved = path.resolve(root);
  // The root itself, or else its nearest existing ancestor, must be a directory.
  for (let probe = resolved; ; probe = path.dirname(probe)) {
    const stat = await fs.promises.stat(probe).catch(() => undefined);
    if (stat !== undefined) {
      if (stat.isDirectory()) return resolved;
      const what = probe === resolved ? 'root is not a directory' : 'an ancestor of the root is not a directory';
      throw new PersistencyError('InvalidArgument', `${what}: ${probe}`);
    }
    if (path.dirname(probe) === probe) return resolved;
  }
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;

function compiledCore(): Promise<WebAssembly.Module | undefined> {
  compiled ??= fs.promises
    .readFile(new URL('../../wasm/dist/sds_core.wasm', import.meta.url))
    .then((bytes) => WebAssembly.compile(new Uint8Array(bytes)))
    .catch(() => undefined);
  return compiled;
}

function startWorker(events: JobWorkerEvents, workerUrl?: string | URL): JobWorker {
  const worker = new Worker(workerUrl ?? new URL('../node-job-worker.js', import.meta.url), {
    // Workers inherit the process's flags; --input-type (node -e scripts) stops a worker file loading.
    execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')),
  });
  let stopping = false;
  let failure: Error | undefined;
  worker.on('message', (message) => events.onMessage(message));
  worker.on('error', (error: Error) => {
    failure = error;
  });
  worker.on('exit', (code) => {
    if (stopping) return;
    const why = failure === undefined ? `exit code ${code}` : `${failure.name}: ${failure.message}`;
    events.onExit(new PersistencyError('Backend', `job worker stopped (${why})`, { cause: failure }));
  });
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    async terminate() {
      stopping = true;
      await worker.terminate();
    },
  };
}

async function jobFilesExist(root: string, jobId: string): Promise<boolean> {
  const [database = ''] = jobFileNames(jobId);
  const stat = await fs.promises.stat(path.join(root, database)).catch(() => undefined);
  return stat !== undefined && stat.size > 0;
}

async function dropJobFiles(root: string, jobId: string): Promise<void> {
  if (!fs.existsSync(root)) return;
  const held = await lock(root, jobId, { wait: false });
  try {
    // `-shm` is written by native SQLite on the same root.
    for (const name of [...jobFileNames(jobId), `${jobId}.db-shm`]) {
      await fs.promises.rm(path.join(root, name), { force: true }).catch((error: unknown) => {
        throw fileSystemError(error, `cannot delete ${name}`);
      });
    }
  } finally {
    held.release();
  }
}

/** The Node implementation of {@link Platform}. */
export const nodePlatform: Platform = {
  resolveRoot,
  compiledCore,
  startWorker,
  lock,
  jobFilesExist,
  dropJobFiles,
  onPageHide: () => () => undefined,
};
