// An SVG chart of the targets: per target, the worst and best measured
// ratio as a bar on a log scale, with the bound as a tick. Plain SVG so that
// GitHub and any browser render it without scripts.
import { worst } from './targets.mjs';

const escape = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const layout = { width: 900, labelWidth: 240, rowHeight: 34, top: 40, bottom: 40, right: 60 };

/** Returns the SVG text for the evaluated targets (unmeasured ones are left out). */
export function targetsChart(targets, title) {
  const rows = targets.filter((t) => t.measurements.length > 0);
  const values = rows.flatMap((t) => [...t.measurements.map((m) => m.ratio), t.bound]);
  const minLog = Math.floor(Math.log10(Math.min(...values, 0.1)));
  const maxLog = Math.ceil(Math.log10(Math.max(...values, 10)));
  const plotWidth = layout.width - layout.labelWidth - layout.right;
  const x = (value) => layout.labelWidth + ((Math.log10(value) - minLog) / (maxLog - minLog)) * plotWidth;
  const height = layout.top + rows.length * layout.rowHeight + layout.bottom;

  const grid = [];
  for (let p = minLog; p <= maxLog; p++) {
    const gx = x(10 ** p).toFixed(1);
    grid.push(`<line x1="${gx}" y1="${layout.top - 8}" x2="${gx}" y2="${height - layout.bottom}" stroke="#ddd"/>`,
      `<text x="${gx}" y="${height - layout.bottom + 16}" text-anchor="middle">${10 ** p >= 1 ? 10 ** p : (10 ** p).toFixed(-p)}×</text>`);
  }
  const bars = rows.map((target, i) => {
    const y = layout.top + i * layout.rowHeight;
    const all = target.measurements.map((m) => m.ratio);
    const low = Math.min(...all);
    const high = Math.max(...all);
    const met = worst(target).ratio >= target.bound;
    const color = met ? '#2e7d32' : '#c62828';
    const from = x(Math.min(low, 1));
    return [
      `<text x="${layout.labelWidth - 8}" y="${y + 18}" text-anchor="end">${escape(target.short)}</text>`,
      `<rect x="${from.toFixed(1)}" y="${y + 6}" width="${Math.max(1, x(low) - from).toFixed(1)}" height="16" fill="${color}" opacity="0.35"/>`,
      `<rect x="${x(low).toFixed(1)}" y="${y + 6}" width="${Math.max(2, x(high) - x(low)).toFixed(1)}" height="16" fill="${color}"/>`,
      `<line x1="${x(target.bound).toFixed(1)}" y1="${y + 2}" x2="${x(target.bound).toFixed(1)}" y2="${y + 26}" stroke="#000" stroke-width="2"/>`,
      `<text x="${(Math.max(x(high), x(target.bound)) + 6).toFixed(1)}" y="${y + 18}">${escape(target.boundText)}</text>`,
    ].join('\n');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="${layout.width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...grid,
    `<line x1="${x(1).toFixed(1)}" y1="${layout.top - 8}" x2="${x(1).toFixed(1)}" y2="${height - layout.bottom}" stroke="#888"/>`,
    ...bars,
    `<text x="10" y="${height - 8}" fill="#555">bars: worst to best measured ratio, log scale, right is better for sds-wasm; black tick: the target; green met, red missed</text>`,
    '</svg>',
  ].join('\n');
}
