// Builds the chat demo into build/chat. 'sds-wasm' is this repository's own build (build/web,
// next to build/wasm/dist), as an installed package would provide it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: { alias: { 'sds-wasm': path.join(repo, 'build/web/index.js') } },
  build: { outDir: path.join(repo, 'build/chat'), emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
});
