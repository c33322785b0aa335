// Each rule kind of the compiled rules, evaluated over an in-memory store: the exact minute an alert
// goes pending and fires, its value, labels and annotations, the guards (no traffic, too few probes,
// no vectors), and the SLA status the dashboard reads.
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../compile/metrics.js';
import type { SeriesStore } from '../store/types.js';
import { counter, harness, MINUTE, T0, type Harness } from './test-support/harness.js';
import { CUSTOM_SLI_SLA, FULL_SLA, plansFromYaml } from './test-support/plans.js';
import type { AlertInstance, Evaluation, Transition } from './types.js';

const SERVICE = 'recs-api';
const at = (minute: number): number => T0 + minute * MINUTE;
/** Samples of minute m are stamped half a minute before the evaluation at the end of that minute. */
const during = (minute: number): number => at(minute) - 30_000;

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function setup(yaml = FULL_SLA): Harness {
  h = harness(plansFromYaml(yaml));
  return h;
}

function brief(t: Transition): string {
  const subject =
    t.labels.burn_tier ??
    t.labels.feature ??
    t.labels.component ??
    t.labels.index ??
    t.labels.consumer_group ??
    '';
  return `${(t.at - T0) / MINUTE}m ${t.alertname}${subject === '' ? '' : `[${subject}]`} ${t.from}→${t.to}`;
}

