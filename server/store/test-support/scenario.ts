// Shared pieces of the store tests: a few series of each type, and a battery of queries whose
// answers must not change across a reopen or a rejected batch.
import type { Store } from '../store.js';
import type { Labels, SampleUpdate, SeriesType } from '../types.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** An hour-aligned start time for scenarios. */
export const T0 = Date.UTC(2025, 0, 1);

export interface SeriesSpec {
  name: string;
  labels: Labels;
  type: SeriesType;
}

export const SPECS: readonly SeriesSpec[] = [
  { name: 'slactl_requests_total', labels: { service: 'search' }, type: 'counter' },
  { name: 'slactl_requests_total', labels: { service: 'fraud', code: '500' }, type: 'counter' },
  { name: 'slactl_stream_lag', labels: { service: 'search', consumer_group: 'g1' }, type: 'gauge' },
  { name: 'slactl_feature_event_time', labels: { service: 'search', feature: 'ctr' }, type: 'max' },
];

/** An update of SPECS[series]. */
export function update(series: number, t: number, value: number): SampleUpdate {
  const spec = SPECS[series]!;
  return { name: spec.name, labels: spec.labels, type: spec.type, t, value };
}

/** Answers of every query kind for every SPECS series at the given probe times. */
export function answers(store: Store, probes: readonly number[]): unknown {
  const out: Record<string, unknown> = {
    seriesCount: ['search', 'fraud', 'none'].map((s) => store.seriesCount(s)),
  };
  SPECS.forEach((spec, i) => {
    const refs = store.select(spec.name, spec.labels);
    out[`select ${i}`] = refs.map((r) => ({ ...r }));
    const ref = refs[0];
    if (ref === undefined) return;
    if (spec.type === 'counter') {
      out[`total ${i}`] = store.total(ref);
      out[`increase ${i}`] = probes.flatMap((a) => probes.map((b) => store.increase(ref, a, b)));
      out[`total at ${i}`] = probes.map((a) => store.total(ref, a));
    } else {
      out[`latest ${i}`] = probes.map((a) => store.latest(ref, a));
    }
    out[`range ${i}`] = [10_000, 60_000, HOUR, DAY].map((step) =>
      store.range(
        ref,
        Math.min(...probes),
        Math.max(...probes),
        Math.max(step, (Math.max(...probes) - Math.min(...probes)) / 500),
      ),
    );
  });
  return out;
}
