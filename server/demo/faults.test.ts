import { beforeAll, describe, expect, it } from 'vitest';
import type { SlaPlan } from '../compile/ir.js';
import {
  FAULT_KINDS,
  checkFault,
  effectsOf,
  latencyExceedance,
  pagingErrorRatio,
  HEALTHY_RECALL_MISS_RATE,
  type Fault,
} from './faults.js';
import { Rng } from './random.js';
import { serviceModel, type ServiceModel } from './service-model.js';
import { examplePlans } from './test-support/fixtures.js';

let plans: SlaPlan[];
let models: Map<string, ServiceModel>;

beforeAll(async () => {
  plans = await examplePlans();
  models = new Map(plans.map((p) => [p.name, serviceModel(p, new Rng(1))]));
});

const model = (name: string): ServiceModel => models.get(name)!;

function fault(kind: Fault['kind'], sla: string, since = 0): Fault {
  return { kind, sla, since, expectedAlerts: [], description: '' };
}

describe('checkFault on the example SLAs', () => {
  it('expects the alerts each fault should fire, or says why it does not apply', () => {
    const table: Record<string, Record<string, string>> = {};
    for (const [name, m] of models) {
      table[name] = {};
      for (const kind of FAULT_KINDS) {
        const check = checkFault(kind, m);
        table[name][kind] = check.ok ? check.expectedAlerts.join(' ') : `n/a: ${check.reason}`;
      }
    }
    expect(table).toMatchInlineSnapshot(`
      {
        "fraud-scoring": {
          "error_spike": "SLOAvailabilityBurnRateHigh",
          "feature_drift": "DistributionDriftHigh",
          "index_degradation": "n/a: fraud-scoring has no recall objectives (spec.recall)",
          "model_slowdown": "LatencyComponentOverBudget SLOLatencyBurnRateHigh",
          "online_store_slowdown": "LatencyComponentOverBudget",
          "pipeline_stall": "FeatureStale FeatureFallbackRequired StreamStalled StreamCatchUpSlow",
          "schema_change_nulls": "FeatureNullRateHigh",
          "tombstone_buildup": "n/a: fraud-scoring sets no maxTombstoneRatio on its recall objectives",
        },
        "recommendations": {
          "error_spike": "SLOAvailabilityBurnRateHigh",
          "feature_drift": "DistributionDriftHigh",
          "index_degradation": "VectorRecallBelowTarget LatencyComponentOverBudget",
          "model_slowdown": "LatencyComponentOverBudget SLOLatencyBurnRateHigh",
          "online_store_slowdown": "LatencyComponentOverBudget",
          "pipeline_stall": "FeatureStale FeatureFallbackRequired StreamStalled StreamCatchUpSlow",
          "schema_change_nulls": "FeatureNullRateHigh",
          "tombstone_buildup": "VectorTombstoneRatioHigh",
        },
        "search-rag": {
          "error_spike": "n/a: search-rag measures availability with its own PromQL SLI, which Prometheus evaluates; the demo's request signals do not reach it",
          "feature_drift": "DistributionDriftHigh",
          "index_degradation": "VectorRecallBelowTarget LatencyComponentOverBudget",
          "model_slowdown": "LatencyComponentOverBudget",
          "online_store_slowdown": "n/a: search-rag's latency budget has no feature_retrieval component",
          "pipeline_stall": "n/a: search-rag has no freshness objectives (spec.freshness) and no stream lag objectives",
          "schema_change_nulls": "n/a: search-rag has no null-rate objective (spec.signals.nullRate)",
          "tombstone_buildup": "VectorTombstoneRatioHigh",
        },
      }
    `);
  });

  it('describes what the fault does to that SLA', () => {
    const text = (kind: Fault['kind'], sla: string): string => {
      const check = checkFault(kind, model(sla));
      return check.ok ? check.description : check.reason;
    };
    expect(text('pipeline_stall', 'recommendations')).toBe(
      'event times of user_7d_purchase_count, item_ctr_1h stop advancing; consumer group feature-pipeline stops consuming while its lag grows',
    );
    expect(text('model_slowdown', 'search-rag')).toBe('llm_generation takes 3 times as long');
    expect(text('tombstone_buildup', 'search-rag')).toBe(
      'tombstones in documents (limit 15%), passages (limit 10%) climb 2.5 points a minute up to 45%',
    );
  });

  it('refuses a fault that no alert would notice', () => {
    // A null-rate limit above what the schema change produces: nothing could fire.
    const lenient = { ...model('recommendations'), nullRateMax: 0.5 };
    const check = checkFault('schema_change_nulls', lenient);
    expect(check).toEqual({
      ok: false,
      reason:
        'feature user_7d_purchase_count returns null for about 30% of lookups, but no alert of recommendations would fire',
    });
  });
});

describe('effectsOf', () => {
  it('is healthy without faults and ignores faults on other SLAs', () => {
    const effects = effectsOf(model('recommendations'), [fault('error_spike', 'fraud-scoring')]);
    expect(effects.errorRate).toBeCloseTo(0.0002, 10);
    expect(effects.componentFactors.size).toBe(0);
    expect(effects.recallMissRate).toBe(HEALTHY_RECALL_MISS_RATE);
    expect(effects.stalled).toBe(false);
    expect(effects.driftShift).toBe(0);
  });

  it('combines faults: slowdowns of one component multiply', () => {
    const effects = effectsOf(model('recommendations'), [
      fault('index_degradation', 'recommendations'),
      fault('model_slowdown', 'recommendations'),
      fault('online_store_slowdown', 'recommendations'),
      fault('error_spike', 'recommendations'),
      fault('pipeline_stall', 'recommendations'),
      fault('schema_change_nulls', 'recommendations'),
      fault('feature_drift', 'recommendations'),
      fault('tombstone_buildup', 'recommendations', 1234),
    ]);
    expect(Object.fromEntries(effects.componentFactors)).toEqual({
      vector_search: 1.5,
      model_inference: 3,
      feature_retrieval: 4,
    });
    expect(effects).toMatchObject({
      errorRate: 0.05,
      recallMissRate: expect.closeTo(0.2, 10) as number,
      stalled: true,
      nullFeature: 'user_7d_purchase_count',
      driftShift: 1.5,
      tombstonesSince: 1234,
    });
  });
});

describe('latency expectations', () => {
  it('keeps healthy end-to-end latency well within every collector-measured threshold', () => {
    for (const m of models.values()) {
      for (const objective of m.latency) {
        expect(
          latencyExceedance(m, new Map(), objective.thresholdSeconds!),
          `${m.sla} ${objective.objective.slo}`,
        ).toBeLessThan(0.1 * objective.objective.errorBudget);
      }
    }
  });

  it('pages on the lowest critical burn factor × error budget', () => {
    const availability = model('recommendations').availability!;
    // 30d window: page-fast 14.4, page-slow 6; the slow page needs 6 × 0.1%.
    expect(pagingErrorRatio(availability)).toBeCloseTo(0.006, 10);
  });

  it('a model three times slower pushes about half the requests past a 100ms P99 target', () => {
    const m = model('recommendations');
    const share = latencyExceedance(m, new Map([['model_inference', 3]]), 0.1);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
  });
});
