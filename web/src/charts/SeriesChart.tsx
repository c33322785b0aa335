// A time series with its threshold line and the periods its alerts were pending or firing shaded: the
// question "is it over, since when" answered at a glance. Below the chart, its latest value in words.
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { QuerySeries } from '../api/signals-query';
import { latest, toRows, yDomain } from '../lib/chart-data';
import { formatClock } from '../lib/format';
import type { AlertPeriod } from '../lib/periods';
import { useChartColors } from './colors';

export interface Threshold {
  value: number;
  /** `max`: bad above it; `min`: bad below it. */
  kind: 'max' | 'min';
  label: string;
}

export interface SeriesChartProps {
  title: string;
  series: readonly QuerySeries[];
  /** Formats a value of the series (after `scale`) with its unit. */
  format: (v: number) => string;
  /** Multiplies the values (e.g. seconds → ms) before drawing. */
  scale?: number;
  threshold?: Threshold;
  periods?: readonly AlertPeriod[];
  fromMs: number;
  toMs: number;
  /** Shown instead of the chart when there are no points. */
  empty: string;
  /** A ratio chart whose axis tops out at 1 (recall). */
  ratioCeiling?: boolean;
  note?: string;
}

function hasPoints(series: readonly QuerySeries[]): boolean {
  return series.some((s) => s.points.some(([, v]) => v !== null));
}

export function SeriesChart(props: SeriesChartProps) {
  const colors = useChartColors();
  const { rows, columns } = toRows(props.series, props.scale ?? 1);
  const threshold = props.threshold;
  let domain = yDomain(rows, columns, threshold?.value);
  if (props.ratioCeiling && threshold?.kind === 'min') {
    let low = threshold.value;
    for (const row of rows)
      for (const c of columns) {
        const v = row[c.key];
        if (typeof v === 'number' && v < low) low = v;
      }
    domain = [Math.max(0, Math.floor((low - 0.05) * 20) / 20), 1];
  }
  const summary = columns.map((c) => {
    const v = latest(rows, c.key);
    const bad =
      v !== undefined &&
      threshold !== undefined &&
      (threshold.kind === 'max' ? v > threshold.value : v < threshold.value);
    return { label: c.label, value: v === undefined ? '—' : props.format(v), bad };
  });
  const firing = (props.periods ?? []).filter((p) => p.state === 'firing').length;
  const pending = (props.periods ?? []).filter((p) => p.state === 'pending').length;
  return (
    <figure className="chart" data-chart={props.title}>
      <figcaption>
        <span className="chart-title">{props.title}</span>
        {threshold !== undefined ? (
          <span className="chart-threshold">
            <span className="legend-line legend-threshold" aria-hidden="true" /> {threshold.label}
          </span>
        ) : null}
        {firing + pending > 0 ? (
          <span className="chart-periods">
            <span className="legend-box legend-firing" aria-hidden="true" /> firing
            <span className="legend-box legend-pending" aria-hidden="true" /> pending
          </span>
        ) : null}
      </figcaption>
      {!hasPoints(props.series) ? (
        <p className="chart-empty">{props.empty}</p>
      ) : (
        <div className="chart-body">
          <ResponsiveContainer width="100%" height={180}>
            <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 4 }}>
              <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={[props.fromMs, props.toMs]}
                tickFormatter={(t: number) => formatClock(t).slice(0, 5)}
                stroke={colors.axis}
                tick={{ fill: colors.axis, fontSize: 11 }}
                minTickGap={40}
              />
              <YAxis
                domain={domain}
                tickFormatter={(v: number) => props.format(v)}
                stroke={colors.axis}
                tick={{ fill: colors.axis, fontSize: 11 }}
                width={64}
                allowDataOverflow
              />
              {(props.periods ?? []).map((p) => (
                <ReferenceArea
                  key={`${p.fingerprint}-${p.state}-${p.fromMs}`}
                  x1={Math.max(p.fromMs, props.fromMs)}
                  x2={Math.min(p.toMs, props.toMs)}
                  fill={p.state === 'firing' ? colors.firing : colors.pending}
                  fillOpacity={1}
                  ifOverflow="hidden"
                />
              ))}
              {threshold !== undefined ? (
                <ReferenceLine
                  y={threshold.value}
                  stroke={colors.threshold}
                  strokeDasharray="6 3"
                  strokeWidth={1.5}
                  ifOverflow="extendDomain"
                />
              ) : null}
              <Tooltip
                labelFormatter={(t) => formatClock(Number(t))}
                formatter={(v, name) => [typeof v === 'number' ? props.format(v) : '—', String(name)]}
                contentStyle={{
                  background: 'var(--surface)',
                  border: '1px solid var(--border)',
                  color: 'var(--text)',
                }}
              />
              {columns.map((c, i) => (
                <Line
                  key={c.key}
                  dataKey={c.key}
                  name={c.label}
                  stroke={colors.series[i % colors.series.length] ?? colors.text}
                  strokeWidth={1.75}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <ul className="chart-summary">
        {summary.map((s) => (
          <li key={s.label} className={s.bad ? 'breach' : undefined}>
            {columns.length > 1 || s.label !== 'value' ? <span className="muted">{s.label}: </span> : null}
            <strong>{s.value}</strong>
            {s.bad ? (threshold?.kind === 'min' ? ' — below the threshold' : ' — above the threshold') : ''}
          </li>
        ))}
        {props.note !== undefined ? <li className="muted small">{props.note}</li> : null}
      </ul>
    </figure>
  );
}
