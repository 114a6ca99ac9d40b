// `ours`: the SDS engine through the public wasm API (build/wasm/dist/sds_core.mjs), called in
// this thread. Every wrap/unwrap is timed on its own, with the takeEvents() that drains it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHANNEL, RECEIVER, SENDER, START_MS, PhaseTimer } from './workload.mjs';
import { memoryAfterGc, wasmMB } from './memory.mjs';

// The module is compiled once per process and instantiated per case, through Emscripten's
// `instantiateWasm` hook, which also hands over the instance's memory (not exported otherwise).
let compiled = null;
async function instantiate(dist) {
  compiled ??= {
    factory: (await import(pathToFileURL(path.join(dist, 'sds_core.mjs')).href)).default,
    module: await WebAssembly.compile(await readFile(path.join(dist, 'sds_core.wasm'))),
  };
  let memory = null;
  const core = await compiled.factory({
    instantiateWasm(imports, receiveInstance) {
      const instance = new WebAssembly.Instance(compiled.module, imports);
      memory = Object.values(instance.exports).find((value) => value instanceof WebAssembly.Memory) ?? null;
      receiveInstance(instance, compiled.module);
      return instance.exports;
    },
  });
  return { core, memory };
}

function ok(result, what) {
  if (!result.ok) throw new Error(`${what}: ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

/** Engine settings mirroring @waku/sds 0.0.8 for causal history `history` and `n` messages (see README). */
export function engineConfig(history, n) {
  return {
    maxCausalHistory: history,
    bloomFilterCapacity: 10_000,
    bloomFilterErrorRate: 0.001,
    contentAddressedIds: true,
    maxOutgoingBuffer: Math.max(10_000, n),
    maxMessageHistory: Math.max(1_000, n),
  };
}

/**
 * Runs one case with the module in `dist` (a build/wasm/dist); a fresh instance each time, so its
 * wasm memory is this case's alone.
 */
export async function runOurs({ dist, history, dialect, payloads, ids }) {
  const { core, memory } = await instantiate(dist);
  const config = { ...engineConfig(history, payloads.length), dialect };
  const alice = ok(core.ReliabilityManager.create(SENDER, config), 'create alice');
  const bob = ok(core.ReliabilityManager.create(RECEIVER, config), 'create bob');
  try {
    const wires = [];
    const wrap = new PhaseTimer();
    let now = START_MS;
    for (let i = 0; i < payloads.length; ++i, ++now) {
      const t0 = performance.now();
      const wire = alice.wrap(CHANNEL, payloads[i], '', now);
      alice.takeEvents();
      const t1 = performance.now();
      wires.push(ok(wire, `wrap ${i}`));
      wrap.add(1, t1 - t0, wires[i].length);
    }
    const afterWrap = { ...memoryAfterGc(alice, bob, core), wasmMB: wasmMB(memory) };

    const unwrap = new PhaseTimer();
    for (let i = 0; i < wires.length; ++i, ++now) {
      const t0 = performance.now();
      const got = bob.unwrap(wires[i], now);
      const events = bob.takeEvents();
      const t1 = performance.now();
      unwrap.add(1, t1 - t0, wires[i].length);
      checkDelivery(ok(got, `unwrap ${i}`), events, ids[i], i);
    }
    const afterUnwrap = { ...memoryAfterGc(alice, bob, core), wasmMB: wasmMB(memory) };
    return {
      wrap: { ...wrap.summary(), ...afterWrap },
      unwrap: { ...unwrap.summary(), ...afterUnwrap },
    };
  } finally {
    alice.delete();
    bob.delete();
  }
}

// A fast wrong answer must not pass: each message arrives whole, once, with nothing missing.
function checkDelivery(got, events, id, i) {
  const delivered = events.filter((e) => e.type === 'delivered' && e.messageId === id).length;
  if (got.kind !== 'content' || got.duplicate || got.missing.length !== 0 || got.messageId !== id || delivered !== 1) {
    throw new Error(`unwrap ${i}: not a clean delivery (id ${got.messageId}, duplicate ${got.duplicate}, missing ${got.missing.length}, delivered events ${delivered})`);
  }
}
