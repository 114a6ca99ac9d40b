// Memory readings after a phase: a full garbage collection first, so the figures are what the
// system keeps alive, not what the collector has not reclaimed yet.
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc');

const mb = (bytes) => bytes / (1024 * 1024);

// What the current measurement must count: V8 may collect objects that a function no longer
// uses (its locals are not roots once dead), so the systems measured are held here meanwhile.
let held = null;

/**
 * {heapMB (JS heapUsed), arrayBuffersMB, rssMB} of this process after a full collection, with
 * `live` (the objects of the system measured) kept alive through it.
 */
export function memoryAfterGc(...live) {
  held = live;
  collect();
  const usage = process.memoryUsage();
  held = null;
  return { heapMB: mb(usage.heapUsed), arrayBuffersMB: mb(usage.arrayBuffers), rssMB: mb(usage.rss) };
}

/** Megabytes of a wasm memory (its current size; a wasm memory never shrinks). */
export function wasmMB(memory) {
  return memory ? mb(memory.buffer.byteLength) : null;
}
