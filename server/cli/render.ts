// Terminal renderings: diagnostics, summaries, the latency budget table.
import { formatDiagnostic, type Diagnostic } from '../lib/diagnostics.js';
import { formatDuration as formatDurationRaw, formatNumber } from '../lib/units.js';

const formatDuration = (ms: number): string => (ms === 0 ? '0ms' : formatDurationRaw(ms));
import type { LatencyBudget } from '../compile/ir.js';

/** Renders diagnostics, one block each, and a closing count. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('');
}

/** "2 errors, 1 warning". */
export function countLine(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

/** Pads cells into aligned columns; numeric columns are right-aligned. */
export function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n') + '\n';
}

/** The latency budget as the seed's worked example: component, budget, share, cumulative, headroom. */
export function renderBudget(name: string, budget: LatencyBudget): string {
  const pct = (ratio: number): string => `${formatNumber(Math.round(ratio * 1000) / 10)}%`;
  const rows = budget.rows.map((r) => [
    r.component,
    formatDuration(r.budgetMs),
    pct(r.shareOfP99),
    formatDuration(r.cumulativeMs),
    r.headroomMs < 0 ? `-${formatDuration(-r.headroomMs)}` : formatDuration(r.headroomMs),
  ]);
  rows.push([
    'total',
    formatDuration(budget.totalMs),
    pct(budget.totalMs / budget.p99Ms),
    formatDuration(budget.totalMs),
    budget.headroomMs < 0 ? `-${formatDuration(-budget.headroomMs)}` : formatDuration(budget.headroomMs),
  ]);
  const head = `Latency budget of ${name}: P99 target ${formatDuration(budget.p99Ms)}\n\n`;
  const foot =
    budget.headroomMs >= 0
      ? `\n${formatDuration(budget.headroomMs)} headroom at P99\n`
      : `\n${formatDuration(-budget.headroomMs)} over the P99 target\n`;
  return (
    head +
    table(['component', 'budget', 'share of p99', 'cumulative', 'headroom'], rows, new Set([1, 2, 3, 4])) +
    foot
  );
}
