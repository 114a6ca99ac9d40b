// CPU profile of `ours` during put-tx100 and scan-1000 in headless Chromium:
// the V8 sampling profiler (CDP `Profiler`) runs on the page and on the job
// worker for exactly the timed phase. Writes a summary of the top self-time
// functions per thread to build/bench/kv-profile.txt and the raw profiles
// next to it (`kv-profile-<phase>-<thread>.cpuprofile`, for DevTools).
//   node bench/kv-browser/profile.mjs [--quick] [--out PATH] [--rows N]
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../tests/browser/server.mjs';
import { snapshotBuild, startSnapshotHarness } from './snapshot.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(repoRoot, 'build/bench/kv-profile.txt') },
    rows: { type: 'string' },
  },
});
const rows = Number(args.rows ?? (args.quick ? 10_000 : 100_000));
const phases = ['put-tx100', 'scan-1000'];
const samplingMicros = 200;
const top = 15;

/** Talks CDP to the page and, through the page's session, to its dedicated workers. */
class Profilers {
  constructor(cdp) {
    this.cdp = cdp;
    this.workers = new Map(); // sessionId → url
    this.pending = new Map();
    this.nextId = 1;
    cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
      if (targetInfo.type === 'worker') this.workers.set(sessionId, targetInfo.url);
    });
    cdp.on('Target.detachedFromTarget', ({ sessionId }) => this.workers.delete(sessionId));
    cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
      const reply = JSON.parse(message);
      const settle = this.pending.get(reply.id);
      if (!settle) return;
      this.pending.delete(reply.id);
      settle(reply);
    });
  }

  static async attach(cdp) {
    const profilers = new Profilers(cdp);
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    return profilers;
  }

  // One command to the worker session `sessionId` (non-flattened CDP).
  toWorker(sessionId, method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.error ? reject(new Error(reply.error.message)) : resolve(reply.result)));
      this.cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
        .catch(reject);
    });
  }

  // Every thread as { name, send(method, params) }: the page and each live worker.
  threads() {
    return [
      { name: 'page', send: (method, params) => this.cdp.send(method, params) },
      ...[...this.workers].map(([sessionId, url]) => ({
        name: `worker ${path.basename(new URL(url).pathname)}`,
        send: (method, params) => this.toWorker(sessionId, method, params),
      })),
    ];
  }

  async start() {
    this.running = this.threads();
    for (const thread of this.running) {
      await thread.send('Profiler.enable');
      await thread.send('Profiler.setSamplingInterval', { interval: samplingMicros });
      await thread.send('Profiler.start');
    }
  }

  async stop() {
    const profiles = [];
    for (const thread of this.running) {
      const { profile } = await thread.send('Profiler.stop');
      profiles.push({ thread: thread.name, profile });
    }
    return profiles;
  }
}

const frameLabel = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'}${url ? ` ${path.basename(new URL(url).pathname)}:${lineNumber + 1}` : ''}`;

// Self time per function (name + script + line), as [label, ms][] sorted, and the total.
// Built-ins and Web APIs (no script) are labelled with their caller, so that an
// OPFS `write` or a `postMessage` says where it came from.
function selfTimes(profile) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  const ms = new Map();
  let total = 0;
  profile.samples.forEach((nodeId, i) => {
    const delta = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const { callFrame } = byNode.get(nodeId);
    const parent = parentOf.get(nodeId);
    const builtIn = !callFrame.url && !callFrame.functionName.startsWith('(') && parent;
    const label = builtIn
      ? `${frameLabel(callFrame)} [built-in] <- ${frameLabel(parent.callFrame)}`
      : frameLabel(callFrame);
    ms.set(label, (ms.get(label) ?? 0) + delta);
    total += delta;
  });
  return { total, functions: [...ms].sort((a, b) => b[1] - a[1]) };
}

// Coarse buckets of a self-time label, for the one-line breakdown.
function kindOf(label) {
  if (label.startsWith('wasm-')) return 'wasm';
  if (label.includes('<- _sds_host_file_')) return 'OPFS handle calls';
  if (label.startsWith('postMessage')) return 'postMessage';
  if (label === '(garbage collector)') return 'GC';
  if (label === '(program)') return 'V8 (program)';
  if (label === '(idle)') return 'idle';
  if (label.includes('sds_core.mjs')) return 'embind glue';
  return 'other JS';
}

function summarize(phase, phaseMs, profiles) {
  const lines = [`## ${phase} (${rows.toLocaleString('en')} rows; phase took ${phaseMs.toFixed(0)} ms)`];
  for (const { thread, profile } of profiles) {
    const { total, functions } = selfTimes(profile);
    const idle = functions.find(([label]) => label === '(idle)')?.[1] ?? 0;
    lines.push('', `### ${thread}: ${total.toFixed(0)} ms sampled, ${(total - idle).toFixed(0)} ms busy`);
    const kinds = new Map();
    for (const [label, ms] of functions) kinds.set(kindOf(label), (kinds.get(kindOf(label)) ?? 0) + ms);
    lines.push(`by kind: ${[...kinds].sort((a, b) => b[1] - a[1])
      .map(([kind, ms]) => `${kind} ${((100 * ms) / total).toFixed(0)}%`).join(', ')}`);
    for (const [label, ms] of functions.slice(0, top)) {
      lines.push(`${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${label}`);
    }
  }
  return lines.join('\n');
}

const snapshot = await snapshotBuild();
const harness = await startSnapshotHarness(snapshot.root);
const sections = [];
try {
  const page = await harness.open();
  page.page.on('console', (message) => console.error(message.text()));
  const profilers = await Profilers.attach(await harness.browser.context.newCDPSession(page.page));
  const started = new Map();
  await page.page.exposeFunction('benchHook', async (when, phase) => {
    if (when === 'before') {
      await profilers.start();
      started.set(phase, performance.now());
      return;
    }
    const phaseMs = performance.now() - started.get(phase);
    const profiles = await profilers.stop();
    const outDir = path.dirname(args.out);
    await fs.mkdir(outDir, { recursive: true });
    for (const { thread, profile } of profiles) {
      const file = `kv-profile-${phase}-${thread.split(' ')[0]}.cpuprofile`;
      await fs.writeFile(path.join(outDir, file), JSON.stringify(profile));
    }
    sections.push(summarize(phase, phaseMs, profiles));
  });
  await page.run(async ({ rows, phases }) => {
    globalThis.benchHooks = {
      before: (phase) => window.benchHook('before', phase),
      after: (phase) => window.benchHook('after', phase),
    };
    const { runSystem } = await import('/bench/kv-browser/page.mjs');
    return runSystem('ours', { rows, only: phases });
  }, { rows, phases });
  await page.close();
} finally {
  await harness.close();
  await snapshot.dispose();
}

const text = [
  `# CPU profile of sds-wasm (ours) in headless Chromium: ${phases.join(', ')}`,
  `V8 sampling profiler via CDP on the page and the job worker, ${samplingMicros} µs interval, only during each timed phase.`,
  'Self time per function; wasm functions show by name when the module carries a name section.',
  'The profiler slows the run down; read shares, not absolute times.',
  `Measured build: ${snapshot.build}.`,
  '',
  ...sections.flatMap((section) => [section, '']),
].join('\n');
await fs.writeFile(args.out, text);
console.log(text);
