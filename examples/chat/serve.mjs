// Builds the chat demo with Vite, starts the WebSocket relay and serves the page; prints what
// to open. Runs until Ctrl-C. Used by `npm start` (scripts/start.sh).
//   node examples/chat/serve.mjs [--port 5173] [--relay-port 8787]
import { parseArgs } from 'node:util';
import { build, preview } from 'vite';
import { startRelay } from '../relay/relay.mjs';

const configFile = new URL('./vite.config.mjs', import.meta.url).pathname;
const { values } = parseArgs({ options: { port: { type: 'string', default: '5173' }, 'relay-port': { type: 'string', default: '8787' } } });

await build({ configFile, logLevel: 'error' });
const relay = await startRelay({ port: Number(values['relay-port']) });
const server = await preview({ configFile, preview: { port: Number(values.port), strictPort: true } });
const page = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${values.port}/`;

console.log(`
sds-wasm chat demo
  page, tabs of one browser over BroadcastChannel:  ${page}
  page, through the WebSocket relay:                ${page}?relay=${relay.url}
  relay:                                            ${relay.url}

Open one of the URLs in two or more tabs (or, with the relay URL, in two browsers) and write.
Each message shows its status: sending, propagated, acknowledged (a peer has it), and on the
receiving side received, missing (known to exist, not arrived yet) or repaired. Reload a tab:
its history and pending messages come back from OPFS. Ctrl-C stops the relay and the server.
`);

const stop = async () => {
  await relay.close();
  await new Promise((resolve) => server.httpServer.close(resolve));
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
