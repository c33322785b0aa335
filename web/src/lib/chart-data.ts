// Query series reshaped for charts: one row per time with a column per series, and a y-range that
// keeps the threshold line in view.
import type { QuerySeries } from '../api/signals-query';

export interface ChartSeries {
  key: string;
  label: string;
}

export interface ChartRow {
  t: number;
  [key: string]: number | null;
}

/** Rows by time with one column per series (`s0`, `s1`, …); a gap stays null so lines break there. */
export function toRows(
  series: readonly QuerySeries[],
  scale = 1,
): { rows: ChartRow[]; columns: ChartSeries[] } {
  const byTime = new Map<number, ChartRow>();
  const columns: ChartSeries[] = series.map((s, i) => ({ key: `s${i}`, label: seriesLabel(s.labels) }));
  series.forEach((s, i) => {
    for (const [t, v] of s.points) {
      const row = byTime.get(t) ?? { t };
      row[`s${i}`] = v === null ? null : v * scale;
      byTime.set(t, row);
    }
  });
  const rows = [...byTime.values()].sort((a, b) => a.t - b.t);
  for (const row of rows) for (const c of columns) if (!(c.key in row)) row[c.key] = null;
  return { rows, columns };
}

/** What tells a series apart: its subject label (`products`, `feature-pipeline`), else the service. */
export function seriesLabel(labels: Record<string, string>): string {
  return (
    labels.component ?? labels.feature ?? labels.index ?? labels.consumer_group ?? labels.service ?? 'value'
  );
}

/**
 * [min, max] of the y axis: from 0 (or the lowest value, when negative) up to the data or the threshold,
 * whichever is higher, with 10% headroom; [0, 1] when there is nothing above 0.
 */
export function yDomain(
  rows: readonly ChartRow[],
  columns: readonly ChartSeries[],
  threshold?: number,
): [number, number] {
  let max = threshold ?? 0;
  let min = Math.min(0, threshold ?? 0);
  for (const row of rows)
    for (const c of columns) {
      const v = row[c.key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (v > max) max = v;
      if (v < min) min = v;
    }
  if (max <= 0 && min >= 0) return [0, 1];
  const span = max - min;
  return [min < 0 ? -niceCeil(-(min - span * 0.1)) : 0, max > 0 ? niceCeil(max + span * 0.1) : 0];
}

const NICE = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) at or above `x` > 0: even axis ticks. */
export function niceCeil(x: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(x));
  const f = NICE.find((n) => n * magnitude >= x * (1 - 1e-9)) ?? 10;
  return Number((f * magnitude).toPrecision(12));
}

/** The newest non-null value of a column. */
export function latest(rows: readonly ChartRow[], key: string): number | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    const v = rows[i]![key];
    if (typeof v === 'number') return v;
  }
  return undefined;
}
