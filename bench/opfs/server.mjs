// A static HTTP server for the OPFS benchmark: serves the repository root on
// 127.0.0.1 (a secure context, so OPFS is available) with the MIME types
// module workers and wasm streaming compilation require.
//   node bench/opfs/server.mjs [port]      serves until interrupted
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

// Resolves to { origin, close() } once listening on `port` (0: any free port).
export async function serve(port = 0) {
  const server = http.createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
    const file = path.join(repoRoot, pathname);
    const reply = (status, type, body) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (!file.startsWith(repoRoot + path.sep)) return reply(403, 'text/plain', 'outside the repository');
    try {
      reply(200, MIME_TYPES[path.extname(file)] ?? 'application/octet-stream', await fs.readFile(file));
    } catch {
      reply(404, 'text/plain', `not found: ${pathname}`);
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin } = await serve(Number(process.argv[2] ?? 8080));
  console.log(`serving ${repoRoot} at ${origin}/bench/opfs/index.html`);
}
