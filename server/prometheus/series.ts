// GET /api/v1/signals/query answered from Prometheus' query_range: the same parameters, validation,
// errors and response shape as the store-backed query (server/http/series-query.ts), with PromQL that
// computes each of QUERY_SIGNALS. Points sit on the same grid (from + step, from + 2·step, … ≤ to).
import type { SlaPlan } from '../compile/ir.js';
import { METRICS } from '../compile/metrics.js';
import { eq, errorRatioExpr, selector, type LabelMatcher } from '../compile/promql.js';
import { formatDuration } from '../lib/units.js';
import { ApiError } from '../http/errors.js';
import { parseSeriesQuery, seriesGrid, type QueryResult } from '../http/series-query.js';
import { PrometheusError, sampleValue, type MatrixSeries, type PrometheusClient } from './client.js';

/**
 * The shortest range a rate is taken over: a rate needs two scrapes in its range, and a 10 s step is
 * shorter than the usual 15 s scrape interval. Longer steps use the step itself (one value per step).
 */
export const MIN_RATE_RANGE_MS = 60_000;

type Signal = QueryResult['signal'];

interface Spec {
  expr: string;
  /** The label a series is told apart by (absent: one series, always present). */
  by?: 'component' | 'feature' | 'index' | 'consumer_group';
  /** Labels added to every series (the quantile). */
  extra?: Record<string, string>;
}

/** The PromQL of one signal for one service, with the filters of the request. */
export function seriesSpec(
  signal: Signal,
  service: string,
  filter: Readonly<Record<string, string>>,
  quantile: number,
  rangeMs: number,
): Spec {
  const w = formatDuration(rangeMs);
  const svc = eq('service', service);
  const only = (label: string): LabelMatcher[] =>
    filter[label] === undefined ? [] : [eq(label, filter[label])];
  const q = String(quantile);
  switch (signal) {
    case 'request_rate':
      return { expr: `sum(rate(${selector(METRICS.requests, [svc])}[${w}]))` };
    case 'error_ratio':
      return { expr: errorRatioExpr({ kind: 'requests', service }, rangeMs) };
    case 'latency_quantile':
      return {
        expr: `histogram_quantile(${q}, sum by (le) (rate(${selector(`${METRICS.requestDuration}_bucket`, [svc])}[${w}])))`,
        extra: { quantile: q },
      };
    case 'component_quantile':
      return {
        expr: `histogram_quantile(${q}, sum by (component, le) (rate(${selector(`${METRICS.componentLatency}_bucket`, [svc, ...only('component')])}[${w}])))`,
        by: 'component',
        extra: { quantile: q },
      };
    case 'feature_age':
      return {
        expr: `max by (feature) (${selector(METRICS.featureAge, [svc, ...only('feature')])})`,
        by: 'feature',
      };
    case 'null_rate': {
      const m = [svc, ...only('feature')];
      return {
        expr:
          `sum by (feature) (rate(${selector(METRICS.featureNulls, m)}[${w}])) / ` +
          `(sum by (feature) (rate(${selector(METRICS.featureLookups, m)}[${w}])) > 0)`,
        by: 'feature',
      };
    }
    case 'recall': {
      const m = [svc, ...only('index')];
      return {
        expr:
          `sum by (index) (rate(${selector(METRICS.recallHits, m)}[${w}])) / ` +
          `(sum by (index) (rate(${selector(METRICS.recallExpected, m)}[${w}])) > 0)`,
        by: 'index',
      };
    }
    case 'tombstone_ratio': {
      const m = [svc, ...only('index')];
      return {
        expr:
          `sum by (index) (${selector(METRICS.indexTombstones, m)}) / ` +
          `(sum by (index) (${selector(METRICS.indexVectors, m)}) > 0)`,
        by: 'index',
      };
    }
    case 'drift_psi':
      return {
        expr: `max by (feature) (${selector(METRICS.driftPsi, [svc, ...only('feature')])})`,
        by: 'feature',
      };
    case 'stream_lag':
      return {
        expr: `max by (consumer_group) (${selector(METRICS.streamLag, [svc, ...only('consumer_group')])})`,
        by: 'consumer_group',
      };
    case 'catchup_seconds':
      return {
        expr: `max by (consumer_group) (${selector(METRICS.streamCatchUp, [svc, ...only('consumer_group')])})`,
        by: 'consumer_group',
      };
  }
}

/** Parses the query string as the store-backed route does, then asks Prometheus for the series. */
export async function querySeriesFromPrometheus(
  client: PrometheusClient,
  plans: readonly SlaPlan[],
  query: Record<string, unknown>,
  now: number,
  signal?: AbortSignal,
): Promise<QueryResult> {
  // Same validation and errors as the embedded route: ApiError 400/404 before any query.
  const checked = parseSeriesQuery(plans, query, now);
  const { from, to, stepMs, service } = checked;
  const spec = seriesSpec(
    checked.signal,
    service,
    checked.filter,
    checked.quantile,
    Math.max(stepMs, MIN_RATE_RANGE_MS),
  );
  const grid = seriesGrid(checked);
  const base = { labels: { service, ...(spec.extra ?? {}) } };

  let matrix: MatrixSeries[] = [];
  if (grid.length > 0) {
    try {
      matrix = await client.queryRange(spec.expr, grid[0]!, grid[grid.length - 1]!, stepMs, signal);
    } catch (error) {
      if (error instanceof PrometheusError)
        throw new ApiError(502, 'data_source_unavailable', `Prometheus data source: ${error.message}`);
      throw error;
    }
  }
  const points = (series: MatrixSeries | undefined): Array<[number, number | null]> => {
    const byTime = new Map<number, number>();
    for (const [seconds, value] of series?.values ?? [])
      byTime.set(Math.round(seconds * 1000), sampleValue(value));
    return grid.map((t) => {
      const v = byTime.get(t);
      // JSON has no NaN or Infinity: a lag that does not drain, an empty histogram are null.
      return [t, v !== undefined && Number.isFinite(v) ? v : null];
    });
  };
  let out: QueryResult['series'];
  if (spec.by === undefined) {
    out = [{ labels: base.labels, points: points(matrix[0]) }];
  } else {
    const by = spec.by;
    out = matrix
      .map((series) => ({
        labels: { service, [by]: series.metric[by] ?? '', ...(spec.extra ?? {}) },
        points: points(series),
      }))
      .sort((a, b) => (a.labels[by] ?? '').localeCompare(b.labels[by] ?? ''));
  }
  return { signal: checked.signal, service, from, to, stepMs, series: out };
}
