// System `ours`: the public sds-wasm API in the page, one Job (and so one
// job worker) per database. Loaded by the harness page, whose import map
// resolves 'sds-wasm' to build/web.
//
// A transaction of N rows is `job.batch(ops)` (documented atomic) followed by
// `await job.flush()`, so each batch is committed before the next is issued:
// without the flush, group commit would merge the batches of one turn into
// bigger transactions. A single-row commit is `job.put()` + `await job.flush()`.
import { Persistency, keys } from 'sds-wasm';
import { category, flatKey, runWorkload } from './workload.mjs';

const root = 'kv-bench';

/** The adapter runWorkload drives, over an open Persistency root. */
export function oursAdapter(persistency) {
  return {
    open: (name) => persistency.openJob(name),
    async write(job, entries) {
      if (entries.length === 1) {
        job.put(category, entries[0][0], entries[0][1]);
      } else {
        job.batch(entries.map(([key, payload]) => ({ op: 'put', category, key, payload })));
      }
      await job.flush();
    },
    get: (job, key) => job.get(category, key),
    async scan(job, start, stop, digest) {
      for (const row of await job.scan(category, { start, stop })) digest.add(row.key.length, row.payload);
    },
    async scanPrefix(job, prefix, digest) {
      for (const row of await job.scanPrefix(category, prefix)) digest.add(row.key.length, row.payload);
    },
    count: (job) => job.count(category),
    close: (job) => job.close(),
    drop: (name) => persistency.dropJob(name),
  };
}

/** Runs the workload in this page; `hooks` as in runWorkload. */
export async function run({ rows, only, hooks }) {
  const sample = flatKey(123456789);
  if (keys.compare(sample, keys.bytes(keys.uint64(123456789))) !== 0) {
    throw new Error('workload keys differ from keys.bytes(keys.uint64(i))');
  }
  const persistency = await Persistency.open(root);
  try {
    const log = (line) => console.log(`[ours] ${line}`);
    return await runWorkload(oursAdapter(persistency), { rows, only, hooks, log });
  } finally {
    await persistency.close();
  }
}
