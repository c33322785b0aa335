// GET /api/v1/signals/query: chart-ready series of one signal for one service over a time range.
import { parseDuration } from '../lib/units.js';
import { METRICS } from '../compile/metrics.js';
import type { SlaPlan } from '../compile/ir.js';
import { histogramQuantile, type Bucket } from '../signals/histogram.js';
import type { SignalReader } from '../collector/derived.js';
import type { Labels, SeriesRef, SeriesStore } from '../store/types.js';
import { ApiError } from './errors.js';

export const QUERY_SIGNALS = [
  { signal: 'request_rate', unit: 'requests/s', description: 'Requests per second' },
  { signal: 'error_ratio', unit: 'ratio', description: 'Failed requests / all requests per step' },
  { signal: 'latency_quantile', unit: 'seconds', description: 'End-to-end latency quantile (quantile=0.99)' },
  {
    signal: 'component_quantile',
    unit: 'seconds',
    description: 'Per-component latency quantile (component=…)',
  },
  { signal: 'feature_age', unit: 'seconds', description: 'Seconds since the newest event per feature' },
  { signal: 'null_rate', unit: 'ratio', description: 'Null lookups / lookups per feature' },
  { signal: 'recall', unit: 'ratio', description: 'Mean recall@k per index' },
  { signal: 'tombstone_ratio', unit: 'ratio', description: 'Tombstoned / stored vectors per index' },
  { signal: 'drift_psi', unit: 'psi', description: 'PSI against the reference per feature' },
  { signal: 'stream_lag', unit: 'messages', description: 'Consumer lag per consumer group' },
  { signal: 'catchup_seconds', unit: 'seconds', description: 'Time to drain the lag per consumer group' },
] as const;

type QuerySignal = (typeof QUERY_SIGNALS)[number]['signal'];

export interface QueryResult {
  signal: QuerySignal;
  service: string;
  from: number;
  to: number;
  stepMs: number;
  series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }>;
}

const MAX_POINTS = 11_000;
const MIN_STEP_MS = 10_000;

function bad(field: string, message: string): ApiError {
  return new ApiError(400, 'invalid_query', `${field}: ${message}`, [{ field, message }]);
}

