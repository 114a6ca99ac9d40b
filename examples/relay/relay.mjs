// The WebSocket relay of the messaging examples: forwards each binary frame to every other
// client subscribed to the frame's content topic (wire format: sds-wasm's relay-frame.ts).
// It keeps nothing: a client that is not connected misses the frame, and the reliability
// layer of the nodes repairs that.
//
//   node examples/relay/relay.mjs [port]         # default 8787; prints ws://127.0.0.1:<port>
//   import { startRelay } from './relay.mjs';    // const relay = await startRelay({ port: 0 })
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import { decodeRelayFrame, parseRelayControl } from 'sds-wasm';

/**
 * Starts a relay on `host:port` (port 0: any free port). Resolves with its `url`, `port`,
 * `stats` (frames in and out), `dropClients()` (closes every connection, as a network outage
 * would) and `close()`.
 */
export async function startRelay({ port = 8787, host = '127.0.0.1' } = {}) {
  const server = new WebSocketServer({ port, host });
  await once(server, 'listening');
  const topicsOf = new Map(); // socket -> Set<topic>
  const stats = { framesIn: 0, framesOut: 0 };

  server.on('connection', (socket) => {
    topicsOf.set(socket, new Set());
    socket.on('close', () => topicsOf.delete(socket));
    socket.on('error', () => socket.terminate());
    socket.on('message', (data, isBinary) => {
      const topics = topicsOf.get(socket);
      if (topics === undefined) return;
      if (!isBinary) {
        const control = parseRelayControl(data.toString());
        if (control?.type === 'subscribe') topics.add(control.topic);
        if (control?.type === 'unsubscribe') topics.delete(control.topic);
        return;
      }
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const frame = decodeRelayFrame(bytes);
      if (frame === undefined) return;
      stats.framesIn += 1;
      for (const [peer, peerTopics] of topicsOf) {
        if (peer === socket || !peerTopics.has(frame.topic) || peer.readyState !== peer.OPEN) continue;
        peer.send(bytes, { binary: true });
        stats.framesOut += 1;
      }
    });
  });

  const actualPort = server.address().port;
  return {
    url: `ws://${host}:${actualPort}`,
    port: actualPort,
    stats,
    dropClients() {
      for (const socket of topicsOf.keys()) socket.terminate();
    },
    async close() {
      for (const socket of topicsOf.keys()) socket.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const relay = await startRelay({ port: Number(process.argv[2] ?? 8787), host: process.env.RELAY_HOST ?? '127.0.0.1' });
  console.log(`relay listening on ${relay.url}`);
  const stop = async () => {
    await relay.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
