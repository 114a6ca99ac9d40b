/**
 * What the page side of the API needs from its environment (browser or Node): job workers,
 * job locks, root validation and the job files outside a worker.
 * @module
 */
import type { PersistencyError } from '../errors.js';
import type { JobRequest, JobResponse } from '../protocol.js';

/** Callbacks from a running job worker. */
export interface JobWorkerEvents {
  /** A message from the worker. */
  onMessage(message: JobResponse): void;
  /** The worker stopped on its own (crash, load failure); not called after `terminate`. */
  onExit(reason: PersistencyError): void;
}

/** A started job worker. */
export interface JobWorker {
  /** Sends a request: its byte arrays are copied, except those whose buffers are in `transfer`, which move. */
  post(request: JobRequest, transfer: ArrayBuffer[]): void;
  /** Stops the worker at once; resolves when it is gone. */
  terminate(): Promise<void>;
}

/** An acquired job lock. */
export interface JobLock {
  /** Gives the lock up; later calls do nothing. */
  release(): void;
}

/** How to acquire a job lock. */
export interface LockRequest {
  /** Wait for the current owner to let go instead of failing with `JobLocked`. */
  readonly wait: boolean;
  /** Aborts a wait; the acquisition then rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/** One environment's implementation of the page side. */
export interface Platform {
  /** Validates `root` (never `:memory:`) and returns its canonical form; `InvalidArgument` if unusable. */
  resolveRoot(root: string): Promise<string>;
  /**
   * The wasm module compiled once for every job worker of this page or process, or `undefined`
   * when it cannot be loaded here (each worker then loads it itself).
   */
  compiledCore(): Promise<WebAssembly.Module | undefined>;
  /** Starts a job worker; `workerUrl` replaces the packaged worker script. */
  startWorker(events: JobWorkerEvents, workerUrl?: string | URL): JobWorker;
  /** Acquires the lock of job `jobId` in `root`; `JobLocked` when another owner has it and `wait` is false. */
  lock(root: string, jobId: string, request: LockRequest): Promise<JobLock>;
  /** Whether the job's database file exists and is not empty. */
  jobFilesExist(root: string, jobId: string): Promise<boolean>;
  /**
   * Deletes the job's files under the job lock (`JobLocked` when another owner has the job
   * open); missing files and a missing root are not an error.
   */
  dropJobFiles(root: string, jobId: string): Promise<void>;
  /** Calls `listener` when the page is hidden for good or put in the back/forward cache; returns the unsubscribe function. */
  onPageHide(listener: () => void): () => void;
}

/** The file names of job `jobId` in its root: the database, its rollback journal and its WAL. */
export function jobFileNames(jobId: string): string[] {
  const database = `${jobId}.db`;
  return [database, `${database}-journal`, `${database}-wal`];
}
