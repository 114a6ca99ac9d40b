// The full simulation: every combination of the given sizes, dialects,
// causal-history lengths and seeds, printed as a markdown table (and, with
// --json, one JSON line per run on stderr).
//
//   node tests/sim/run.mjs --n 50 --dialects nim,spec,mixed --history 10,64 --seeds 1,2,3
//   node tests/sim/run.mjs --help
import { parseArgs } from 'node:util';

import { pathToFileURL } from 'node:url';
import path from 'node:path';

import { modulePath } from '../wasm/core.mjs';
import { markdownTable } from './report.mjs';
import { DEFAULTS, DIALECTS, simulate } from './simulation.mjs';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '50' },
    dialects: { type: 'string', default: DIALECTS.join(',') },
    history: { type: 'string', default: String(DEFAULTS.causalHistory) },
    seeds: { type: 'string', default: '1' },
    messages: { type: 'string', default: '10' },
    loss: { type: 'string', default: String(DEFAULTS.loss) },
    duplicate: { type: 'string', default: String(DEFAULTS.duplicate) },
    'send-phase-s': { type: 'string', default: String(DEFAULTS.sendPhaseMs / 1000) },
    'deadline-s': { type: 'string', default: String(DEFAULTS.deadlineMs / 1000) },
    'no-restarts': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    core: { type: 'string', default: modulePath },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(`usage: node tests/sim/run.mjs [options]
  --n 10,50               participants per run (default 50)
  --dialects nim,spec,mixed
  --history 10,64         causal history lengths (default ${DEFAULTS.causalHistory})
  --seeds 1,2,3           (default 1)
  --messages 10           messages per participant (default 10)
  --loss 0.3 --duplicate 0.1
  --send-phase-s 60       sends spread over this many simulated seconds
  --deadline-s 1800       simulated repair time allowed after the last send
  --no-restarts           our participants do not restart
  --json                  also one JSON line per run on stderr
  --core path/sds_core.mjs  another build of the wasm module (default build/wasm/dist)`);
  process.exit(0);
}

const list = (text) => text.split(',').map((item) => item.trim()).filter(Boolean);
const numbers = (text) => list(text).map(Number);

const { default: createSdsCore } = await import(pathToFileURL(path.resolve(values.core)).href);
const core = await createSdsCore();
const results = [];
for (const n of numbers(values.n)) {
  for (const dialect of list(values.dialects)) {
    for (const causalHistory of numbers(values.history)) {
      for (const seed of numbers(values.seeds)) {
        const result = await simulate(core, {
          n, dialect, causalHistory, seed,
          messagesPerPeer: Number(values.messages),
          loss: Number(values.loss),
          duplicate: Number(values.duplicate),
          sendPhaseMs: Number(values['send-phase-s']) * 1000,
          deadlineMs: Number(values['deadline-s']) * 1000,
          restarts: !values['no-restarts'],
        });
        results.push(result);
        if (values.json) console.error(JSON.stringify(result));
        else console.error(`done: ${dialect} n=${n} history=${causalHistory} seed=${seed}`);
      }
    }
  }
}
console.log(markdownTable(results));
process.exitCode = results.every((r) => r.converged) ? 0 : 1;
