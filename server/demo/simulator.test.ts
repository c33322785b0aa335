import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateSignal } from '../collector/schema.js';
import type { SlaPlan } from '../compile/ir.js';
import { ManualClock } from '../lib/clock.js';
import { ApiError } from '../http/errors.js';
import { REFERENCE_SIZE } from './service-simulator.js';
import type {
  ComponentLatencySignal,
  DemoSignal,
  DistributionSignal,
  FeatureValueSignal,
  IndexStatsSignal,
  NullRateSignal,
  RecallProbeSignal,
  RequestSignal,
  StreamSignal,
} from './signals.js';
import {
  DemoError,
  DemoSimulator,
  MAX_SIGNALS_PER_SEND,
  MAX_TICK_MS,
  httpIngestClient,
  type FaultKind,
} from './simulator.js';
import { CollectingClient, examplePlans } from './test-support/fixtures.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const TICK_MS = 15_000;
const MINUTE = 60_000;

let plans: SlaPlan[];
beforeAll(async () => {
  plans = await examplePlans();
});

function setup(options: { seed?: number; only?: string } = {}) {
  const clock = new ManualClock(START);
  const client = new CollectingClient();
  const selected = options.only === undefined ? plans : plans.filter((p) => p.name === options.only);
  const sim = new DemoSimulator({
    plans: selected,
    client,
    clock,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  /** Ticks every 15 s for `minutes` and returns what was sent meanwhile. */
  const run = async (minutes: number): Promise<DemoSignal[]> => {
    client.clear();
    for (let t = 0; t < (minutes * MINUTE) / TICK_MS; t++) {
      clock.advance(TICK_MS);
      await sim.tick();
    }
    return client.signals;
  };
  return { clock, client, sim, run };
}

// Signal summaries, per service.
const ofType = <T extends DemoSignal>(signals: DemoSignal[], type: T['type'], service: string): T[] =>
  signals.filter((s): s is T => s.type === type && s.service === service);

function errorRate(signals: DemoSignal[], service: string): number {
  const requests = ofType<RequestSignal>(signals, 'request', service);
  return requests.filter((r) => !r.ok).length / requests.length;
}

function shareSlowerThan(signals: DemoSignal[], service: string, seconds: number): number {
  const requests = ofType<RequestSignal>(signals, 'request', service);
  return requests.filter((r) => r.seconds > seconds).length / requests.length;
}

function componentMean(signals: DemoSignal[], service: string, component: string): number {
  const h = ofType<ComponentLatencySignal>(signals, 'component_latency', service).filter(
    (s) => s.component === component,
  );
  return h.reduce((a, s) => a + s.sum, 0) / h.reduce((a, s) => a + s.count, 0);
}

/** Share of a component's observations above its budget, from the pre-aggregated buckets. */
function shareOverBudget(
  signals: DemoSignal[],
  service: string,
  component: string,
  budgetSeconds: number,
): number {
  let over = 0;
  let total = 0;
  for (const s of ofType<ComponentLatencySignal>(signals, 'component_latency', service)) {
    if (s.component !== component) continue;
    total += s.count;
    for (const [le, count] of Object.entries(s.buckets))
      if (le === '+Inf' || Number(le) > budgetSeconds) over += count;
  }
  return over / total;
}

function recall(signals: DemoSignal[], service: string, index: string): { recall: number; probes: number } {
  const probes = ofType<RecallProbeSignal>(signals, 'recall_probe', service).filter((p) => p.index === index);
  let hits = 0;
  for (const p of probes) {
    const exact = new Set(p.exact.slice(0, p.k));
    hits += p.retrieved.slice(0, p.k).filter((id) => exact.has(id)).length;
  }
  return { recall: hits / probes.reduce((a, p) => a + p.k, 0), probes: probes.length };
}

function nullRate(signals: DemoSignal[], service: string, feature: string): number {
  const rates = ofType<NullRateSignal>(signals, 'null_rate', service).filter((s) => s.feature === feature);
  return rates.reduce((a, s) => a + s.nulls, 0) / rates.reduce((a, s) => a + s.total, 0);
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function distributionValues(signals: DemoSignal[], service: string, feature: string): number[] {
  return ofType<DistributionSignal>(signals, 'distribution', service)
    .filter((s) => s.feature === feature && s.reference !== true)
    .flatMap((s) => s.values);
}

function lastOf<T extends DemoSignal>(
  signals: DemoSignal[],
  type: T['type'],
  service: string,
  key: (s: T) => boolean,
): T {
  const matching = ofType<T>(signals, type, service).filter(key);
  return matching[matching.length - 1]!;
}

describe('DemoSimulator signals', () => {
  it('sends only signals the ingest contract accepts, with every fault active', async () => {
    const { sim, run } = setup();
    const all: DemoSignal[] = [...(await run(2))];
    for (const plan of plans) {
      for (const kind of sim
        .faultKinds()
        .filter((k) => k.appliesTo.includes(plan.name))
        .map((k) => k.kind))
        sim.injectFault(kind, plan.name);
    }
    all.push(...(await run(3)));
    sim.clearFault();
    all.push(...(await run(1)));
    const types = new Set(all.map((s) => s.type));
    expect([...types].sort()).toEqual([
      'component_latency',
      'distribution',
      'feature_value',
      'index_stats',
      'null_rate',
      'recall_probe',
      'request',
      'stream',
    ]);
    const problems = all.flatMap((s, index) => {
      const result = validateSignal(s, { index });
      return result.ok ? [] : result.problems.map((p) => p.message);
    });
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('sends only valid signals for any seed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const { sim, run } = setup({ seed });
        for (const { kind, appliesTo } of sim.faultKinds())
          for (const sla of appliesTo) sim.injectFault(kind, sla);
        const signals = await run(1);
        return signals.every((s, index) => validateSignal(s, { index }).ok);
      }),
      { numRuns: 10 },
    );
  });

  it('sends nothing without SLAs', async () => {
    const client = new CollectingClient();
    const clock = new ManualClock(START);
    const sim = new DemoSimulator({ plans: [], client, clock });
    clock.advance(TICK_MS);
    await sim.tick();
    expect(client.batches).toEqual([]);
    expect(sim.faultKinds().every((k) => k.appliesTo.length === 0)).toBe(true);
    expect(() => sim.injectFault('error_spike', 'recommendations')).toThrow(
      /unknown SLA "recommendations" \(no SLAs are loaded\)/,
    );
  });

  it('is deterministic for a seed', async () => {
    const a = setup({ seed: 11 });
    const b = setup({ seed: 11 });
    const c = setup({ seed: 12 });
    for (const s of [a, b, c]) s.sim.injectFault('index_degradation', 'recommendations');
    const [sa, sb, sc] = await Promise.all([a.run(3), b.run(3), c.run(3)]);
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('simulates each SLA independently of the others loaded', async () => {
    const all = setup({ seed: 5 });
    const alone = setup({ seed: 5, only: 'fraud-scoring' });
    const [withOthers, byItself] = await Promise.all([all.run(2), alone.run(2)]);
    expect(withOthers.filter((s) => s.service === 'fraud-scorer')).toEqual(byItself);
  });

  it('sends the reference distributions once, first and on their own', async () => {
    const { client, sim, clock } = setup({ only: 'recommendations' });
    await sim.tick();
    clock.advance(TICK_MS);
    await sim.tick();
    const references = client.signals.filter((s) => s.type === 'distribution' && s.reference === true);
    expect(references.map((s) => (s as DistributionSignal).feature)).toEqual([
      'user_7d_purchase_count',
      'prediction',
    ]);
    expect(references.every((s) => (s as DistributionSignal).values.length === REFERENCE_SIZE)).toBe(true);
    expect(client.batches[0]).toEqual(references);
    const values = (references[0] as DistributionSignal).values;
    expect(Math.abs(mean(values))).toBeLessThan(0.05);
  });

  it('sends the references again when the first attempt failed', async () => {
    const { client, sim, clock } = setup({ only: 'recommendations' });
    client.fail = new Error('connection refused');
    await expect(sim.tick()).rejects.toThrow('connection refused');
    client.fail = undefined;
    clock.advance(TICK_MS);
    await sim.tick();
    expect(client.batches[0]!.every((s) => s.type === 'distribution' && s.reference === true)).toBe(true);
    clock.advance(TICK_MS);
    await sim.tick();
    expect(client.signals.filter((s) => s.type === 'distribution' && s.reference === true)).toHaveLength(2);
  });

  it('splits large ticks into batches and never simulates more than a minute at once', async () => {
    const { client, sim, clock } = setup();
    await sim.tick();
    client.clear();
    clock.advance(60 * MINUTE);
    await sim.tick();
    expect(client.batches.length).toBeGreaterThan(1);
    expect(Math.max(...client.batches.map((b) => b.length))).toBeLessThanOrEqual(MAX_SIGNALS_PER_SEND);
    const requests = client.signals.filter((s): s is RequestSignal => s.type === 'request');
    const expected = ((40 + 60 + 12) * MAX_TICK_MS) / 1000;
    expect(requests.length).toBeGreaterThan(expected * 0.95);
    expect(requests.length).toBeLessThan(expected * 1.05);
    expect(Math.min(...requests.map((r) => r.ts))).toBeGreaterThan(clock.now() - MAX_TICK_MS);
    expect(Math.max(...requests.map((r) => r.ts))).toBeLessThanOrEqual(clock.now());
  });
});

describe('a healthy half hour', () => {
  let signals: DemoSignal[];
  beforeAll(async () => {
    const { run } = setup();
    signals = await run(30);
  });

  it('serves tens of requests a second per SLA with errors well inside the budget', () => {
    expect(ofType(signals, 'request', 'recs-api')).toHaveLength(40 * 1800);
    expect(ofType(signals, 'request', 'fraud-scorer')).toHaveLength(60 * 1800);
    expect(ofType(signals, 'request', 'search-api')).toHaveLength(12 * 1800);
    expect(errorRate(signals, 'recs-api')).toBeLessThan(0.0005);
    expect(errorRate(signals, 'fraud-scorer')).toBeLessThan(0.00025);
  });

  it('keeps every component around 60% of its budget and its P99 under it', () => {
    for (const plan of plans) {
      for (const row of plan.budget!.rows) {
        const budget = row.budgetMs / 1000;
        const ratio = componentMean(signals, plan.service, row.component) / budget;
        expect(ratio, `${plan.name} ${row.component}`).toBeGreaterThan(0.55);
        expect(ratio, `${plan.name} ${row.component}`).toBeLessThan(0.65);
        expect(
          shareOverBudget(signals, plan.service, row.component, budget),
          `${plan.name} ${row.component}`,
        ).toBeLessThan(0.002);
      }
    }
  });

  it('keeps end-to-end latency inside the P99 and P99.9 targets', () => {
    expect(shareSlowerThan(signals, 'recs-api', 0.1)).toBeLessThan(0.001);
    expect(shareSlowerThan(signals, 'recs-api', 0.25)).toBe(0);
    expect(shareSlowerThan(signals, 'fraud-scorer', 0.05)).toBeLessThan(0.001);
  });

  it('makes the end-to-end latency the sum of the components', () => {
    const requests = ofType<RequestSignal>(signals, 'request', 'recs-api');
    const components = plans.find((p) => p.name === 'recommendations')!.budget!.rows.map((r) => r.component);
    const componentTotal = components.reduce((a, c) => {
      const h = ofType<ComponentLatencySignal>(signals, 'component_latency', 'recs-api').filter(
        (s) => s.component === c,
      );
      return a + h.reduce((x, s) => x + s.sum, 0);
    }, 0);
    const requestTotal = requests.reduce((a, r) => a + r.seconds, 0);
    expect(Math.abs(componentTotal - requestTotal) / requestTotal).toBeLessThan(1e-4);
  });

  it('keeps recall near 98% with plenty of probes', () => {
    for (const [service, index] of [
      ['recs-api', 'products'],
      ['search-api', 'documents'],
      ['search-api', 'passages'],
    ] as const) {
      const r = recall(signals, service, index);
      expect(r.recall, index).toBeGreaterThan(0.97);
      expect(r.recall, index).toBeLessThan(0.99);
      // 4 per 10 s: 72 per 10-minute window, above every minProbes.
      expect(r.probes, index).toBe(720);
    }
  });

  it('keeps features fresh, null rates near 0.5% and distributions on the reference', () => {
    for (const plan of plans) {
      const ages = new Map<string, number>();
      for (const f of ofType<FeatureValueSignal>(signals, 'feature_value', plan.service)) {
        ages.set(f.feature, Math.max(ages.get(f.feature) ?? 0, f.ts - f.eventTime));
      }
      for (const t of plan.thresholds.filter((a) => a.alertname === 'FeatureStale')) {
        const feature = t.subject.feature!;
        expect(ages.get(feature), feature).toBeLessThan(5000);
      }
    }
    for (const feature of ['user_7d_purchase_count', 'item_ctr_1h', 'user_embedding']) {
      const rate = nullRate(signals, 'recs-api', feature);
      expect(rate, feature).toBeGreaterThan(0.003);
      expect(rate, feature).toBeLessThan(0.007);
    }
    const values = distributionValues(signals, 'recs-api', 'user_7d_purchase_count');
    expect(values).toHaveLength(20 * 1800);
    expect(Math.abs(mean(values))).toBeLessThan(0.05);
  });

  it('keeps indexes compacted and consumer groups caught up', () => {
    for (const s of ofType<IndexStatsSignal>(signals, 'index_stats', 'search-api')) {
      expect(s.tombstones / s.vectors).toBeLessThan(0.031);
      expect(s.tombstones / s.vectors).toBeGreaterThanOrEqual(0.0099);
    }
    for (const s of signals.filter((x): x is StreamSignal => x.type === 'stream')) {
      expect(s.consumeRate).toBeGreaterThan(s.produceRate);
      expect(s.lag / (s.consumeRate - s.produceRate)).toBeLessThan(30);
    }
  });
});

describe('faults change the signals the way the seed describes', () => {
  /** Runs `minutes` healthy, injects the fault, runs `minutes` more; returns both periods' signals. */
  async function around(kind: FaultKind, sla: string, minutes = 10) {
    const context = setup({ only: sla });
    const before = await context.run(minutes);
    const fault = context.sim.injectFault(kind, sla);
    const during = await context.run(minutes);
    context.sim.clearFault(kind, sla);
    return { ...context, before, during, fault };
  }

  it('index_degradation: recall near 80%, vector search 1.5 times as long', async () => {
    const { before, during, run } = await around('index_degradation', 'recommendations');
    expect(recall(during, 'recs-api', 'products').recall).toBeGreaterThan(0.77);
    expect(recall(during, 'recs-api', 'products').recall).toBeLessThan(0.83);
    const slowdown =
      componentMean(during, 'recs-api', 'vector_search') / componentMean(before, 'recs-api', 'vector_search');
    expect(slowdown).toBeGreaterThan(1.4);
    expect(slowdown).toBeLessThan(1.6);
    expect(recall(await run(10), 'recs-api', 'products').recall).toBeGreaterThan(0.97);
  });

  it('tombstone_buildup: the ratio climbs past the limit, then compaction clears it', async () => {
    const { during, run } = await around('tombstone_buildup', 'recommendations');
    const ratios = ofType<IndexStatsSignal>(during, 'index_stats', 'recs-api').map(
      (s) => s.tombstones / s.vectors,
    );
    expect(ratios[ratios.length - 1]!).toBeGreaterThan(0.2);
    for (let i = 1; i < ratios.length; i++) expect(ratios[i]!).toBeGreaterThanOrEqual(ratios[i - 1]!);
    const after = ofType<IndexStatsSignal>(await run(1), 'index_stats', 'recs-api');
    expect(after[0]!.tombstones / after[0]!.vectors).toBeLessThan(0.031);
  });

  it('pipeline_stall: event times stop, the group stops consuming and its lag grows; recovery drains it', async () => {
    const { before, during, run } = await around('pipeline_stall', 'recommendations');
    expect(ofType(during, 'feature_value', 'recs-api')).toEqual([]);
    const streams = ofType<StreamSignal>(during, 'stream', 'recs-api');
    expect(streams.every((s) => s.consumeRate === 0)).toBe(true);
    expect(streams[streams.length - 1]!.lag).toBeGreaterThan(streams[0]!.lag * 10);
    const newestBefore = Math.max(
      ...ofType<FeatureValueSignal>(before, 'feature_value', 'recs-api').map((f) => f.eventTime),
    );
    const recovering = await run(1);
    // The pipeline resumes where it stopped and works through its backlog at five times real time: the
    // first event times are from shortly after the stall began, so the features are still stale.
    const resumed = ofType<FeatureValueSignal>(recovering, 'feature_value', 'recs-api');
    expect(resumed.length).toBeGreaterThan(0);
    expect(Math.min(...resumed.map((f) => f.eventTime))).toBeLessThan(newestBefore + 3 * MINUTE);
    expect(Math.min(...resumed.map((f) => f.ts - f.eventTime))).toBeGreaterThan(5 * MINUTE);
    const draining = ofType<StreamSignal>(recovering, 'stream', 'recs-api');
    expect(draining.every((s) => s.consumeRate > s.produceRate * 4)).toBe(true);
    const caughtUp = lastOf<StreamSignal>(await run(5), 'stream', 'recs-api', () => true);
    expect(caughtUp.lag / (caughtUp.consumeRate - caughtUp.produceRate)).toBeLessThan(30);
  });

  it('schema_change_nulls: one feature returns null for about 30% of lookups', async () => {
    const { during } = await around('schema_change_nulls', 'fraud-scoring');
    expect(nullRate(during, 'fraud-scorer', 'card_txn_count_5m')).toBeGreaterThan(0.28);
    expect(nullRate(during, 'fraud-scorer', 'card_txn_count_5m')).toBeLessThan(0.32);
    expect(nullRate(during, 'fraud-scorer', 'device_velocity_1h')).toBeLessThan(0.01);
  });

  it('feature_drift: the feature mean moves 1.5σ and predictions follow', async () => {
    const { before, during } = await around('feature_drift', 'search-rag');
    expect(mean(distributionValues(during, 'search-api', 'query_embedding_norm'))).toBeCloseTo(1.5, 1);
    const predictionShift =
      mean(distributionValues(during, 'search-api', 'prediction')) -
      mean(distributionValues(before, 'search-api', 'prediction'));
    expect(predictionShift).toBeGreaterThan(0.15);
  });

  it.each([
    ['model_slowdown', 'recommendations', 'model_inference', 3, 'recs-api'],
    ['model_slowdown', 'search-rag', 'llm_generation', 3, 'search-api'],
    ['online_store_slowdown', 'fraud-scoring', 'feature_retrieval', 4, 'fraud-scorer'],
  ] as const)('%s on %s: %s takes %i times as long', async (kind, sla, component, factor, service) => {
    const { before, during } = await around(kind, sla);
    const slowdown = componentMean(during, service, component) / componentMean(before, service, component);
    expect(slowdown).toBeGreaterThan(factor * 0.95);
    expect(slowdown).toBeLessThan(factor * 1.05);
  });

  it('model_slowdown pushes the end-to-end latency past the P99 target', async () => {
    const { during } = await around('model_slowdown', 'recommendations');
    expect(shareSlowerThan(during, 'recs-api', 0.1)).toBeGreaterThan(0.3);
  });

  it('error_spike: 5% of requests fail, and only on that SLA', async () => {
    const { sim, run } = setup();
    sim.injectFault('error_spike', 'recommendations');
    const during = await run(10);
    expect(errorRate(during, 'recs-api')).toBeGreaterThan(0.045);
    expect(errorRate(during, 'recs-api')).toBeLessThan(0.055);
    expect(errorRate(during, 'fraud-scorer')).toBeLessThan(0.001);
  });
});

describe('fault management', () => {
  it('injects, lists and clears faults', () => {
    const { sim, clock } = setup();
    const first = sim.injectFault('error_spike', 'recommendations');
    expect(first).toEqual({
      kind: 'error_spike',
      sla: 'recommendations',
      since: START,
      expectedAlerts: ['SLOAvailabilityBurnRateHigh'],
      description: '5% of requests fail',
    });
    clock.advance(1000);
    sim.injectFault('index_degradation', 'search-rag');
    sim.injectFault('error_spike', 'fraud-scoring');
    expect(sim.faults().map((f) => `${f.kind}/${f.sla}`)).toEqual([
      'error_spike/recommendations',
      'error_spike/fraud-scoring',
      'index_degradation/search-rag',
    ]);
    expect(sim.clearFault('error_spike').map((f) => f.sla)).toEqual(['recommendations', 'fraud-scoring']);
    expect(sim.clearFault(undefined, 'recommendations')).toEqual([]);
    expect(sim.clearFault().map((f) => f.kind)).toEqual(['index_degradation']);
    expect(sim.faults()).toEqual([]);
  });

  it('hands out copies', () => {
    const { sim } = setup();
    sim.injectFault('error_spike', 'recommendations').expectedAlerts.push('Bogus');
    sim.faults()[0]!.expectedAlerts.push('Bogus');
    expect(sim.faults()[0]!.expectedAlerts).toEqual(['SLOAvailabilityBurnRateHigh']);
  });

  it.each([
    [
      'an unknown kind',
      'disk_full',
      'recommendations',
      400,
      'unknown_fault_kind',
      /unknown fault kind "disk_full" \(kinds: index_degradation, .*error_spike\)/,
    ],
    [
      'an unknown SLA',
      'error_spike',
      'checkout',
      404,
      'unknown_sla',
      /unknown SLA "checkout" \(SLAs: fraud-scoring, recommendations, search-rag\)/,
    ],
    [
      'a fault no alert of the SLA would notice',
      'index_degradation',
      'fraud-scoring',
      409,
      'fault_not_applicable',
      /^index_degradation does not apply to fraud-scoring: fraud-scoring has no recall objectives \(spec.recall\); it applies to recommendations, search-rag$/,
    ],
    [
      'a custom SLI slactl cannot move',
      'error_spike',
      'search-rag',
      409,
      'fault_not_applicable',
      /own PromQL SLI.*it applies to fraud-scoring, recommendations$/,
    ],
  ])('refuses %s', (_what, kind, sla, status, code, message) => {
    const { sim } = setup();
    let error: unknown;
    try {
      sim.injectFault(kind as FaultKind, sla);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DemoError);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status, code });
    expect((error as Error).message).toMatch(message);
    expect(sim.faults()).toEqual([]);
  });

  it('refuses a fault that is already active', () => {
    const { sim } = setup();
    sim.injectFault('pipeline_stall', 'fraud-scoring');
    expect(() => sim.injectFault('pipeline_stall', 'fraud-scoring')).toThrow(
      /pipeline_stall is already active on fraud-scoring \(since 2026-01-01T12:00:00.000Z\); clear it first/,
    );
  });

  it('validates the filters of clearFault', () => {
    const { sim } = setup();
    expect(() => sim.clearFault('nope' as FaultKind)).toThrow(/unknown fault kind "nope"/);
    expect(() => sim.clearFault(undefined, 'nope')).toThrow(/unknown SLA "nope"/);
  });

  it('lists every kind with the SLAs it applies to', () => {
    const { sim } = setup();
    expect(Object.fromEntries(sim.faultKinds().map((k) => [k.kind, k.appliesTo.join(' ')]))).toEqual({
      index_degradation: 'recommendations search-rag',
      tombstone_buildup: 'recommendations search-rag',
      pipeline_stall: 'fraud-scoring recommendations',
      schema_change_nulls: 'fraud-scoring recommendations',
      feature_drift: 'fraud-scoring recommendations search-rag',
      model_slowdown: 'fraud-scoring recommendations search-rag',
      online_store_slowdown: 'fraud-scoring recommendations',
      error_spike: 'fraud-scoring recommendations',
    });
    expect(sim.faultKinds().every((k) => k.description.length > 10)).toBe(true);
  });

  it('validates its dependencies', () => {
    const clock = new ManualClock(START);
    const client = new CollectingClient();
    expect(() => new DemoSimulator({ plans: undefined as unknown as SlaPlan[], client, clock })).toThrow(
      /plans must be an array/,
    );
    expect(() => new DemoSimulator({ plans, client: {} as CollectingClient, clock })).toThrow(
      /client must have a send/,
    );
    expect(() => new DemoSimulator({ plans, client, clock, seed: 1.5 })).toThrow(
      /seed must be an integer, got 1.5/,
    );
    expect(() => new DemoSimulator({ plans: [plans[0]!, plans[0]!], client, clock })).toThrow(
      /two SLAs are named "fraud-scoring"/,
    );
  });
});

describe('the real-time loop', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks on its interval until stopped', async () => {
    vi.useFakeTimers();
    const { sim, client } = setup({ only: 'recommendations' });
    sim.start(1000);
    await vi.advanceTimersByTimeAsync(3500);
    await sim.stop();
    const sends = client.batches.length;
    // One reference batch, then one batch per tick: at start and after 1, 2 and 3 seconds.
    expect(sends).toBe(5);
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.batches.length).toBe(sends);
  });

  it('logs failed ticks once per message and keeps running', async () => {
    vi.useFakeTimers();
    const { client, clock } = setup();
    const warn = vi.fn();
    const sim = new DemoSimulator({ plans, client, clock, logger: { warn } });
    client.fail = new Error('ingest answered 503: draining');
    sim.start(1000);
    await vi.advanceTimersByTimeAsync(5500);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { err: 'ingest answered 503: draining' },
      'demo simulator could not send signals; retrying on the next tick',
    );
    client.fail = undefined;
    await vi.advanceTimersByTimeAsync(1000);
    await sim.stop();
    expect(client.batches.length).toBeGreaterThan(0);
  });

  it('rejects a nonsensical interval', () => {
    const { sim } = setup();
    expect(() => sim.start(0)).toThrow(/intervalMs must be a number ≥ 10, got 0/);
  });
});

