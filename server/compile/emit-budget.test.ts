import { describe, expect, it } from 'vitest';
import { emitBudget } from './emit-budget.js';
import { checkoutPlan, recsPlan } from './test-support/fixtures.js';

describe('emitBudget', () => {
  it('writes the seed budget table straight from the plan', () => {
    const text = emitBudget(recsPlan())!;
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      sla: 'recs-low-latency',
      service: 'recs-api',
      p99Ms: 100,
      components: [
        { component: 'network', budgetMs: 10, shareOfP99: 0.1, cumulativeMs: 10, headroomMs: 90 },
        { component: 'feature_retrieval', budgetMs: 15, shareOfP99: 0.15, cumulativeMs: 25, headroomMs: 75 },
        { component: 'vector_search', budgetMs: 25, shareOfP99: 0.25, cumulativeMs: 50, headroomMs: 50 },
        { component: 'feature_assembly', budgetMs: 5, shareOfP99: 0.05, cumulativeMs: 55, headroomMs: 45 },
        { component: 'model_inference', budgetMs: 35, shareOfP99: 0.35, cumulativeMs: 90, headroomMs: 10 },
        { component: 'post_processing', budgetMs: 5, shareOfP99: 0.05, cumulativeMs: 95, headroomMs: 5 },
      ],
      totalMs: 95,
      headroomMs: 5,
    });
    expect(text).toContain('\n  "components": [\n    {\n      "component": "network",');
  });

  it('prints no floating-point noise', () => {
    const plan = recsPlan();
    const rows = plan.budget!.rows.map((r) => ({ ...r, shareOfP99: 0.1 + 0.2 }));
    expect(emitBudget({ ...plan, budget: { ...plan.budget!, rows } })).toContain('"shareOfP99": 0.3,');
  });

  it('is undefined without a budget', () => {
    expect(emitBudget(checkoutPlan())).toBeUndefined();
  });
});