function time(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string') throw bad(field, 'give it once');
  if (/^\d+$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw bad(field, `expected ms since the epoch or RFC 3339, got ${JSON.stringify(value)}`);
  return parsed;
}

function text(value: unknown, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw bad(field, 'give it once');
  return value;
}

/** A validated query: what to compute, for which service, over which grid. */
export interface SeriesQuery {
  signal: QuerySignal;
  service: string;
  from: number;
  to: number;
  stepMs: number;
  quantile: number;
  /** The component, feature, index or consumer_group asked for. */
  filter: Record<string, string>;
}

/** Parses and validates the query string; a bad parameter is an ApiError 400 naming it, an unknown SLA 404. */
export function parseSeriesQuery(
  plans: readonly SlaPlan[],
  query: Record<string, unknown>,
  now: number,
): SeriesQuery {
  const signalText = text(query.signal, 'signal');
  const known = QUERY_SIGNALS.map((s) => s.signal) as readonly string[];
  if (signalText === undefined) throw bad('signal', `required, one of ${known.join(', ')}`);
  if (!known.includes(signalText))
    throw bad('signal', `unknown signal ${JSON.stringify(signalText)}; one of ${known.join(', ')}`);
  const signal = signalText as QuerySignal;

  const slaName = text(query.sla, 'sla');
  let service = text(query.service, 'service');
  if (slaName !== undefined) {
    const plan = plans.find((p) => p.name === slaName);
    if (!plan) throw new ApiError(404, 'not_found', `no SLA named ${JSON.stringify(slaName)}`);
    service = plan.service;
  }
  if (service === undefined) throw bad('sla', 'give sla=<name> or service=<service>');

  const to = time(query.to, 'to', now);
  const from = time(query.from, 'from', to - 3_600_000);
  if (from >= to) throw bad('from', 'must be before to');
  const stepText = text(query.step, 'step');
  let stepMs = Math.max(MIN_STEP_MS, Math.ceil((to - from) / 240 / MIN_STEP_MS) * MIN_STEP_MS);
  if (stepText !== undefined) {
    const parsed = parseDuration(stepText);
    if (!parsed.ok || parsed.value <= 0)
      throw bad('step', `expected a duration such as 30s, got ${JSON.stringify(stepText)}`);
    if (parsed.value < MIN_STEP_MS) throw bad('step', 'must be at least 10s (the finest resolution kept)');
    stepMs = parsed.value;
  }
  if ((to - from) / stepMs > MAX_POINTS)
    throw bad('step', `too many points: at most ${MAX_POINTS} per series; use a larger step`);

  const quantileText = text(query.quantile, 'quantile') ?? '0.99';
  const quantile = Number(quantileText);
  if (!(quantile > 0 && quantile < 1)) throw bad('quantile', `must be between 0 and 1, got ${quantileText}`);

  const filter: Record<string, string> = {};
  for (const label of ['component', 'feature', 'index', 'consumer_group'] as const) {
    const v = text(query[label], label);
    if (v !== undefined) filter[label] = v;
  }
  return { signal, service, from, to, stepMs, quantile, filter };
}

/** The times a series has points at: from + step, from + 2·step, … ≤ to. */
export function seriesGrid(q: Pick<SeriesQuery, 'from' | 'to' | 'stepMs'>): number[] {
  const out: number[] = [];
  for (let t = q.from + q.stepMs; t <= q.to; t += q.stepMs) out.push(t);
  return out;
}

/** Parses the query string and computes the series from the store. */
export function querySeries(
  store: SeriesStore,
  reader: SignalReader,
  plans: readonly SlaPlan[],
  query: Record<string, unknown>,
  now: number,
): QueryResult {
  const { signal, service, from, to, stepMs, quantile, filter } = parseSeriesQuery(plans, query, now);
  const ctx: Ctx = { store, reader, service, from, to, stepMs, filter };
  return { signal, service, from, to, stepMs, series: compute(ctx, signal, quantile) };
}

interface Ctx {
  store: SeriesStore;
  reader: SignalReader;
  service: string;
  from: number;
  to: number;
  stepMs: number;
  filter: Record<string, string>;
}

type Points = Array<[number, number | null]>;

function steps(ctx: Ctx): number[] {
  return seriesGrid(ctx);
}

function rangeOf(ctx: Ctx, ref: SeriesRef): Map<number, number> {
  return new Map(ctx.store.range(ref, ctx.from, ctx.to, ctx.stepMs).map((p) => [p.t, p.value]));
}

function sumRanges(ctx: Ctx, refs: readonly SeriesRef[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const ref of refs) for (const [t, v] of rangeOf(ctx, ref)) out.set(t, (out.get(t) ?? 0) + v);
  return out;
}

function ratio(ctx: Ctx, num: Map<number, number>, den: Map<number, number>, scale = 1): Points {
  return steps(ctx).map((t) => {
    const d = den.get(t) ?? 0;
    return [t, d > 0 ? ((num.get(t) ?? 0) / d) * scale : null];
  });
}

/** Groups series by one label's value. */
function groupBy(refs: readonly SeriesRef[], label: string): Map<string, SeriesRef[]> {
  const out = new Map<string, SeriesRef[]>();
  for (const ref of refs) {
    const key = ref.labels[label] ?? '';
    const list = out.get(key) ?? [];
    list.push(ref);
    out.set(key, list);
  }
  return out;
}

function quantileSeries(ctx: Ctx, metric: string, match: Labels, q: number): Points {
  const buckets = ctx.store.select(`${metric}_bucket`, match);
  const byLe = new Map<number, Map<number, number>>();
  for (const [le, refs] of groupBy(buckets, 'le')) {
    byLe.set(le === '+Inf' ? Infinity : Number(le), sumRanges(ctx, refs));
  }
  const bounds = [...byLe.keys()].sort((a, b) => a - b);
  return steps(ctx).map((t) => {
    const hist: Bucket[] = bounds.map((le) => ({ le, count: byLe.get(le)?.get(t) ?? 0 }));
    const value = histogramQuantile(q, hist);
    return [t, Number.isFinite(value) ? value : null];
  });
}

function compute(ctx: Ctx, signal: QuerySignal, q: number): QueryResult['series'] {
  const { store, service, filter } = ctx;
  const svc = { service };
  switch (signal) {
    case 'request_rate': {
      const total = sumRanges(ctx, store.select(METRICS.requests, svc));
      return [{ labels: svc, points: steps(ctx).map((t) => [t, (total.get(t) ?? 0) / (ctx.stepMs / 1000)]) }];
    }
    case 'error_ratio':
      return [
        {
          labels: svc,
          points: ratio(
            ctx,
            sumRanges(ctx, store.select(METRICS.requestErrors, svc)),
            sumRanges(ctx, store.select(METRICS.requests, svc)),
          ),
        },
      ];
    case 'latency_quantile':
      return [
        {
          labels: { ...svc, quantile: String(q) },
          points: quantileSeries(ctx, METRICS.requestDuration, svc, q),
        },
      ];
    case 'component_quantile': {
      const components = [
        ...groupBy(
          store.select(`${METRICS.componentLatency}_count`, { ...svc, ...pick(filter, 'component') }),
          'component',
        ).keys(),
      ].sort();
      return components.map((component) => ({
        labels: { ...svc, component, quantile: String(q) },
        points: quantileSeries(ctx, METRICS.componentLatency, { ...svc, component }, q),
      }));
    }
    case 'null_rate': {
      const nulls = groupBy(
        store.select(METRICS.featureNulls, { ...svc, ...pick(filter, 'feature') }),
        'feature',
      );
      const lookups = groupBy(
        store.select(METRICS.featureLookups, { ...svc, ...pick(filter, 'feature') }),
        'feature',
      );
      return [...lookups.keys()].sort().map((feature) => ({
        labels: { ...svc, feature },
        points: ratio(
          ctx,
          sumRanges(ctx, nulls.get(feature) ?? []),
          sumRanges(ctx, lookups.get(feature) ?? []),
        ),
      }));
    }
    case 'recall': {
      const hits = groupBy(store.select(METRICS.recallHits, { ...svc, ...pick(filter, 'index') }), 'index');
      const expected = groupBy(
        store.select(METRICS.recallExpected, { ...svc, ...pick(filter, 'index') }),
        'index',
      );
      return [...expected.keys()].sort().map((index) => ({
        labels: { ...svc, index },
        points: ratio(ctx, sumRanges(ctx, hits.get(index) ?? []), sumRanges(ctx, expected.get(index) ?? [])),
      }));
    }
    case 'feature_age': {
      const features = ctx.reader
        .features(service)
        .filter((f) => filter.feature === undefined || f === filter.feature);
      return features.map((feature) => ({
        labels: { ...svc, feature },
        points: steps(ctx).map((t) => [t, ctx.reader.featureAge(service, feature, t) ?? null]),
      }));
    }
    case 'tombstone_ratio': {
      const indexes = ctx.reader
        .indexes(service)
        .filter((i) => filter.index === undefined || i === filter.index);
      return indexes.map((index) => ({
        labels: { ...svc, index },
        points: steps(ctx).map((t) => [t, ctx.reader.index(service, index, t)?.tombstoneRatio ?? null]),
      }));
    }
    case 'drift_psi': {
      const perFeature = new Map<string, Points>();
      for (const t of steps(ctx)) {
        for (const d of ctx.reader.drift(service, t)) {
          if (filter.feature !== undefined && d.feature !== filter.feature) continue;
          const points = perFeature.get(d.feature) ?? [];
          points.push([t, Number.isFinite(d.psi) ? d.psi : null]);
          perFeature.set(d.feature, points);
        }
      }
      return [...perFeature.keys()]
        .sort()
        .map((feature) => ({ labels: { ...svc, feature }, points: perFeature.get(feature)! }));
    }
    case 'stream_lag':
    case 'catchup_seconds': {
      const groups = ctx.reader
        .streams(service)
        .filter((g) => filter.consumer_group === undefined || g === filter.consumer_group);
      return groups.map((group) => ({
        labels: { ...svc, consumer_group: group },
        points: steps(ctx).map((t) => {
          const s = ctx.reader.stream(service, group, t);
          if (!s) return [t, null];
          const v = signal === 'stream_lag' ? s.lag : s.catchUpSeconds;
          // JSON has no Infinity: a lag that does not drain is reported as null with the stall flag in status.
          return [t, Number.isFinite(v) ? v : null];
        }),
      }));
    }
  }
}

function pick(filter: Record<string, string>, label: string): Record<string, string> {
  return filter[label] === undefined ? {} : { [label]: filter[label] };
}
