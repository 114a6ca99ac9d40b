// The performance targets of DESIGN.md, each evaluated against the measured
// rows of the benchmark sections (see bench/README.md for the row ids).
//
// A target compares `ours` with another system, row by row, and is met when
// the worst ratio over its rows reaches the bound. Ratios are always
// oriented so that larger is better for us.

/**
 * @typedef {{ id: string, unit: string, better: 'higher' | 'lower',
 *   values: Record<string, number | null>,
 *   details?: Record<string, Record<string, number>> }} Row
 * @typedef {{ section: string, title: string, setup: string[],
 *   systems: { id: string, label: string }[], rows: Row[] }} Section
 * @typedef {{ label: string, row: string, ratio: number, shown?: string }} Measurement
 * @typedef {{ id: string, short: string, text: string, bound: number, boundText: string,
 *   measurements: Measurement[] }} Evaluated
 */

/** `ours` relative to `other` on one row, > 1 when ours is better. */
export function advantage(row, ours, other) {
  const a = row.values[ours];
  const b = row.values[other];
  if (!(a > 0) || !(b > 0)) return null;
  return row.better === 'lower' ? b / a : a / b;
}

const rowsOf = (sections, name, filter = () => true) =>
  (sections[name]?.rows ?? []).filter(filter);

function compare(sections, section, ours, other, filter) {
  return rowsOf(sections, section, filter)
    .map((row) => ({ label: row.label ?? row.id, row: row.id, ratio: advantage(row, ours, other) }))
    .filter((m) => m.ratio !== null);
}

function flatness(sections) {
  return rowsOf(sections, 'sds')
    .map((row) => {
      const d = row.details?.ours;
      const ratio = d && d.first1k > 0 && d.last1k > 0 ? d.last1k / d.first1k : null;
      return { label: row.label ?? row.id, row: row.id, ratio };
    })
    .filter((m) => m.ratio !== null);
}

function absolute(sections, section, rowId, system, bound) {
  const row = rowsOf(sections, section, (r) => r.id === rowId)[0];
  const value = row?.values[system];
  if (!(value > 0)) return [];
  const shown = row.unit === 'bytes'
    ? `${(value / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KB`
    : `${value.toLocaleString('en-US', { maximumFractionDigits: 0 })} ${row.unit}`;
  // The ratio is bound / measured (both are "lower is better"), so ≥ 1 means met.
  return [{ label: `${row.label ?? row.id}`, row: row.id, ratio: bound / value, shown }];
}

const isPut = (row) => row.id.startsWith('put-');
const isScan = (row) => row.id.includes('scan');

/** Every DESIGN.md target with the measurements that decide it. */
export function evaluateTargets(sections) {
  return [
    { id: 'sds-vs-waku', short: 'SDS vs @waku/sds', text: 'SDS wrap/unwrap in Node vs @waku/sds 0.0.8 (10k × 1 KiB, same settings)',
      bound: 100, boundText: '≥ 100×', measurements: compare(sections, 'sds', 'ours', 'waku') },
    { id: 'sds-flat', short: 'SDS last-1k / first-1k', text: 'SDS per-message cost flat: last-1k rate / first-1k rate (ours, wasm)',
      bound: 0.8, boundText: '≥ 0.8', measurements: flatness(sections) },
    { id: 'sds-vs-native', short: 'SDS wasm vs native', text: 'SDS in wasm vs the same code native',
      bound: 0.5, boundText: '≤ 2× slower (≥ 0.5)', measurements: compare(sections, 'sds', 'ours', 'native') },
    { id: 'kv-vs-sahpool', short: 'KV vs sqlite-wasm sahpool', text: 'KV in Chromium (OPFS) vs sqlite-wasm opfs-sahpool (WAL + EXCLUSIVE), every phase but scans',
      bound: 1, boundText: '≥ 1× (aim 1.5×)', measurements: compare(sections, 'kv', 'ours', 'sahpool', (r) => !isScan(r)) },
    { id: 'kv-scans-vs-sahpool', short: 'KV scans vs sahpool', text: 'KV scans in Chromium vs sqlite-wasm opfs-sahpool',
      bound: 5, boundText: '≥ 5×', measurements: compare(sections, 'kv', 'ours', 'sahpool', isScan) },
    { id: 'kv-writes-vs-idb', short: 'KV writes vs IndexedDB', text: 'KV writes in Chromium vs IndexedDB (same records)',
      bound: 5, boundText: '≥ 5×', measurements: compare(sections, 'kv', 'ours', 'idb', isPut) },
    { id: 'kv-vs-native', short: 'KV wasm+OPFS vs native', text: 'KV in wasm + OPFS vs native SQLite on disk, same workload',
      bound: 0.5, boundText: '≤ 2× slower (≥ 0.5)', measurements: compare(sections, 'kv', 'ours', 'native') },
    { id: 'size', short: 'package gzip (≤ 450 KB)', text: 'Package: wasm + JS, gzip', bound: 1, boundText: '≤ 450 KB',
      measurements: absolute(sections, 'size', 'gzip', 'ours', 450 * 1024) },
    // What an app ships is bundled: the Vite-built app, as for the size target.
    { id: 'cold-start', short: 'Chromium cold start (≤ 150 ms)',
      text: 'Cold start in Chromium: import → first job open → first read (Vite-bundled app)', bound: 1,
      boundText: '≤ 150 ms', measurements: absolute(sections, 'start', 'chromium', 'ours-bundled', 150) },
  ];
}

/** The worst measurement of a target (the one that decides it), or null. */
export function worst(target) {
  return target.measurements.reduce((min, m) => (min === null || m.ratio < min.ratio ? m : min), null);
}
