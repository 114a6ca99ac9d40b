// Size (section `size`): the bytes a user ships, raw and gzip -9.
// - ours: a tiny app importing 'sds-wasm' (a job, a read, a write, a reliable
//   channel), bundled by Vite 7 in build mode (minified), with the package
//   installed as `npm pack` would publish it. Every output file but
//   index.html counts: the app chunk, the job worker chunk and the wasm.
// - waku: the same for a tiny app using @waku/sds's MessageChannel.
// - sqlite-wasm: the dist files a browser loads from @sqlite.org/sqlite-wasm
//   (index.mjs + sqlite3.wasm, as kv-anchors.md lists them); the same
//   package bundled by Vite (worker + wasm) is a detail.
//   node bench/size-start/size.mjs [--out PATH]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { repoRoot } from '../../tests/browser/server.mjs';
import { snapshotBuild } from '../kv-browser/snapshot.mjs';
import { bundleApp, prepareNodeModules } from './vite-app.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false }, // accepted for the contract; sizes have no small mode
    out: { type: 'string', default: path.join(repoRoot, 'build/bench/size.json') },
  },
});

const apps = {
  ours: {
    'main.js': `import { Persistency } from 'sds-wasm';
const persistency = await Persistency.open('app');
const job = await persistency.openJob('inbox');
const note = await job.get('notes', new TextEncoder().encode('greeting'));
job.put('notes', new TextEncoder().encode('greeting'), new TextEncoder().encode('hello'));
const channel = await job.channel('room', { participantId: 'me' });
const sent = await channel.send(new TextEncoder().encode('hi'));
document.body.textContent = String(note?.length ?? 0) + sent.bytes.length;
`,
  },
  waku: {
    'main.js': `import { MessageChannel } from '@waku/sds';
const channel = new MessageChannel('room', 'me');
await channel.pushOutgoingMessage(new TextEncoder().encode('hi'), async (message) => {
  document.body.textContent = String(message.encode().length);
  return { success: true };
});
await channel.processTasks();
`,
  },
  'sqlite-wasm': {
    'main.js': `const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
worker.onmessage = ({ data }) => { document.body.textContent = String(data); };
`,
    'worker.js': `import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
const sqlite3 = await sqlite3InitModule();
const pool = await sqlite3.installOpfsSAHPoolVfs({});
const db = new pool.OpfsSAHPoolDb('/app.db');
db.exec('CREATE TABLE IF NOT EXISTS kv(k BLOB PRIMARY KEY, v BLOB)');
postMessage(db.selectValue('SELECT count(*) FROM kv'));
`,
  },
};

const gzipSize = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;

async function measureFiles(files) {
  const list = [];
  for (const { name, file } of files) {
    const bytes = await fs.readFile(file);
    list.push({ file: name, raw: bytes.length, gzip: gzipSize(bytes) });
  }
  return {
    raw: list.reduce((sum, f) => sum + f.raw, 0),
    gzip: list.reduce((sum, f) => sum + f.gzip, 0),
    files: list,
  };
}

async function listFiles(dir, base = dir) {
  const out = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(file, base)));
    else out.push({ name: path.relative(base, file), file });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// Builds app `id` and measures its output without index.html.
async function bundle(dir, id) {
  const outDir = await bundleApp(dir, id, apps[id]);
  const files = (await listFiles(outDir)).filter((f) => f.name !== 'index.html');
  return measureFiles(files);
}

const sqliteDist = path.join(repoRoot, 'node_modules/@sqlite.org/sqlite-wasm/dist');
const versionOf = async (pkg) => JSON.parse(await fs.readFile(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const snapshot = await snapshotBuild();
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sds-size-'));
let sizes;
try {
  await prepareNodeModules(dir, snapshot.root);
  sizes = {
    ours: await bundle(dir, 'ours'),
    waku: await bundle(dir, 'waku'),
    'sqlite-wasm': await measureFiles(['index.mjs', 'sqlite3.wasm'].map((name) => ({ name, file: path.join(sqliteDist, name) }))),
  };
  sizes['sqlite-wasm'].viteBundled = await bundle(dir, 'sqlite-wasm');
  const packageFiles = await measureFiles(['build/wasm/dist/sds_core.wasm', 'build/wasm/dist/sds_core.mjs']
    .map((name) => ({ name, file: path.join(snapshot.root, name) })));
  sizes.ours.unbundledCore = packageFiles;
} finally {
  await fs.rm(dir, { recursive: true, force: true });
  await snapshot.dispose();
}

const systems = [
  { id: 'ours', label: 'sds-wasm (Vite-bundled app: JS + job worker + wasm)' },
  { id: 'waku', label: `@waku/sds ${await versionOf('@waku/sds')} (Vite-bundled app)` },
  { id: 'sqlite-wasm', label: `@sqlite.org/sqlite-wasm ${await versionOf('@sqlite.org/sqlite-wasm')} (dist index.mjs + sqlite3.wasm)` },
];
const details = Object.fromEntries(Object.entries(sizes).map(([id, { raw, gzip, ...rest }]) => [id, rest]));
const result = {
  section: 'size',
  title: 'What an app ships: bytes raw and gzip -9',
  setup: [
    `Vite ${await versionOf('vite')} build mode, no config but target es2022 and ES module workers, minified (esbuild); counted: every output file except index.html`,
    'ours: tiny app importing sds-wasm (Persistency.open, openJob, get, put, job.channel + send); the package installed as npm pack publishes it; tree-shaken',
    'waku: tiny app importing @waku/sds (MessageChannel, pushOutgoingMessage, processTasks); SDS only, no storage',
    'sqlite-wasm: dist/index.mjs (as shipped, unminified) + dist/sqlite3.wasm, the files a browser loads (kv-anchors.md); details.viteBundled = a tiny sahpool worker app bundled the same way',
    'gzip: zlib level 9 per file, summed',
    `Measured build: ${snapshot.build}`,
  ],
  systems,
  rows: ['gzip', 'raw'].map((id) => ({
    id,
    label: id === 'gzip' ? 'shipped bytes, gzip -9' : 'shipped bytes, uncompressed',
    unit: 'bytes',
    better: 'lower',
    values: Object.fromEntries(systems.map((s) => [s.id, sizes[s.id][id]])),
    details,
  })),
};

await fs.mkdir(path.dirname(args.out), { recursive: true });
await fs.writeFile(args.out, `${JSON.stringify(result, null, 2)}\n`);
const check = JSON.parse(await fs.readFile(args.out, 'utf8'));
for (const row of check.rows) {
  for (const { id } of check.systems) {
    if (!(row.values[id] > 0)) throw new Error(`size row ${row.id} lacks ${id}`);
  }
}

const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
console.log(`\n${result.title}`);
console.log('| system | files | raw | gzip -9 |');
console.log('|---|---|---|---|');
for (const { id } of systems) {
  const s = sizes[id];
  console.log(`| ${id} | ${s.files.map((f) => `${f.file} (${kb(f.raw)} / ${kb(f.gzip)})`).join(', ')} | ${kb(s.raw)} | ${kb(s.gzip)} |`);
}
const vb = sizes['sqlite-wasm'].viteBundled;
console.log(`| sqlite-wasm, Vite-bundled (detail) | ${vb.files.map((f) => f.file).join(', ')} | ${kb(vb.raw)} | ${kb(vb.gzip)} |`);
console.log(`\nwrote ${path.relative(process.cwd(), args.out)}`);
