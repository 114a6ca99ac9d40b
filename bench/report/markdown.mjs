// Markdown tables for the benchmark report: one table per section (every
// system side by side, then ours relative to each other system) and the
// targets table.
import { advantage, worst } from './targets.mjs';

const number = (value, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value)
    ? '–'
    : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A ratio with two significant digits, e.g. 0.78×, 3.4×, 120×. */
export const ratio = (value) => {
  if (value === null || value === undefined) return '–';
  const digits = value >= 10 ? 0 : value >= 1 ? 1 : 2;
  return `${number(value, digits)}×`;
};

const table = (header, lines, right = header.length) =>
  [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 || i >= right ? '---' : '--:')).join('|')}|`,
    ...lines.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');

function detailText(details) {
  if (!details) return '';
  return Object.entries(details)
    .filter(([, value]) => typeof value === 'number')
    .map(([key, value]) => `${key} ${number(value, value < 10 ? 2 : 0)}`)
    .join(', ');
}

/** The section's table: values per system, and ours relative to the others. */
export function sectionMarkdown(section) {
  const systems = section.systems.map((s) => s.id);
  const others = systems.filter((id) => id !== 'ours');
  const header = ['phase', 'unit', ...systems, ...others.map((id) => `ours vs ${id}`)];
  const lines = section.rows.map((row) => [
    row.label ?? row.id,
    row.unit,
    ...systems.map((id) => number(row.values[id], row.values[id] < 10 ? 2 : 0)),
    ...others.map((id) => ratio(advantage(row, 'ours', id))),
  ]);
  const legend = section.systems.map((s) => `- \`${s.id}\`: ${s.label}`).join('\n');
  const setup = section.setup.map((line) => `- ${line}`).join('\n');
  const details = section.rows
    .filter((row) => row.details && Object.keys(row.details).length > 0)
    .map((row) => `- ${row.label ?? row.id}: ${Object.entries(row.details)
      .map(([system, d]) => `**${system}** ${detailText(d)}`).join('; ')}`)
    .join('\n');
  return [
    `## ${section.title}`, '', legend, '', setup, '', table(header, lines), '',
    'Ratios are oriented so that above 1× means ours is better.',
    ...(details ? ['', '<details><summary>Per-system details</summary>', '', details, '', '</details>'] : []),
  ].join('\n');
}

/** The DESIGN.md targets, each met or missed with its deciding ratio. */
export function targetsMarkdown(targets) {
  const lines = targets.map((target) => {
    const decisive = worst(target);
    if (!decisive) return [target.text, target.boundText, 'not measured', '–', '–'];
    const met = decisive.ratio >= target.bound;
    const all = target.measurements.map((m) => m.ratio);
    if (decisive.shown) {
      return [target.text, target.boundText, met ? '**met**' : '**missed**',
        `${decisive.shown} (bound/measured ${ratio(decisive.ratio)})`, decisive.label];
    }
    const range = all.length > 1 ? `${ratio(Math.min(...all))} – ${ratio(Math.max(...all))}` : ratio(all[0]);
    return [target.text, target.boundText, met ? '**met**' : '**missed**', range, decisive.label];
  });
  return table(['target (DESIGN.md)', 'bound', 'result', 'measured (worst – best)', 'deciding row'], lines, 4);
}
