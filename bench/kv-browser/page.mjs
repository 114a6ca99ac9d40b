// Entry point in the harness page: runs one system's workload and returns its
// phase timings. `ours` runs here (its job workers are the package's own);
// `sahpool` and `idb` run in a dedicated module worker started here.

const workerScripts = {
  sahpool: new URL('./sahpool-worker.mjs', import.meta.url),
  idb: new URL('./idb-worker.mjs', import.meta.url),
};

/** `{ results, settings }` of `system` over `rows` rows (`only`: a subset of the phases). */
export async function runSystem(system, { rows, only }) {
  if (system === 'ours') {
    const { run } = await import('./ours.mjs');
    return { results: await run({ rows, only, hooks: globalThis.benchHooks }), settings: {} };
  }
  const worker = new Worker(workerScripts[system], { type: 'module' });
  try {
    return await new Promise((resolve, reject) => {
      worker.onerror = (event) => reject(new Error(`${system} worker failed: ${event.message}`));
      worker.onmessage = ({ data }) => {
        if (data.log) console.log(data.log);
        else if (data.error) reject(new Error(data.error));
        else resolve(data);
      };
      worker.postMessage({ rows, only });
    });
  } finally {
    worker.terminate();
  }
}
