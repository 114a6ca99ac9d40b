// Renders simulation results as a markdown table (one row per run).
import { TRAFFIC_KINDS } from './network.mjs';

const seconds = (ms) => (ms === undefined ? '—' : (ms / 1000).toFixed(0));
const mb = (bytes) => (bytes / 1e6).toFixed(1);

const COLUMNS = [
  ['dialect', (r) => r.dialect],
  ['N (@waku/sds)', (r) => `${r.n} (${r.waku})`],
  ['history', (r) => r.causalHistory],
  ['seed', (r) => r.seed],
  ['converged', (r) => (r.converged ? 'yes' : `**no**: ${r.checks.ours.missing} / ${r.checks.waku.missing} missing (ours / waku)`)],
  ['convergence, s after last send', (r) => seconds(r.convergenceMs)],
  ['messages', (r) => r.messages],
  ['deliveries', (r) => r.deliveries],
  ['resends', (r) => r.traffic.resend.count],
  ['syncs', (r) => r.traffic.sync.count],
  ['repairs', (r) => r.traffic.repair.count],
  ['wire MB (content / resend / sync / repair)', (r) =>
    TRAFFIC_KINDS.map((kind) => mb(r.traffic[kind].bytes)).join(' / ')],
  ['bytes per delivery', (r) => Math.round(r.bytesPerDelivery)],
  ['restarts', (r) => r.restarts.count],
  ['duplicates ours / waku', (r) => `${r.checks.ours.duplicates} / ${r.checks.waku.duplicates}`],
  ['causal violations ours / waku', (r) => `${r.checks.ours.causal} / ${r.checks.waku.causal}`],
  ['happened-before violations ours / waku', (r) => `${r.checks.ours.happenedBefore} / ${r.checks.waku.happenedBefore}`],
  ['wall s', (r) => (r.wallMs / 1000).toFixed(1)],
];

export function markdownTable(results) {
  const lines = [
    `| ${COLUMNS.map(([name]) => name).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
  ];
  for (const result of results) lines.push(`| ${COLUMNS.map(([, cell]) => cell(result)).join(' | ')} |`);
  return lines.join('\n');
}