/** Runs evaluations at the given minutes, feeding each minute first, and returns every transition. */
function run(
  harnessed: Harness,
  minutes: Iterable<number>,
  feed: (minute: number) => void = () => {},
): Evaluation[] {
  const out: Evaluation[] = [];
  for (const minute of minutes) {
    feed(minute);
    const evaluation = harnessed.evaluate(at(minute));
    expect(evaluation.errors).toEqual([]);
    out.push(evaluation);
  }
  return out;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const transitions = (evaluations: Evaluation[]): string[] =>
  evaluations.flatMap((e) => e.transitions.map(brief));
const firing = (alerts: AlertInstance[]): string[] =>
  alerts
    .filter((a) => a.state === 'firing')
    .map((a) => `${a.alertname}${a.labels.burn_tier ? `[${a.labels.burn_tier}]` : ''}`);

describe('burn-rate alerts (availability)', () => {
  it('pages with the tiers’ windows, factors and `for`, from exact error ratios', () => {
    const t = setup();
    const requests = (minute: number, errors: number) => {
      const updates = [counter(METRICS.requests, { service: SERVICE }, during(minute), 1000)];
      // No error series at all until the first error: it counts as zero (`or vector(0)`).
      if (errors > 0)
        updates.push(counter(METRICS.requestErrors, { service: SERVICE }, during(minute), errors));
      t.apply(updates);
    };
    const healthy = run(t, range(1, 60), (m) => requests(m, 0));
    expect(transitions(healthy)).toEqual([]);
    expect(t.evaluator.statuses()[0]?.objectives[0]).toEqual({
      slo: 'availability',
      target: 0.999,
      dimension: 'availability',
      evaluatedBy: 'slactl',
      sli: 1,
      errorBudgetRemaining: 1,
      burnRate: 0,
      description: '99.9% of requests succeed',
    });

    // 50% errors from minute 61 to 69.
    const spike = run(t, range(61, 80), (m) => requests(m, m <= 69 ? 500 : 0));
    expect(transitions(spike)).toEqual([
      // 6h ratio 500/61000 = 0.0082: 8.2× > 6, 3 and 1; the 1h ratio 500/60000 is only 8.3× < 14.4.
      '61m SLOAvailabilityBurnRateHigh[page-slow] inactive→pending',
      '61m SLOAvailabilityBurnRateHigh[ticket-fast] inactive→pending',
      '61m SLOAvailabilityBurnRateHigh[ticket-slow] inactive→pending',
      // 1h ratio 1000/60000: 16.7× > 14.4.
      '62m SLOAvailabilityBurnRateHigh[page-fast] inactive→pending',
      '64m SLOAvailabilityBurnRateHigh[page-fast] pending→firing',
      '73m SLOAvailabilityBurnRateHigh[page-slow] pending→firing',
      // The last errors (stamped 68m30s) leave the 5m window at 74m.
      '74m SLOAvailabilityBurnRateHigh[page-fast] firing→resolved',
    ]);

    const atFiring = spike[64 - 61]!;
    const pageFast = atFiring.alerts.find((a) => a.labels.burn_tier === 'page-fast');
    expect(pageFast).toMatchObject({
      alertname: 'SLOAvailabilityBurnRateHigh',
      state: 'firing',
      activeAt: at(62),
      firedAt: at(64),
      sla: 'recs',
      labels: {
        alertname: 'SLOAvailabilityBurnRateHigh',
        burn_tier: 'page-fast',
        service: SERVICE,
        severity: 'critical',
        sla: 'recs',
        slo: 'availability',
        team: 'ranking',
      },
    });
    // 5m ratio 2000/5000 = 0.4 over a 0.001 budget.
    expect(pageFast?.value).toBeCloseTo(400, 9);
    expect(pageFast?.annotations).toEqual({
      summary: 'recs: availability error budget burning at over 14.4× (page-fast)',
      description:
        'Over the last 5m the error budget of "99.9% of requests succeed" (SLA recs, service recs-api, 30d window) ' +
        'burned at 400.0× the sustainable rate; over the last 1h it burned above 14.4× as well. ' +
        'Sustained at 14.4× for 1h, 2% of the 30d error budget is spent.',
      runbook_url: 'http://127.0.0.1:8080/runbooks/availability-burn',
      decision_node: 'availability',
    });

    const status = atFiring.statuses[0]!;
    expect(status.status).toBe('critical');
    expect(status.dimensions).toEqual({
      latency: 'no_data',
      availability: 'critical',
      freshness: 'no_data',
      recall: 'no_data',
    });
    expect(status.alerts).toEqual({ firing: 1, pending: 3 });
    const objective = status.objectives[0]!;
    // 2000 errors of 64000 requests over the 30d window; 2000 of 60000 over the last hour.
    expect(objective.sli).toBeCloseTo(1 - 2000 / 64000, 12);
    expect(objective.errorBudgetRemaining).toBeCloseTo(1 - 2000 / 64000 / 0.001, 9);
    expect(objective.burnRate).toBeCloseTo(2000 / 60000 / 0.001, 9);
  });

  it('records nothing without traffic: no alert, no SLI, status no_data', () => {
    const t = setup();
    const [evaluation] = run(t, [1]);
    expect(evaluation?.alerts).toEqual([]);
    const status = evaluation!.statuses[0]!;
    expect(status.status).toBe('no_data');
    expect(status.objectives[0]).not.toHaveProperty('sli');
    expect(status.objectives[0]).not.toHaveProperty('burnRate');
    expect(status.dimensions).toEqual({
      latency: 'no_data',
      availability: 'no_data',
      freshness: 'no_data',
      recall: 'no_data',
    });
  });
});

describe('burn-rate alerts (latency)', () => {
  it('reads bad events as count − bucket(le = threshold)', () => {
    const t = setup();
    run(t, range(1, 60), (m) =>
      t.apply([
        counter(`${METRICS.requestDuration}_count`, { service: SERVICE }, during(m), 1000),
        counter(`${METRICS.requestDuration}_bucket`, { service: SERVICE, le: '0.1' }, during(m), 995),
      ]),
    );
    const latency = t.evaluator.statuses()[0]!.objectives.find((o) => o.slo === 'latency-p99')!;
    expect(latency.sli).toBeCloseTo(0.995, 12);
    // Half the pace: 0.5% slow against a 1% budget.
    expect(latency.burnRate).toBeCloseTo(0.5, 9);
    expect(latency.errorBudgetRemaining).toBeCloseTo(0.5, 9);
    expect(t.evaluator.alerts()).toEqual([]);
  });

  it('records no ratio when the threshold bucket does not exist', () => {
    const t = setup();
    run(t, range(1, 3), (m) =>
      t.apply([
        counter(`${METRICS.requestDuration}_count`, { service: SERVICE }, during(m), 1000),
        counter(`${METRICS.requestDuration}_bucket`, { service: SERVICE, le: '0.25' }, during(m), 1000),
      ]),
    );
    const latency = t.evaluator.statuses()[0]!.objectives.find((o) => o.slo === 'latency-p99')!;
    expect(latency).not.toHaveProperty('sli');
  });
});

describe('LatencyComponentOverBudget', () => {
  it('computes P99 from per-bucket increases over 5m and needs traffic in the window', () => {
    const t = setup();
    const evaluations = run(t, range(1, 22), (m) => {
      if (m > 15) return;
      const signals = Array.from({ length: 100 }, () => ({
        type: 'component_latency',
        service: SERVICE,
        component: 'vector_search',
        seconds: 0.04,
        ts: during(m),
      }));
      t.send(signals, at(m) - 1000);
    });
    expect(transitions(evaluations)).toEqual([
      '1m LatencyComponentOverBudget[vector_search] inactive→pending',
      '11m LatencyComponentOverBudget[vector_search] pending→firing',
      // The last observations (14m30s) leave the 5m window at 20m.
      '20m LatencyComponentOverBudget[vector_search] firing→resolved',
    ]);
    const atFiring = evaluations[11 - 1]!;
    const alert = atFiring.alerts[0]!;
    // All 100 observations in the (0.025, 0.05] bucket: rank 99 interpolates to 0.025 + 0.025 × 0.99.
    expect(alert.value).toBeCloseTo(0.04975, 12);
    expect(alert.labels).toMatchObject({ component: 'vector_search', severity: 'warning' });
    expect(alert.annotations.description).toBe(
      'The P99 latency of vector_search in recs-api is 49.75ms over the last 5m, over its budget of 25ms (25% of the 100ms P99 target).',
    );
    expect(atFiring.statuses[0]!.components).toEqual([
      { component: 'feature_retrieval', budgetMs: 15, overBudget: false },
      {
        component: 'vector_search',
        budgetMs: 25,
        p99Ms: expect.closeTo(49.75, 9) as number,
        overBudget: true,
      },
      { component: 'model_inference', budgetMs: 50, overBudget: false },
    ]);
    expect(atFiring.statuses[0]!.dimensions.latency).toBe('warning');
    expect(atFiring.statuses[0]!.status).toBe('warning');
  });
});

describe('VectorRecallBelowTarget and VectorTombstoneRatioHigh', () => {
  const labels = { service: SERVICE, index: 'products', k: '10' };
  const probes = (minute: number, count: number, hits: number) =>
    h!.apply([
      counter(METRICS.recallProbes, labels, during(minute), count),
      counter(METRICS.recallHits, labels, during(minute), hits),
      counter(METRICS.recallExpected, labels, during(minute), count * 10),
    ]);

  it('judges recall only with at least minProbes probes in the 10m window', () => {
    const t = setup();
    const quiet = run(t, range(1, 12), (m) => probes(m, 1, 5));
    expect(transitions(quiet)).toEqual([]);
    expect(t.evaluator.statuses()[0]!.recall[0]).toEqual({
      index: 'products',
      k: 10,
      recall: 0.5,
      probes: 10,
      minProbes: 20,
      min: 0.95,
      maxTombstoneRatio: 0.2,
    });

    const busy = run(t, range(13, 23), (m) => probes(m, 3, 24));
    expect(transitions(busy)).toEqual([
      // (6, 16]: 6 + 12 = 18 probes; (7, 17]: 5 + 15 = 20.
      '17m VectorRecallBelowTarget[products] inactive→pending',
      '22m VectorRecallBelowTarget[products] pending→firing',
    ]);
    const alert = busy[22 - 13]!.alerts[0]!;
    expect(alert.value).toBeCloseTo(0.8, 12);
    expect(alert.annotations.summary).toBe('Recall@10 of index products is below 95%');
    expect(alert.annotations.description).toBe(
      'Recall@10 of vector index products is 80% over the last 10m (at least 20 probes), below the 95% floor.',
    );
    expect(busy[22 - 13]!.statuses[0]!.dimensions.recall).toBe('critical');
  });

  it('divides tombstones by vectors only when the index has vectors', () => {
    const t = setup();
    const stats = (vectors: number, tombstones: number) => ({
      type: 'index_stats',
      service: SERVICE,
      index: 'products',
      vectors,
      tombstones,
    });
    const evaluations = run(t, range(1, 17), (m) => {
      if (m === 1) t.send([{ ...stats(1000, 300), ts: during(1) }], at(1) - 1000);
      if (m === 17) t.send([{ ...stats(0, 0), ts: during(17) }], at(17) - 1000);
    });
    expect(transitions(evaluations)).toEqual([
      '1m VectorTombstoneRatioHigh[products] inactive→pending',
      '16m VectorTombstoneRatioHigh[products] pending→firing',
      '17m VectorTombstoneRatioHigh[products] firing→resolved',
    ]);
    expect(evaluations[15]!.alerts[0]!.annotations.summary).toBe('Index products is 30% tombstones');
    expect(evaluations[15]!.statuses[0]!.recall[0]?.tombstoneRatio).toBeCloseTo(0.3, 12);
    expect(evaluations[16]!.statuses[0]!.recall[0]).not.toHaveProperty('tombstoneRatio');
  });
});

describe('FeatureNullRateHigh', () => {
  it('alerts per feature, only where both counters exist and lookups happened', () => {
    const t = setup();
    const evaluations = run(t, range(1, 6), (m) =>
      t.apply([
        counter(METRICS.featureLookups, { service: SERVICE, feature: 'a' }, during(m), 100),
        counter(METRICS.featureNulls, { service: SERVICE, feature: 'a' }, during(m), 5),
        counter(METRICS.featureLookups, { service: SERVICE, feature: 'b' }, during(m), 100),
        counter(METRICS.featureLookups, { service: SERVICE, feature: 'c' }, during(m), 100),
        counter(METRICS.featureNulls, { service: SERVICE, feature: 'c' }, during(m), 1),
      ]),
    );
    expect(transitions(evaluations)).toEqual([
      '1m FeatureNullRateHigh[a] inactive→pending',
      '6m FeatureNullRateHigh[a] pending→firing',
    ]);
    const alert = evaluations[5]!.alerts[0]!;
    expect(alert.labels).toEqual({
      alertname: 'FeatureNullRateHigh',
      feature: 'a',
      service: SERVICE,
      severity: 'warning',
      sla: 'recs',
      team: 'ranking',
    });
    expect(alert.annotations.description).toBe(
      '5% of lookups of feature a returned null over the last 10m, above 2%: a schema change, a failed pipeline or a cold-start spike.',
    );
    expect(evaluations[5]!.statuses[0]!.signals.nullRate).toEqual([
      { feature: 'a', rate: 0.05 },
      { feature: 'c', rate: 0.01 },
    ]);
  });
});

describe('series caching', () => {
  it('picks up series that appear after the first cycles (a new feature)', () => {
    const t = setup();
    const lookups = (feature: string, m: number, nulls: number) => [
      counter(METRICS.featureLookups, { service: SERVICE, feature }, during(m), 100),
      counter(METRICS.featureNulls, { service: SERVICE, feature }, during(m), nulls),
    ];
    const evaluations = run(t, range(1, 4), (m) =>
      t.apply([...lookups('a', m, 0), ...(m >= 3 ? lookups('late', m, 50) : [])]),
    );
    expect(evaluations[1]!.statuses[0]!.signals.nullRate).toEqual([{ feature: 'a', rate: 0 }]);
    expect(transitions(evaluations)).toEqual(['3m FeatureNullRateHigh[late] inactive→pending']);
    expect(evaluations[3]!.statuses[0]!.signals.nullRate).toEqual([
      { feature: 'a', rate: 0 },
      { feature: 'late', rate: 0.5 },
    ]);
  });

  it('reads each (series, window) increase once a cycle, however many rules and SLAs use it', () => {
    const second = FULL_SLA.replace('name: recs', 'name: recs-copy');
    const reads = new Map<string, number>();
    h = harness(plansFromYaml(`${FULL_SLA}---\n${second}`), (store) => {
      const counting: SeriesStore = Object.create(store) as SeriesStore;
      counting.increase = (ref, from, to) => {
        const key = `${ref.id}:${from}:${to}`;
        reads.set(key, (reads.get(key) ?? 0) + 1);
        return store.increase(ref, from, to);
      };
      return counting;
    });
    const t = h;
    run(t, range(1, 3), (m) => {
      reads.clear();
      t.apply([
        counter(METRICS.requests, { service: SERVICE }, during(m), 100),
        counter(METRICS.requestErrors, { service: SERVICE }, during(m), 50),
      ]);
    });
    expect(reads.size).toBeGreaterThan(0);
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    // Both SLAs fire the same alerts from the shared reads.
    expect(new Set(t.evaluator.alerts().map((a) => a.sla))).toEqual(new Set(['recs', 'recs-copy']));
  });
});

describe('FeatureStale and FeatureFallbackRequired', () => {
  it('age grows while no newer event arrives; fallback follows past its own limit', () => {
    const t = setup();
    const evaluations = run(t, range(1, 22), (m) => {
      if (m <= 5) {
        t.send(
          [
            {
              type: 'feature_value',
              service: SERVICE,
              feature: 'user_7d',
              eventTime: during(m) - 10_000,
              ts: during(m),
            },
          ],
          at(m) - 1000,
        );
      }
    });
    // Newest event at 4m20s: age at minute m is (m − 5) × 60 + 40 seconds.
    expect(transitions(evaluations)).toEqual([
      '10m FeatureStale[user_7d] inactive→pending',
      '12m FeatureStale[user_7d] pending→firing',
      '20m FeatureFallbackRequired[user_7d] inactive→pending',
      '21m FeatureFallbackRequired[user_7d] pending→firing',
    ]);
    const atTwelve = evaluations[11]!;
    expect(atTwelve.alerts[0]!.annotations.description).toBe(
      'The newest value of feature user_7d is 7m 40s old, older than its 5m freshness target.',
    );
    expect(atTwelve.statuses[0]!.freshness).toEqual([
      { feature: 'user_7d', ageSeconds: 460, maxAgeSeconds: 300, fallbackAfterSeconds: 900 },
    ]);
    expect(evaluations[20]!.statuses[0]!.dimensions.freshness).toBe('critical');
  });
});

describe('DistributionDriftHigh', () => {
  it('alerts per feature on the PSI the collector derives against the reference', () => {
    const t = setup();
    const reference = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const evaluations = run(t, range(1, 16), (m) => {
      const signals: object[] = [
        {
          type: 'distribution',
          service: SERVICE,
          feature: 'price',
          values: Array(200).fill(0.95),
          ts: during(m),
        },
      ];
      if (m === 1)
        signals.unshift({
          type: 'distribution',
          service: SERVICE,
          feature: 'price',
          values: reference,
          reference: true,
          ts: during(m),
        });
      t.send(signals, at(m) - 1000);
    });
    expect(transitions(evaluations)).toEqual([
      '1m DistributionDriftHigh[price] inactive→pending',
      '16m DistributionDriftHigh[price] pending→firing',
    ]);
    const alert = evaluations[15]!.alerts[0]!;
    const drift = evaluations[15]!.statuses[0]!.signals.drift!;
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ feature: 'price' });
    expect(alert.labels.feature).toBe('price');
    // The alert's value is the reader's PSI, the number /metrics exports.
    expect(alert.value).toBe(drift[0]!.psi);
    expect(alert.value).toBeGreaterThan(0.2);
    expect(drift[0]!.js).toBeGreaterThan(0);
  });
});

