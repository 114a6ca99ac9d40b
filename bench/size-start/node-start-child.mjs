// One cold start of sds-wasm in a fresh Node process: import → open job →
// first get, on a fresh root given as argv[2]. Prints the step times as JSON.
const t0 = performance.now();
const { Persistency } = await import('sds-wasm');
const t1 = performance.now();
const persistency = await Persistency.open(process.argv[2]);
const job = await persistency.openJob('cold');
const t2 = performance.now();
const payload = await job.get('c', new Uint8Array([1]));
const t3 = performance.now();
await persistency.close();
console.log(JSON.stringify({
  steps: { import: t1 - t0, open: t2 - t1, firstRead: t3 - t2 },
  total: t3 - t0,
  sinceProcessStart: t3,
  found: payload !== undefined,
}));
