/**
 * `sds-wasm` for Node ≥ 20: per-job SQLite key-value stores in a directory on disk, one
 * `worker_threads` worker per job. Same API as the browser entry.
 * @module
 */
import { installPlatform } from './persistency.js';
import { nodePlatform } from './platform/node.js';

installPlatform(nodePlatform);

export * from './api.js';