describe('StreamStalled and StreamCatchUpSlow', () => {
  it('a group with lag that consumes nothing is stalled (value = lag) and never catches up', () => {
    const t = setup();
    const stream = (lag: number, consumeRate: number, produceRate: number, m: number) => ({
      type: 'stream',
      service: SERVICE,
      consumerGroup: 'feature-pipeline',
      lag,
      consumeRate,
      produceRate,
      ts: during(m),
    });
    const evaluations = run(t, range(1, 7), (m) =>
      t.send([m <= 6 ? stream(1000, 0, 50, m) : stream(100, 1000, 500, m)], at(m) - 1000),
    );
    expect(transitions(evaluations)).toEqual([
      '1m StreamCatchUpSlow[feature-pipeline] inactive→pending',
      '1m StreamStalled[feature-pipeline] inactive→pending',
      '6m StreamCatchUpSlow[feature-pipeline] pending→firing',
      '6m StreamStalled[feature-pipeline] pending→firing',
      '7m StreamCatchUpSlow[feature-pipeline] firing→resolved',
      '7m StreamStalled[feature-pipeline] firing→resolved',
    ]);
    const atSix = evaluations[5]!;
    const stalled = atSix.alerts.find((a) => a.alertname === 'StreamStalled')!;
    expect(stalled.value).toBe(1000);
    expect(stalled.annotations.description).toBe(
      'Consumer group feature-pipeline has 1000 messages of lag and consumes nothing.',
    );
    expect(atSix.alerts.find((a) => a.alertname === 'StreamCatchUpSlow')!.annotations.summary).toBe(
      'Consumer group feature-pipeline needs +Inf to catch up',
    );
    expect(atSix.statuses[0]!.signals.streams).toEqual([
      {
        consumerGroup: 'feature-pipeline',
        lag: 1000,
        catchUpSeconds: Infinity,
        stalled: true,
        maxCatchUpSeconds: 60,
      },
    ]);
    expect(evaluations[6]!.statuses[0]!.signals.streams?.[0]).toMatchObject({
      lag: 100,
      catchUpSeconds: 0.2,
      stalled: false,
    });
  });
});

