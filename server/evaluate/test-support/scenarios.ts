// Synthetic incidents for the differential test: per-minute signals of the FULL_SLA service through a
// healthy baseline, an incident and (mostly) a recovery. Each scenario names the alerts it must fire.

const SERVICE = 'recs-api';

export interface Scenario {
  name: string;
  /** Evaluations run at minutes 0…minutes. */
  minutes: number;
  /** Signals of minute m, each stamped with `ts` inside (m − 1, m] minutes via `stamp`. */
  signals(m: number, stamp: (secondsBeforeMinute: number) => number): object[];
  /** Alerts the scenario exists to fire; the test fails when one never fires. */
  fires: string[];
}

interface Baseline {
  /** Share of requests that fail. */
  errorShare: number;
  /** Share of requests that take 300ms (the rest take 50ms). */
  slowShare: number;
  /** vector_search latency in seconds. */
  vectorSearchSeconds: number;
  /** Whether the feature pipeline delivers user_7d this minute. */
  featureFresh: boolean;
  /** Null lookups of user_7d per 100. */
  nullsPer100: number;
  /** Recall of the probes this minute (hits out of 10). */
  recallHits: number;
  tombstones: number;
  stream: { lag: number; consumeRate: number; produceRate: number };
  /** Where this minute's observed prices sit (the reference is uniform on [0, 1)). */
  priceShift: number;
}

const HEALTHY: Baseline = {
  errorShare: 0,
  slowShare: 0,
  vectorSearchSeconds: 0.01,
  featureFresh: true,
  nullsPer100: 0,
  recallHits: 10,
  tombstones: 1_000,
  stream: { lag: 100, consumeRate: 1000, produceRate: 900 },
  priceShift: 0,
};

const REQUESTS_PER_MINUTE = 60;

function minuteSignals(m: number, stamp: (s: number) => number, b: Baseline): object[] {
  const out: object[] = [];
  if (m === 0) {
    // The drift reference: a uniform distribution of prices, sent once before any traffic.
    out.push({
      type: 'distribution',
      service: SERVICE,
      feature: 'price',
      values: Array.from({ length: 1000 }, (_, i) => i / 1000),
      reference: true,
      ts: stamp(0),
    });
    return out;
  }
  const errors = Math.round(REQUESTS_PER_MINUTE * b.errorShare);
  const slow = Math.round(REQUESTS_PER_MINUTE * b.slowShare);
  for (let i = 0; i < REQUESTS_PER_MINUTE; i++) {
    out.push({
      type: 'request',
      service: SERVICE,
      ok: i >= errors,
      seconds: i < slow ? 0.3 : 0.05,
      ts: stamp(55 - (i % 50)),
    });
  }
  const component = (name: string, seconds: number) => ({
    type: 'component_latency',
    service: SERVICE,
    component: name,
    buckets: { [String(seconds)]: 40 },
    count: 40,
    sum: 40 * seconds,
    ts: stamp(30),
  });
  out.push(
    component('feature_retrieval', 0.005),
    component('vector_search', b.vectorSearchSeconds),
    component('model_inference', 0.02),
  );
  if (b.featureFresh) {
    out.push({
      type: 'feature_value',
      service: SERVICE,
      feature: 'user_7d',
      eventTime: stamp(50),
      ts: stamp(30),
    });
  }
  out.push({
    type: 'null_rate',
    service: SERVICE,
    feature: 'user_7d',
    nulls: b.nullsPer100,
    total: 100,
    ts: stamp(30),
  });
  out.push({
    type: 'stream',
    service: SERVICE,
    consumerGroup: 'feature-pipeline',
    ...b.stream,
    ts: stamp(20),
  });
  const exact = Array.from({ length: 10 }, (_, i) => `doc-${i}`);
  for (let p = 0; p < 3; p++) {
    const retrieved = [
      ...exact.slice(0, b.recallHits),
      ...Array.from({ length: 10 - b.recallHits }, (_, i) => `other-${i}`),
    ];
    out.push({
      type: 'recall_probe',
      service: SERVICE,
      index: 'products',
      k: 10,
      retrieved,
      exact,
      ts: stamp(40 - p),
    });
  }
  out.push({
    type: 'index_stats',
    service: SERVICE,
    index: 'products',
    vectors: 100_000,
    tombstones: b.tombstones,
    ts: stamp(10),
  });
  out.push({
    type: 'distribution',
    service: SERVICE,
    feature: 'price',
    // 200 prices: uniform on [0, 1) when healthy, squeezed towards 1 when shifted.
    values: Array.from(
      { length: 200 },
      (_, i) => b.priceShift + (1 - b.priceShift) * ((i * 5 + (m % 5)) / 1000),
    ),
    ts: stamp(25),
  });
  return out;
}

function scenario(
  name: string,
  minutes: number,
  fires: string[],
  incident: (m: number) => Partial<Baseline> | undefined,
): Scenario {
  return {
    name,
    minutes,
    fires,
    signals: (m, stamp) => minuteSignals(m, stamp, { ...HEALTHY, ...(incident(m) ?? {}) }),
  };
}

const between = (m: number, from: number, to: number): boolean => m >= from && m <= to;

/** The scenarios: healthy, then one incident each, with clear margins over every threshold. */
export const SCENARIOS: readonly Scenario[] = [
  scenario('healthy', 60, [], () => undefined),
  // Burn-rate incidents start after an hour of traffic, so the 5m and 1h windows are covered by data.
  scenario('availability error spike pages', 105, ['SLOAvailabilityBurnRateHigh'], (m) =>
    between(m, 61, 75) ? { errorShare: 0.4 } : undefined,
  ),
  scenario('latency slowdown', 105, ['SLOLatencyBurnRateHigh'], (m) =>
    between(m, 61, 85) ? { slowShare: 0.5 } : undefined,
  ),
  scenario('component over budget', 60, ['LatencyComponentOverBudget'], (m) =>
    between(m, 21, 45) ? { vectorSearchSeconds: 0.04 } : undefined,
  ),
  scenario(
    'stale feature, then fallback',
    60,
    ['FeatureStale', 'FeatureFallbackRequired', 'FeatureNullRateHigh'],
    (m) => ({
      ...(between(m, 11, 44) ? { featureFresh: false } : {}),
      ...(between(m, 15, 40) ? { nullsPer100: 10 } : {}),
    }),
  ),
  scenario('recall drop', 60, ['VectorRecallBelowTarget', 'VectorTombstoneRatioHigh'], (m) =>
    between(m, 21, 45) ? { recallHits: 8, tombstones: 30_000 } : undefined,
  ),
  scenario('stream stall', 60, ['StreamStalled', 'StreamCatchUpSlow'], (m) =>
    between(m, 21, 40)
      ? { stream: { lag: 100 + 900 * (m - 20), consumeRate: 0, produceRate: 900 } }
      : undefined,
  ),
  scenario('distribution drift', 60, ['DistributionDriftHigh'], (m) =>
    between(m, 21, 50) ? { priceShift: 0.9 } : undefined,
  ),
];
