// Renders a diff report as Markdown for a pull-request comment.
import { formatDuration } from '../lib/units.js';
import type { AlertRef, DiffReport, SlaDiff } from './diff.js';

const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;
const cell = (text: string | undefined): string =>
  text === undefined ? '—' : text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const ms = (value: number | undefined): string =>
  value === undefined ? '—' : value === 0 ? '0ms' : formatDuration(value);

function alertName(ref: AlertRef): string {
  const labels = Object.entries(ref.labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return code(`${ref.alert}${labels ? `{${labels}}` : ''}`) + (ref.severity ? ` (${ref.severity})` : '');
}

function renderSla(sla: SlaDiff): string {
  const lines: string[] = [`### ${sla.name} — ${sla.status}`, '', `File: ${code(sla.file)}`, ''];
  if (sla.objectives.length > 0) {
    lines.push('**Objectives**', '', '| | before | after |', '|---|---|---|');
    for (const change of sla.objectives)
      lines.push(`| ${cell(change.key)} | ${cell(change.before)} | ${cell(change.after)} |`);
    lines.push('');
  }
  if (sla.budget.length > 0) {
    lines.push('**Latency budget**', '', '| component | before | after | change |', '|---|---:|---:|---:|');
    for (const row of sla.budget) {
      const delta =
        row.beforeMs !== undefined && row.afterMs !== undefined
          ? `${row.afterMs >= row.beforeMs ? '+' : '−'}${ms(Math.abs(row.afterMs - row.beforeMs))}`
          : row.afterMs === undefined
            ? 'removed'
            : 'added';
      lines.push(`| ${cell(row.component)} | ${ms(row.beforeMs)} | ${ms(row.afterMs)} | ${delta} |`);
    }
    lines.push('');
  }
  const { added, removed, changed } = sla.alerts;
  if (added.length + removed.length + changed.length > 0) {
    lines.push(`**Alerts**: ${added.length} added, ${removed.length} removed, ${changed.length} changed`, '');
    for (const ref of added) lines.push(`- added ${alertName(ref)}`);
    for (const ref of removed) lines.push(`- removed ${alertName(ref)}`);
    for (const ref of changed) lines.push(`- changed ${alertName(ref)}: ${ref.fields.join(', ')}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The whole report as Markdown. */
export function diffToMarkdown(report: DiffReport, base: string): string {
  const head = `## SLA changes against ${code(base)}\n\n`;
  if (report.slas.length === 0) return `${head}No SLA changes.\n`;
  const summary = `${report.slas.length} SLA${report.slas.length === 1 ? '' : 's'} changed: ${report.slas
    .map((s) => `${s.name} (${s.status})`)
    .join(', ')}\n\n`;
  return head + summary + report.slas.map(renderSla).join('\n');
}