describe('SLAs with custom PromQL SLIs', () => {
  it('marks their objectives as evaluated by Prometheus and still evaluates the rest', () => {
    const t = setup(CUSTOM_SLI_SLA);
    const labels = { service: 'search-api', index: 'documents', k: '20' };
    const evaluations = run(t, range(1, 7), (m) =>
      t.apply([
        counter(METRICS.requests, { service: 'search-api' }, during(m), 100),
        counter(METRICS.requestErrors, { service: 'search-api' }, during(m), 100),
        counter(METRICS.recallProbes, labels, during(m), 10),
        counter(METRICS.recallHits, labels, during(m), 100),
        counter(METRICS.recallExpected, labels, during(m), 200),
      ]),
    );
    // Only the recall alert: the availability SLI is the team's own query, not slactl's counters.
    expect(transitions(evaluations)).toEqual([
      '2m VectorRecallBelowTarget[documents] inactive→pending',
      '7m VectorRecallBelowTarget[documents] pending→firing',
    ]);
    const status = evaluations[5]!.statuses[0]!;
    expect(status.objectives.map((o) => [o.slo, o.evaluatedBy, 'sli' in o])).toEqual([
      ['availability', 'prometheus', false],
      ['latency-p99', 'prometheus', false],
    ]);
    expect(status.dimensions).toEqual({
      latency: 'no_data',
      availability: 'no_data',
      freshness: 'not_configured',
      recall: 'ok',
    });
  });
});

