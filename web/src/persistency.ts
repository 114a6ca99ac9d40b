/**
 * {@link Persistency}: a root of jobs (an OPFS directory, a directory on disk, or `:memory:`).
 * @module
 */
import { asyncDispose } from './dispose.js';
import { PersistencyError } from './errors.js';
import { Job } from './job.js';
import { checkJobId } from './job-id.js';
import type { JobLock, Platform } from './platform/platform.js';
import { inMemoryRoot } from './protocol.js';
import { journalModes, type StoreSettings } from './store-types.js';

/** Options of {@link Persistency.open}. */
export interface PersistencyOptions {
  /** SQLite settings for the jobs' databases. */
  readonly store?: StoreSettings;
  /**
   * The job worker script to start instead of the packaged one (`sds-wasm/worker`), for
   * bundlers that need an explicit URL.
   */
  readonly workerUrl?: string | URL;
}

/** Options of {@link Persistency.openJob}. */
export interface OpenJobOptions {
  /** When another tab, worker or process owns the job, wait for it instead of failing with `JobLocked`. */
  readonly waitForLock?: boolean;
  /** Aborts the wait for the lock; `openJob` then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

const noLock: JobLock = { release: () => undefined };

let installedPlatform: Platform | undefined;

/**
 * Selects the environment {@link Persistency.open} works in; each package entry installs its own.
 * @internal
 */
export function installPlatform(platform: Platform): void {
  installedPlatform = platform;
}

function invalid(message: string): PersistencyError {
  return new PersistencyError('InvalidArgument', message);
}

function checkStoreSettings(store: unknown): StoreSettings {
  if (store === undefined) return {};
  if (typeof store !== 'object' || store === null) throw invalid('store options must be an object');
  const { journalMode, synchronousFull, pageSize, cacheSizeKib } = store as StoreSettings;
  if (journalMode !== undefined && !journalModes.includes(journalMode)) {
    throw invalid(`journalMode must be one of ${journalModes.join(', ')}`);
  }
  if (synchronousFull !== undefined && typeof synchronousFull !== 'boolean') throw invalid('synchronousFull must be a boolean');
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0)) {
    throw invalid('pageSize must be a power of two from 512 to 65536');
  }
  if (cacheSizeKib !== undefined && !(Number.isInteger(cacheSizeKib) && cacheSizeKib > 0)) {
    throw invalid('cacheSizeKib must be a positive integer');
  }
  return {
    ...(journalMode === undefined ? {} : { journalMode }),
    ...(synchronousFull === undefined ? {} : { synchronousFull }),
    ...(pageSize === undefined ? {} : { pageSize }),
    ...(cacheSizeKib === undefined ? {} : { cacheSizeKib }),
  };
}

function checkOpenJobOptions(options: unknown): OpenJobOptions {
  if (typeof options !== 'object' || options === null) throw invalid('openJob options must be an object');
  const { waitForLock, signal } = options as OpenJobOptions;
  if (waitForLock !== undefined && typeof waitForLock !== 'boolean') throw invalid('waitForLock must be a boolean');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid('signal must be an AbortSignal');
  return options as OpenJobOptions;
}

/**
 * A root of jobs. Each open {@link Job} has its own worker, its own database `<id>.db` in the
 * root and a lock that makes it the job's only owner (across tabs in a browser, across
 * processes in Node). `:memory:` gives every job a private in-memory database.
 */
export class Persistency {
  /** The root: `:memory:`, the OPFS path (`/a/b`) or the absolute directory (Node). */
  readonly root: string;
  readonly #platform: Platform;
  readonly #store: StoreSettings;
  readonly #workerUrl: string | URL | undefined;
  // Every job being opened, open or closing, by id.
  readonly #jobs = new Map<string, Promise<Job>>();
  readonly #open = new Map<string, Job>();
  readonly #stopWatchingPageHide: () => void;
  // Aborted by close(), so that openJob calls waiting for a lock give up.
  readonly #closeSignal = new AbortController();
  #closing: Promise<void> | undefined;