describe('httpIngestClient', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(
    answer: (req: IncomingMessage, body: string) => { status: number; body: string; type?: string },
  ) {
    const created = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const out = answer(req, body);
        res.writeHead(out.status, { 'content-type': out.type ?? 'application/json' });
        res.end(out.body);
      });
    });
    server = created;
    await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(created.address() as AddressInfo).port}`;
  }

  it('posts {"signals": […]} with the bearer token', async () => {
    const seen: Array<Record<string, string | undefined>> = [];
    const url = await serve((req, body) => {
      seen.push({ url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body });
      return { status: 202, body: '{"accepted":1}' };
    });
    await httpIngestClient(`${url}/`, 'slactl_secret').send([
      { type: 'request', service: 's', ok: true, seconds: 0.1 },
    ]);
    await httpIngestClient(url, 'slactl_secret').send([]);
    expect(seen).toEqual([
      {
        url: '/api/v1/signals',
        auth: 'Bearer slactl_secret',
        type: 'application/json',
        body: '{"signals":[{"type":"request","service":"s","ok":true,"seconds":0.1}]}',
      },
    ]);
  });

  it("throws with the server's message on a non-2xx answer", async () => {
    const url = await serve(() => ({
      status: 400,
      body: JSON.stringify({
        error: { code: 'invalid_signal', message: 'signals[0].seconds: expected a number ≥ 0, got -1' },
      }),
    }));
    await expect(httpIngestClient(url, 't').send([{}])).rejects.toThrow(
      `ingest at ${url}/api/v1/signals answered 400: signals[0].seconds: expected a number ≥ 0, got -1`,
    );
  });

  it('shows a plain-text answer as it is', async () => {
    const url = await serve(() => ({ status: 502, body: 'bad gateway\n', type: 'text/plain' }));
    await expect(httpIngestClient(url, 't').send([{}])).rejects.toThrow(/answered 502: bad gateway$/);
  });
});