describe('failures', () => {
  it('records an SLA whose evaluation throws and evaluates the others; alerts keep their state', () => {
    const other = `apiVersion: slactl/v1
kind: SLA
metadata: { name: other, service: other-api, tier: low-latency }
spec:
  availability: { objective: 99% }
`;
    let broken = false;
    const plans = plansFromYaml(`${FULL_SLA}---\n${other}`);
    h = harness(plans, (store) => {
      const faulty: SeriesStore = Object.create(store) as SeriesStore;
      faulty.increase = (ref, from, to) => {
        if (broken && ref.labels.service === SERVICE) throw new Error('disk I/O error');
        return store.increase(ref, from, to);
      };
      return faulty;
    });
    const t = h;
    const feed = (m: number) =>
      t.apply([
        counter(METRICS.featureLookups, { service: SERVICE, feature: 'a' }, during(m), 100),
        counter(METRICS.featureNulls, { service: SERVICE, feature: 'a' }, during(m), 50),
        counter(METRICS.requests, { service: 'other-api' }, during(m), 100),
      ]);
    run(t, range(1, 2), feed);
    expect(t.evaluator.alerts().map((a) => a.state)).toEqual(['pending']);

    broken = true;
    feed(3);
    const failed = t.evaluate(at(3));
    expect(failed.errors).toEqual([{ sla: 'recs', message: 'disk I/O error' }]);
    expect(failed.transitions).toEqual([]);
    expect(failed.alerts.map((a) => [a.alertname, a.state, a.activeAt])).toEqual([
      ['FeatureNullRateHigh', 'pending', at(1)],
    ]);
    expect(failed.statuses.map((s) => [s.name, s.error])).toEqual([
      ['recs', 'disk I/O error'],
      ['other', undefined],
    ]);
    expect(failed.statuses[1]!.objectives[0]?.sli).toBe(1);

    broken = false;
    const recovered = run(t, range(4, 6), feed);
    expect(transitions(recovered)).toEqual(['6m FeatureNullRateHigh[a] pending→firing']);
    expect(firing(recovered[2]!.alerts)).toEqual(['FeatureNullRateHigh']);
    expect(recovered[0]!.statuses[0]).not.toHaveProperty('error');
  });

  it('rejects two SLAs with the same name at construction', () => {
    const plans = plansFromYaml(FULL_SLA);
    expect(() => harness([...plans, ...plans])).toThrow('two SLAs are named "recs"');
  });
});
