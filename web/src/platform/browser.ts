/**
 * The page side in browsers: module Workers, roots in the Origin Private File System and job
 * locks as Web Locks (one per root and job id, held while the job is open, so one tab owns a
 * job at a time).
 * @module
 */
import { PersistencyError } from '../errors.js';
import { opfsDirectory, opfsError, opfsSegments } from './opfs.js';
import { jobFileNames, type JobLock, type JobWorker, type JobWorkerEvents, type LockRequest, type Platform } from './platform.js';

function lockName(root: string, jobId: string): string {
  return `sds-wasm:job:${JSON.stringify([root, jobId])}`;
}

function lock(root: string, jobId: string, request: LockRequest): Promise<JobLock> {
  if (typeof navigator === 'undefined' || navigator.locks === undefined) {
    return Promise.reject(new PersistencyError('Backend', 'the Web Locks API is not available'));
  }
  return new Promise((resolve, reject) => {
    let release = (): void => undefined;
    const held = new Promise<void>((done) => {
      release = done;
    });
    const options: LockOptions = request.wait ? (request.signal === undefined ? {} : { signal: request.signal }) : { ifAvailable: true };
    navigator.locks
      .request(lockName(root, jobId), options, (granted) => {
        if (granted === null) {
          reject(new PersistencyError('JobLocked', `job ${jobId} is open in another tab or worker`));
          return undefined;
        }
        resolve({ release });
        return held;
      })
      .catch((error: unknown) => {
        if (request.signal?.aborted) reject(request.signal.reason);
        else reject(new PersistencyError('Backend', `cannot lock job ${jobId}: ${String(error)}`, { cause: error }));
      });
  });
}

async function resolveRoot(root: string): Promise<string> {
  const segments = opfsSegments(root);
  // The walk stops at the first missing directory (made on open) and fails with
  // InvalidArgument when a file is in the way.
  await opfsDirectory(segments, false);
  return `/${segments.join('/')}`;
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;

async function compile(): Promise<WebAssembly.Module> {
  const url = new URL('../../wasm/dist/sds_core.wasm', import.meta.url);
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // Served without the application/wasm content type, say.
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

function compiledCore(): Promise<WebAssembly.Module | undefined> {
  compiled ??= compile().catch(() => undefined);
  return compiled;
}

function startWorker(events: JobWorkerEvents, workerUrl?: string | URL): JobWorker {
  const worker =
    workerUrl === undefined
      ? new Worker(new URL('../job-worker.js', import.meta.url), { type: 'module' })
      : new Worker(workerUrl, { type: 'module' });
  let stopped = false;
  const stop = (reason: string): void => {
    if (stopped) return;
    stopped = true;
    worker.terminate();
    events.onExit(new PersistencyError('Backend', `job worker stopped (${reason})`));
  };
  worker.addEventListener('message', (event: MessageEvent) => events.onMessage(event.data));
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    stop(event.message || 'the worker script failed to load');
  });
  worker.addEventListener('messageerror', () => stop('a message could not be read'));
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    terminate() {
      stopped = true;
      worker.terminate();
      return Promise.resolve();
    },
  };
}

async function fileSize(directory: FileSystemDirectoryHandle, name: string): Promise<number> {
  try {
    return (await (await directory.getFileHandle(name)).getFile()).size;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundError') return 0;
    throw opfsError(error, `cannot read ${name}`);
  }
}

async function jobFilesExist(root: string, jobId: string): Promise<boolean> {
  const directory = await opfsDirectory(opfsSegments(root), false);
  const [database = ''] = jobFileNames(jobId);
  return directory !== undefined && (await fileSize(directory, database)) > 0;
}

async function dropJobFiles(root: string, jobId: string): Promise<void> {
  const directory = await opfsDirectory(opfsSegments(root), false);
  if (directory === undefined) return;
  const held = await lock(root, jobId, { wait: false });
  try {
    for (const name of jobFileNames(jobId)) {
      await directory.removeEntry(name).catch((error: unknown) => {
        if (!(error instanceof Error && error.name === 'NotFoundError')) throw opfsError(error, `cannot delete ${name}`);
      });
    }
  } finally {
    held.release();
  }
}

function onPageHide(listener: () => void): () => void {
  if (typeof window === 'undefined') return () => undefined;
  window.addEventListener('pagehide', listener);
  return () => window.removeEventListener('pagehide', listener);
}

/** The browser implementation of {@link Platform}. */
export const browserPlatform: Platform = {
  resolveRoot,
  compiledCore,
  startWorker,
  lock,
  jobFilesExist,
  dropJobFiles,
  onPageHide,
};