  private constructor(platform: Platform, root: string, store: StoreSettings, workerUrl: string | URL | undefined) {
    this.#platform = platform;
    this.root = root;
    this.#store = store;
    this.#workerUrl = workerUrl;
    // A hidden page may never come back: release the job files and locks for other tabs.
    this.#stopWatchingPageHide = platform.onPageHide(() => {
      for (const job of this.#open.values()) job.close().catch(() => undefined);
    });
  }

  /**
   * Opens a root. It is validated (`InvalidArgument` when it contains a NUL character, or when
   * it or its nearest existing ancestor is not a directory) but not created: that happens when the first job opens.
   */
  static async open(root: string, options: PersistencyOptions = {}): Promise<Persistency> {
    const platform = installedPlatform;
    if (platform === undefined) throw new PersistencyError('Backend', 'no platform installed');
    if (typeof root !== 'string') throw invalid('root must be a string');
    if (root.includes('\0')) throw invalid('root must not contain a NUL character');
    if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
    const store = checkStoreSettings(options.store);
    // The first job will need the compiled module: compiling starts now, next to the root's checks.
    void platform.compiledCore();
    const canonical = root === inMemoryRoot ? root : await platform.resolveRoot(root);
    return new Persistency(platform, canonical, store, options.workerUrl);
  }

  /** True once {@link Persistency.close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Opens job `id`, creating its database if needed, or returns the job already open under that
   * id (the same object, whatever the options). Rejects with `InvalidArgument` for a bad id,
   * `JobLocked` when another owner has the job (unless `waitForLock`), `Closed` after
   * {@link Persistency.close}.
   */
  async openJob(id: string, options: OpenJobOptions = {}): Promise<Job> {
    this.#ensureOpen();
    checkJobId(id);
    checkOpenJobOptions(options);
    for (let known = this.#jobs.get(id); known !== undefined; known = this.#jobs.get(id)) {
      const job = await known;
      if (!job.closed) return job;
      // It is closing: wait until it is gone, then open it again.
      await job.close().catch(() => undefined);
      this.#ensureOpen();
    }
    const opening = this.#start(id, options);
    this.#jobs.set(id, opening);
    opening.catch(() => {
      if (this.#jobs.get(id) === opening) this.#jobs.delete(id);
    });
    return opening;
  }

  /** The open job `id`; throws `JobNotFound` when it is not open. */
  job(id: string): Job {
    const job = this.#open.get(id);
    if (job === undefined || job.closed) throw new PersistencyError('JobNotFound', `no open job with id: ${String(id)}`);
    return job;
  }

  /** Whether job `id` is open or has a non-empty database file in the root. */
  async hasJob(id: string): Promise<boolean> {
    this.#ensureOpen();
    checkJobId(id);
    if (this.#open.get(id)?.closed === false) return true;
    if (this.root === inMemoryRoot) return false;
    return this.#platform.jobFilesExist(this.root, id);
  }

  /** Closes job `id` if it is open (see {@link Job.close}); does nothing otherwise. */
  async closeJob(id: string): Promise<void> {
    checkJobId(id);
    const job = await this.#jobs.get(id)?.catch(() => undefined);
    await job?.close();
  }

  /**
   * Closes job `id` (dropping its unflushed write errors) and deletes its files. Rejects with
   * `JobLocked` when another owner has the job open.
   */
  async dropJob(id: string): Promise<void> {
    this.#ensureOpen();
    checkJobId(id);
    // The data is deleted next, so write errors no longer matter.
    await this.closeJob(id).catch(() => undefined);
    if (this.root !== inMemoryRoot) await this.#platform.dropJobFiles(this.root, id);
  }

  /**
   * Closes every job; later calls other than `closeJob` and `close` fail with `Closed`.
   * Rejects with the first error of a job's close after closing them all. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closeSignal.abort(new PersistencyError('Closed', 'persistency is closed'));
      this.#closing = this.#closeAll();
    }
    return this.#closing;
  }

  /** Same as {@link Persistency.close}, for `await using`. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  #ensureOpen(): void {
    if (this.#closing !== undefined) throw new PersistencyError('Closed', 'persistency is closed');
  }

  async #start(id: string, options: OpenJobOptions): Promise<Job> {
    const lock = this.root === inMemoryRoot ? noLock : await this.#lock(id, options);
    let job: Job;
    try {
      job = await Job.start({
        platform: this.#platform,
        root: this.root,
        id,
        store: this.#store,
        lock,
        workerUrl: this.#workerUrl,
        onEnded: (ended) => this.#forget(ended),
      });
    } catch (error) {
      lock.release();
      throw error;
    }
    if (this.#closing !== undefined) {
      await job.close().catch(() => undefined);
      throw new PersistencyError('Closed', 'persistency is closed');
    }
    this.#open.set(id, job);
    return job;
  }

  // Acquires the job lock; a wait ends when the caller's signal aborts or this closes.
  async #lock(id: string, options: OpenJobOptions): Promise<JobLock> {
    const wait = options.waitForLock ?? false;
    if (!wait) return this.#platform.lock(this.root, id, { wait });
    const giveUp = new AbortController();
    const sources = [this.#closeSignal.signal, ...(options.signal === undefined ? [] : [options.signal])];
    const forward = (event: Event): void => giveUp.abort((event.target as AbortSignal).reason);
    for (const source of sources) {
      if (source.aborted) giveUp.abort(source.reason);
      else source.addEventListener('abort', forward, { once: true });
    }
    try {
      return await this.#platform.lock(this.root, id, { wait, signal: giveUp.signal });
    } finally {
      for (const source of sources) source.removeEventListener('abort', forward);
    }
  }

  #forget(job: Job): void {
    if (this.#open.get(job.id) !== job) return;
    this.#open.delete(job.id);
    this.#jobs.delete(job.id);
  }

  async #closeAll(): Promise<void> {
    this.#stopWatchingPageHide();
    const closes = [...this.#jobs.values()].map((opening) => opening.then((job) => job.close(), () => undefined));
    const failure = (await Promise.allSettled(closes)).find((result) => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }
}
