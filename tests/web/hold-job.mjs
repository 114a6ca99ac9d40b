// A second process for the cross-process lock tests: opens job argv[3] in root argv[2],
// writes "open\n" once it owns it, closes it when stdin says "close" and then exits.
import readline from 'node:readline';
import { Persistency, keys } from 'sds-wasm';

const [root, id] = process.argv.slice(2);
const p = await Persistency.open(root);
const job = await p.openJob(id);
job.put('c', keys.key('holder'), new TextEncoder().encode(String(process.pid)));
await job.flush();
process.stdout.write('open\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === 'close') break;
}
await p.close();
process.stdin.destroy();
