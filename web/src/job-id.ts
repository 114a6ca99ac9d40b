/**
 * Job id validation on the page side, before any worker exists. It applies the rules of the
 * C++ `ValidateJobId` (src/persistency/job_id.cc). The job worker checks the id again with these
 * rules before it opens the job's files, and with the wasm `validateJobId` before SQLite opens
 * them; a test keeps the two rule sets in agreement.
 * @module
 */
import { PersistencyError } from './errors.js';

/** The longest job id, in UTF-8 bytes. */
export const maxJobIdLength = 128;

const utf8 = new TextEncoder();

function problemWith(id: string): string | undefined {
  if (id.length === 0) return 'empty';
  if (utf8.encode(id).length > maxJobIdLength) return 'longer than 128 bytes';
  if (id === '.' || id.includes('..')) return 'dot path';
  for (const char of id) {
    const code = char.charCodeAt(0);
    if (char === '/' || char === '\\') return 'path separator';
    if (code < 0x20 || code === 0x7f) return 'control character';
  }
  return undefined;
}

/**
 * Throws `InvalidArgument` unless `id` is a usable job id: 1–128 UTF-8 bytes, no `/` or `\`,
 * no `..`, not `.`, no control characters. Ids become file names (`<id>.db`) in the root.
 */
export function checkJobId(id: unknown): asserts id is string {
  if (typeof id !== 'string') throw new PersistencyError('InvalidArgument', 'job id must be a string');
  const problem = problemWith(id);
  if (problem !== undefined) {
    throw new PersistencyError('InvalidArgument', `invalid job id '${id.slice(0, 40)}': ${problem}`);
  }
}
