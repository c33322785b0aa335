import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSlaSources } from '../sla/load.js';
import { buildPlan } from './plan.js';

function planOf(name: string) {
  const file = `slas/${name}.yaml`;
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  const result = checkSlaSources([{ file, text }]);
  expect(result.diagnostics).toEqual([]);
  return buildPlan(result.slas[0]!);
}

describe('buildPlan', () => {
  it("reproduces the seed's 100ms latency budget table", () => {
    const plan = planOf('recommendations');
    expect(plan.budget).toEqual({
      p99Ms: 100,
      totalMs: 95,
      headroomMs: 5,
      rows: [
        { component: 'network', budgetMs: 10, shareOfP99: 0.1, cumulativeMs: 10, headroomMs: 90 },
        { component: 'feature_retrieval', budgetMs: 15, shareOfP99: 0.15, cumulativeMs: 25, headroomMs: 75 },
        { component: 'vector_search', budgetMs: 25, shareOfP99: 0.25, cumulativeMs: 50, headroomMs: 50 },
        { component: 'feature_assembly', budgetMs: 5, shareOfP99: 0.05, cumulativeMs: 55, headroomMs: 45 },
        { component: 'model_inference', budgetMs: 35, shareOfP99: 0.35, cumulativeMs: 90, headroomMs: 10 },
        { component: 'post_processing', budgetMs: 5, shareOfP99: 0.05, cumulativeMs: 95, headroomMs: 5 },
      ],
    });
  });

  it('turns latency percentiles into ratio objectives with the workbook tiers at 30d', () => {
    const plan = planOf('recommendations');
    expect(plan.objectives.map((o) => [o.slo, o.target, o.errorBudget, o.description])).toEqual([
      ['availability', 0.999, 0.001, '99.9% of requests succeed'],
      ['latency-p99', 0.99, 0.01, '99% of requests complete within 100ms'],
      ['latency-p999', 0.999, 0.001, '99.9% of requests complete within 250ms'],
    ]);
    expect(plan.objectives[1]!.sli).toEqual({ kind: 'latency', service: 'recs-api', thresholdSeconds: 0.1 });
    expect(
      plan.objectives[0]!.tiers.map((t) => [
        t.id,
        t.severity,
        t.factor,
        t.longWindowMs / 60_000,
        t.shortWindowMs / 60_000,
        t.forMs / 60_000,
      ]),
    ).toEqual([
      ['page-fast', 'critical', 14.4, 60, 5, 2],
      ['page-slow', 'critical', 6, 360, 30, 12],
      ['ticket-fast', 'warning', 3, 1440, 120, 48],
      ['ticket-slow', 'warning', 1, 4320, 360, 144],
    ]);
  });

  it('scales burn factors to a 28d window and keeps custom SLIs', () => {
    const plan = planOf('search-rag');
    expect(plan.objectives[0]!.tiers.map((t) => t.factor)).toEqual([13.44, 5.6, 2.8, 0.933333333333]);
    expect(plan.objectives[0]!.sli.kind).toBe('custom-ratio');
    expect(plan.objectives[1]!.sli).toEqual({
      kind: 'custom-histogram',
      metric: 'http_request_duration_seconds',
      selector: 'job="search-api",handler="/v1/search"',
      thresholdSeconds: 0.8,
    });
  });

  it('emits one threshold alert per component, feature, index and consumer group', () => {
    const plan = planOf('recommendations');
    const names = plan.thresholds.map((t) => `${t.alertname} ${JSON.stringify(t.subject)} ${t.threshold}`);
    expect(names).toEqual([
      'LatencyComponentOverBudget {"component":"network"} 0.01',
      'LatencyComponentOverBudget {"component":"feature_retrieval"} 0.015',
      'LatencyComponentOverBudget {"component":"vector_search"} 0.025',
      'LatencyComponentOverBudget {"component":"feature_assembly"} 0.005',
      'LatencyComponentOverBudget {"component":"model_inference"} 0.035',
      'LatencyComponentOverBudget {"component":"post_processing"} 0.005',
      'FeatureStale {"feature":"user_7d_purchase_count"} 300',
      'FeatureFallbackRequired {"feature":"user_7d_purchase_count"} 900',
      'FeatureStale {"feature":"item_ctr_1h"} 600',
      'FeatureFallbackRequired {"feature":"item_ctr_1h"} 1800',
      'VectorRecallBelowTarget {"index":"products"} 0.95',
      'VectorTombstoneRatioHigh {"index":"products"} 0.2',
      'FeatureNullRateHigh {} 0.02',
      'DistributionDriftHigh {} 0.2',
      'StreamCatchUpSlow {"consumer_group":"feature-pipeline"} 60',
      'StreamStalled {"consumer_group":"feature-pipeline"} 0',
    ]);
    expect(plan.thresholds.find((t) => t.subject.component === 'vector_search')?.runbook).toBe(
      'vector-index-degradation',
    );
    expect(plan.thresholds.find((t) => t.subject.component === 'network')?.runbook).toBe(
      'component-over-budget',
    );
  });
});
