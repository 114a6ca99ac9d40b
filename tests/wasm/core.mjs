// Loads the wasm module built by scripts/build.sh and mounts host directories.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const modulePath = path.join(repo, 'build/wasm/dist/sds_core.mjs');

export async function loadCore() {
  const { default: createSdsCore } = await import(modulePath);
  return createSdsCore();
}

// Makes host directory `hostDir` visible to the module at `mountPoint`.
export function mountHostDir(core, hostDir, mountPoint = '/host') {
  core.FS.mkdir(mountPoint);
  core.FS.mount(core.NODEFS, { root: hostDir }, mountPoint);
  return mountPoint;
}

// Key encoding used by these tests: 2-byte big-endian length + UTF-8 for
// strings, sign-flipped big-endian int64 for bigints.
export function key(...parts) {
  const bytes = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      const utf8 = new TextEncoder().encode(part);
      bytes.push(utf8.length >> 8, utf8.length & 0xff, ...utf8);
    } else {
      const flipped = BigInt.asUintN(64, part) ^ (1n << 63n);
      for (let shift = 56n; shift >= 0n; shift -= 8n) bytes.push(Number((flipped >> shift) & 0xffn));
    }
  }
  return Uint8Array.from(bytes);
}

export const text = (s) => new TextEncoder().encode(s);
export const decode = (b) => new TextDecoder().decode(b);

// Unwraps an {ok, value, error} result, failing loudly on error.
export function ok(result) {
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}
