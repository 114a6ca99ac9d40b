// The table run.mjs prints as it goes: one line per row, rates per system, the ratios the
// benchmark is about, and last/first per system.

const COLUMNS = [
  { title: 'row', width: 18, left: true },
  { title: 'ours', width: 8 },
  { title: 'ours-channel', width: 12 },
  { title: 'waku', width: 7 },
  { title: 'native', width: 8 },
  { title: 'ours/waku', width: 9 },
  { title: 'ours/native', width: 11 },
  { title: 'last/first ours/chan/waku/native', width: 32, left: true },
  { title: 'wire B ours/waku/native', width: 26, left: true },
];

const cell = (text, { width, left }) => (left ? text.padEnd(width) : text.padStart(width));
const line = (cells) => `| ${cells.map((text, i) => cell(text, COLUMNS[i])).join(' | ')} |`;

/** A rate or ratio for the table: grouped digits, "-" when not measured. */
export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The header lines. */
export function header() {
  return [line(COLUMNS.map((c) => c.title)), line(COLUMNS.map((c) => '-'.repeat(c.width)))].join('\n');
}

/** The line of one row (see run.mjs for its shape). */
export function rowLine(row) {
  const rate = (system) => formatNumber(row.values[system]);
  const lastOverFirst = ['ours', 'ours-channel', 'waku', 'native']
    .map((system) => formatNumber(row.lastOverFirst[system], 2))
    .join(' / ');
  const wire = ['ours', 'waku', 'native'].map((system) => formatNumber(row.details[system]?.wireBytes)).join(' / ');
  return line([
    row.id,
    rate('ours'),
    rate('ours-channel'),
    rate('waku'),
    rate('native'),
    row.ratios.oursOverWaku === null ? '-' : `${formatNumber(row.ratios.oursOverWaku, 1)}×`,
    row.ratios.oursOverNative === null ? '-' : formatNumber(row.ratios.oursOverNative, 2),
    lastOverFirst,
    wire,
  ]);
}
