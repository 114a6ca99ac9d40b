/**
 * `sds-wasm` for browsers: per-job SQLite key-value stores on OPFS, one module Worker per job.
 * @module
 */
import { installPlatform } from './persistency.js';
import { browserPlatform } from './platform/browser.js';

installPlatform(browserPlatform);

export * from './api.js';
