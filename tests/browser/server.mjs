// A small static HTTP server for the browser tests: serves a directory on
// 127.0.0.1 with an ephemeral port. No COOP/COEP headers on purpose: the
// runtime must work without cross-origin isolation.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, served by default. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const mimeTypes = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.cjs', 'text/javascript; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.map', 'application/json; charset=utf-8'],
  ['.wasm', 'application/wasm'],
  ['.css', 'text/css; charset=utf-8'],
  ['.ts', 'text/plain; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
]);

/**
 * Starts serving `root`. `pages` maps URL paths to generated HTML (for
 * harness pages whose import map depends on the build layout).
 * Resolves to { origin, url(pathname), close() }.
 */
export async function startServer({ root = repoRoot, pages = {} } = {}) {
  const base = path.resolve(root);
  const server = http.createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const send = (status, type, body) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (Object.hasOwn(pages, pathname)) return send(200, mimeTypes.get('.html'), pages[pathname]);
    const file = path.join(base, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (file !== base && !file.startsWith(base + path.sep)) return send(403, 'text/plain', 'forbidden');
    try {
      const body = await fs.readFile(file);
      send(200, mimeTypes.get(path.extname(file)) ?? 'application/octet-stream', body);
    } catch {
      send(404, 'text/plain', `not found: ${pathname}`);
    }
  });
  // Keep-alive sockets would make close() wait for the browser to let go.
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (pathname) => new URL(pathname, origin).href,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
