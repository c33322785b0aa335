import { beforeAll, describe, expect, it } from 'vitest';
import type { SlaPlan } from '../compile/ir.js';
import { Rng } from './random.js';
import {
  HEALTHY_SHARE_OF_BUDGET,
  LATENCY_SIGMA,
  Z_P99,
  modelComponent,
  serviceModel,
} from './service-model.js';
import { examplePlans } from './test-support/fixtures.js';

let plans: SlaPlan[];
const plan = (name: string): SlaPlan => plans.find((p) => p.name === name)!;

beforeAll(async () => {
  plans = await examplePlans();
});

describe('serviceModel', () => {
  it('reads the serving path, features, indexes and streams off the recommendations plan', () => {
    const m = serviceModel(plan('recommendations'), new Rng(1));
    expect(m.service).toBe('recs-api');
    expect(
      m.components.map((c) => [c.component, c.budgetSeconds, Number(c.medianSeconds.toFixed(6))]),
    ).toEqual([
      ['network', 0.01, 0.006],
      ['feature_retrieval', 0.015, 0.009],
      ['vector_search', 0.025, 0.015],
      ['feature_assembly', 0.005, 0.003],
      ['model_inference', 0.035, 0.021],
      ['post_processing', 0.005, 0.003],
    ]);
    expect(m.healthyErrorRate).toBeCloseTo(0.0002, 10);
    expect(m.availability?.objective.slo).toBe('availability');
    expect(m.latency.map((o) => [o.objective.slo, o.thresholdSeconds])).toEqual([
      ['latency-p99', 0.1],
      ['latency-p999', 0.25],
    ]);
    expect(m.freshness).toEqual([
      { feature: 'user_7d_purchase_count', maxAgeSeconds: 300, fallbackAfterSeconds: 900, periodMs: 30_000 },
      { feature: 'item_ctr_1h', maxAgeSeconds: 600, fallbackAfterSeconds: 1800, periodMs: 60_000 },
    ]);
    expect(m.nullFeatures).toEqual(['user_7d_purchase_count', 'item_ctr_1h', 'user_embedding']);
    expect(m.nullRateMax).toBe(0.02);
    expect(m.driftFeatures).toEqual(['user_7d_purchase_count', 'prediction']);
    expect(m.psiLimit).toBe(0.2);
    expect(m.indexes).toMatchObject([
      { index: 'products', k: 10, minRecall: 0.95, minProbes: 20, maxTombstoneRatio: 0.2 },
    ]);
    expect(m.streams).toMatchObject([{ consumerGroup: 'feature-pipeline', maxCatchUpSeconds: 60 }]);
    expect(modelComponent(m)).toBe('model_inference');
  });

  it('leaves custom PromQL SLIs to Prometheus and picks the LLM as the RAG path’s model', () => {
    const m = serviceModel(plan('search-rag'), new Rng(1));
    expect(m.availability).toBeUndefined();
    expect(m.latency).toEqual([]);
    expect(m.customObjectives.map((o) => o.slo)).toEqual(['availability', 'latency-p99', 'latency-p999']);
    expect(m.nullFeatures).toEqual([]);
    expect(m.driftFeatures).toEqual(['query_embedding_norm', 'prediction']);
    expect(m.indexes.map((i) => [i.index, i.k, i.minProbes])).toEqual([
      ['documents', 20, 20],
      ['passages', 5, 30],
    ]);
    expect(modelComponent(m)).toBe('llm_generation');
  });

  it('writes fast-moving features often and slow ones at most once a minute', () => {
    const m = serviceModel(plan('fraud-scoring'), new Rng(1));
    expect(m.freshness.map((f) => [f.feature, f.periodMs])).toEqual([
      ['card_txn_count_5m', 3000],
      ['merchant_chargeback_rate_1d', 60_000],
      ['device_velocity_1h', 12_000],
    ]);
  });

  it('simulates an SLA without a budget table from its P99 target', () => {
    const bare: SlaPlan = { ...plan('recommendations'), thresholds: [] };
    delete bare.budget;
    const m = serviceModel(bare, new Rng(1));
    expect(m.components).toEqual([]);
    expect(m.fallbackMedianSeconds).toBeCloseTo(0.05, 10);
    expect(m.freshness).toEqual([]);
    expect(m.indexes).toEqual([]);
    expect(modelComponent(m)).toBeUndefined();
  });

  it('sizes healthy components so their P99 stays clearly under budget', () => {
    expect(HEALTHY_SHARE_OF_BUDGET * Math.exp(Z_P99 * LATENCY_SIGMA)).toBeLessThan(0.9);
  });
});
