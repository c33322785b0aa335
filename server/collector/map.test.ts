import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LATENCY_BUCKETS } from '../signals/histogram.js';
import { openStore, type Store } from '../store/store.js';
import type { SampleUpdate } from '../store/types.js';
import { bucketLayout, leLabel, SignalMapper, type BucketLayout } from './map.js';
import { validateSignal, type Signal } from './schema.js';
import { examplePlan, T0 } from './test-support/fixtures.js';

const LAYOUT: BucketLayout = { request: [0.05, 0.1], component: [0.025] };
const S = 'recs-api';

let store: Store;
afterEach(() => store?.close());

function mapper(): SignalMapper {
  store = openStore({ path: ':memory:' });
  return new SignalMapper(store, LAYOUT);
}

function signals(...raw: object[]): Signal[] {
  return raw.map((r, index) => {
    const result = validateSignal(r, { index });
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('; '));
    return result.signal;
  });
}

/** Updates as `name{labels} type t value` lines, sorted, for readable comparisons. */
function lines(updates: readonly SampleUpdate[]): string[] {
  return updates
    .map((u) => {
      const labels = Object.entries(u.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return `${u.name}{${labels}} ${u.type} ${u.t - T0} ${u.value}`;
    })
    .sort();
}

function map(...raw: object[]): string[] {
  return lines(mapper().mapBatch(signals(...raw), T0, (index) => ({ index })).updates);
}

const histogram = (name: string, labels: string, counts: number[], sum: number, t = 0): string[] => {
  const les = [...LAYOUT[name.includes('component') ? 'component' : 'request'].map(leLabel), '+Inf'];
  return [
    ...les.map((le, i) => `${name}_bucket{${labels},le=${le}} counter ${t} ${counts[i]}`),
    `${name}_count{${labels}} counter ${t} ${counts[counts.length - 1]}`,
    `${name}_sum{${labels}} counter ${t} ${sum}`,
  ];
};

describe('signal → series updates', () => {
  it('request: counters (errors written as 0 for ok) and a cumulative histogram', () => {
    expect(map({ type: 'request', service: S, ok: true, seconds: 0.07 })).toEqual(
      [
        `slactl_request_errors_total{service=${S}} counter 0 0`,
        `slactl_requests_total{service=${S}} counter 0 1`,
        ...histogram('slactl_request_duration_seconds', `service=${S}`, [0, 1, 1], 0.07),
      ].sort(),
    );
  });

  it('request: a failure on a bucket bound counts in that bucket (le is <=)', () => {
    expect(map({ type: 'request', service: S, ok: false, seconds: 0.05, ts: T0 - 1000 })).toEqual(
      [
        `slactl_request_errors_total{service=${S}} counter -1000 1`,
        `slactl_requests_total{service=${S}} counter -1000 1`,
        ...histogram('slactl_request_duration_seconds', `service=${S}`, [1, 1, 1], 0.05, -1000),
      ].sort(),
    );
  });

  it('component_latency: one observation', () => {
    expect(map({ type: 'component_latency', service: S, component: 'vector_search', seconds: 2 })).toEqual(
      histogram('slactl_component_latency_seconds', `service=${S},component=vector_search`, [0, 1], 2).sort(),
    );
  });

  it('component_latency: pre-aggregated buckets move up to the smallest bound >= theirs', () => {
    const updates = map({
      type: 'component_latency',
      service: S,
      component: 'model_inference',
      buckets: { '0.01': 2, '0.025': 1, '0.03': 1, '+Inf': 1 },
      count: 5,
      sum: 0.4,
    });
    // 0.01 and 0.025 land in le=0.025; 0.03 has no bound above it but +Inf.
    expect(updates).toEqual(
      histogram(
        'slactl_component_latency_seconds',
        `service=${S},component=model_inference`,
        [3, 5],
        0.4,
      ).sort(),
    );
  });

  it('feature_value: the newest event time in seconds, as a max series', () => {
    expect(
      map(
        { type: 'feature_value', service: S, feature: 'user_ctr', eventTime: T0 - 90_000 },
        { type: 'feature_value', service: S, feature: 'user_ctr', eventTime: '2026-01-15T11:59:00Z' },
        { type: 'feature_value', service: S, feature: 'user_ctr', eventTime: T0 - 120_000 },
      ),
    ).toEqual([
      `slactl_feature_newest_event_timestamp_seconds{service=${S},feature=user_ctr} max 0 ${T0 / 1000 - 60}`,
    ]);
  });

  it('null_rate: lookups and nulls counters', () => {
    expect(
      map(
        { type: 'null_rate', service: S, feature: 'f', nulls: 3, total: 100 },
        { type: 'null_rate', service: S, feature: 'f', nulls: 1, total: 50 },
      ),
    ).toEqual([
      `slactl_feature_lookups_total{service=${S},feature=f} counter 0 150`,
      `slactl_feature_nulls_total{service=${S},feature=f} counter 0 4`,
    ]);
  });

  it('stream: three gauges, the later signal of a batch winning', () => {
    expect(
      map(
        { type: 'stream', service: S, consumerGroup: 'pipeline', lag: 10, consumeRate: 5, produceRate: 4 },
        { type: 'stream', service: S, consumerGroup: 'pipeline', lag: 500, consumeRate: 50, produceRate: 40 },
      ),
    ).toEqual([
      `slactl_stream_consume_rate{service=${S},consumer_group=pipeline} gauge 0 50`,
      `slactl_stream_lag_messages{service=${S},consumer_group=pipeline} gauge 0 500`,
      `slactl_stream_produce_rate{service=${S},consumer_group=pipeline} gauge 0 40`,
    ]);
  });

  it('recall_probe: probes, hits and expected per index and k', () => {
    expect(
      map(
        {
          type: 'recall_probe',
          service: S,
          index: 'products',
          k: 3,
          retrieved: [1, 2, 9],
          exact: [1, 2, 3, 4],
        },
        {
          type: 'recall_probe',
          service: S,
          index: 'products',
          k: 3,
          retrieved: ['a'],
          exact: ['a', 'b', 'c'],
        },
      ),
    ).toEqual([
      `slactl_recall_expected_total{service=${S},index=products,k=3} counter 0 6`,
      `slactl_recall_hits_total{service=${S},index=products,k=3} counter 0 3`,
      `slactl_recall_probes_total{service=${S},index=products,k=3} counter 0 2`,
    ]);
  });

  it('index_stats: vectors, tombstones, and memory when dimensions and m are known', () => {
    expect(
      map({ type: 'index_stats', service: S, index: 'products', vectors: 1000, tombstones: 50 }),
    ).toEqual([
      `slactl_index_tombstones{service=${S},index=products} gauge 0 50`,
      `slactl_index_vectors{service=${S},index=products} gauge 0 1000`,
    ]);
    expect(
      map({
        type: 'index_stats',
        service: S,
        index: 'products',
        vectors: 1000,
        tombstones: 50,
        dimensions: 768,
        m: 16,
      }),
    ).toContain(
      `slactl_index_memory_bytes{service=${S},index=products} gauge 0 ${1000 * (768 * 4 + 16 * 8)}`,
    );
  });

  it('distribution: a reference is stored, not counted; observations in the same batch bin against it', () => {
    const m = mapper();
    const reference = Array.from({ length: 100 }, (_, i) => i + 1);
    const batch = m.mapBatch(
      signals(
        {
          type: 'distribution',
          service: S,
          feature: 'price',
          values: reference.slice(0, 50),
          reference: true,
        },
        {
          type: 'distribution',
          service: S,
          feature: 'price',
          values: reference.slice(50),
          reference: true,
          ts: T0 - 5,
        },
        { type: 'distribution', service: S, feature: 'price', values: [1, 10, 11, 100, 1000] },
      ),
      T0,
      (index) => ({ index }),
    );
    // Two reference signals of one batch merge into one reference (deciles 10, 20, …, 90).
    expect(batch.references).toEqual([
      { service: S, feature: 'price', reference: { kind: 'numeric', values: reference }, atMs: T0 },
    ]);
    expect(lines(batch.updates)).toEqual([
      `slactl_distribution_observations_total{service=${S},feature=price,reference=${T0},bin=0} counter 0 2`,
      `slactl_distribution_observations_total{service=${S},feature=price,reference=${T0},bin=1} counter 0 1`,
      `slactl_distribution_observations_total{service=${S},feature=price,reference=${T0},bin=9} counter 0 2`,
    ]);
  });

  it('distribution: categorical counts per category, unseen categories included', () => {
    const m = mapper();
    const batch = m.mapBatch(
      signals(
        {
          type: 'distribution',
          service: S,
          feature: 'prediction',
          counts: { fraud: 1, ok: 99 },
          reference: true,
        },
        { type: 'distribution', service: S, feature: 'prediction', counts: { fraud: 5, ok: 0, review: 2 } },
      ),
      T0,
      (index) => ({ index }),
    );
    expect(lines(batch.updates)).toEqual([
      `slactl_distribution_observations_total{service=${S},feature=prediction,reference=${T0},bin=fraud} counter 0 5`,
      `slactl_distribution_observations_total{service=${S},feature=prediction,reference=${T0},bin=review} counter 0 2`,
    ]);
  });

  it('distribution: observations before any reference are not counted', () => {
    expect(map({ type: 'distribution', service: S, feature: 'price', values: [1, 2, 3] })).toEqual([]);
  });

  it('distribution: observations of the wrong kind for the reference are a 400 naming the position', () => {
    const m = mapper();
    expect(() =>
      m.mapBatch(
        signals(
          { type: 'distribution', service: S, feature: 'p', values: [1, 2, 3], reference: true },
          { type: 'distribution', service: S, feature: 'p', counts: { a: 1 } },
        ),
        T0,
        (index) => ({ index, line: index + 1 }),
      ),
    ).toThrow('line 2: counts: feature "p" has a numeric reference; send values (numbers)');
  });
});

describe('aggregation within a batch', () => {
  it('a thousand requests make as many updates as one', () => {
    const one = map({ type: 'request', service: S, ok: true, seconds: 0.01 });
    const many = mapper().mapBatch(
      signals(
        ...Array.from({ length: 1000 }, (_, i) => ({
          type: 'request',
          service: S,
          ok: i % 10 !== 0,
          seconds: i / 10_000,
        })),
      ),
      T0,
      (index) => ({ index }),
    ).updates;
    expect(many).toHaveLength(one.length);
    expect(lines(many)).toContain(`slactl_requests_total{service=${S}} counter 0 1000`);
    expect(lines(many)).toContain(`slactl_request_errors_total{service=${S}} counter 0 100`);
    // 0.0000 … 0.0500 are <= 0.05: 501 observations.
    expect(lines(many)).toContain(
      `slactl_request_duration_seconds_bucket{service=${S},le=0.05} counter 0 501`,
    );
  });

  it('merges samples within one 10 s store bucket (newest time kept) and keeps other buckets apart', () => {
    const updates = map(
      { type: 'null_rate', service: S, feature: 'f', nulls: 0, total: 1, ts: T0 - 9_000 },
      { type: 'null_rate', service: S, feature: 'f', nulls: 0, total: 2, ts: T0 - 1_000 },
      { type: 'null_rate', service: S, feature: 'f', nulls: 0, total: 4, ts: T0 - 11_000 },
    ).filter((l) => l.startsWith('slactl_feature_lookups_total'));
    expect(updates).toEqual([
      `slactl_feature_lookups_total{service=${S},feature=f} counter -1000 3`,
      `slactl_feature_lookups_total{service=${S},feature=f} counter -11000 4`,
    ]);
  });

  it('counts the series a batch would create, and none once they exist', () => {
    const m = mapper();
    const batch = m.mapBatch(signals({ type: 'request', service: S, ok: true, seconds: 1 }), T0, (index) => ({
      index,
    }));
    // requests, errors, 3 buckets, count, sum.
    expect(batch.newSeries.get(S)).toBe(7);
    store.apply(batch.updates);
    m.commit();
    const again = m.mapBatch(signals({ type: 'request', service: S, ok: true, seconds: 1 }), T0, (index) => ({
      index,
    }));
    expect(again.newSeries.size).toBe(0);
    // A fresh mapper over the same store knows them too.
    const fresh = new SignalMapper(store, LAYOUT);
    expect(
      fresh.mapBatch(signals({ type: 'request', service: S, ok: true, seconds: 1 }), T0, (i) => ({
        index: i,
      })).newSeries.size,
    ).toBe(0);
  });
});

describe('bucketLayout', () => {
  it('adds every latency threshold and component budget of the plans to the default buckets', () => {
    const layout = bucketLayout([examplePlan('recommendations')]);
    expect(layout.request).toEqual(expect.arrayContaining([0.1, 0.25]));
    expect(layout.component).toEqual(expect.arrayContaining([0.01, 0.015, 0.025, 0.005, 0.035]));
    expect(layout.component.map(leLabel)).toContain('0.035');
    expect(layout.component).not.toContain(Infinity);
    expect([...layout.request].sort((a, b) => a - b)).toEqual(layout.request);
    expect(bucketLayout([])).toEqual({
      request: [...DEFAULT_LATENCY_BUCKETS],
      component: [...DEFAULT_LATENCY_BUCKETS],
    });
  });
});
