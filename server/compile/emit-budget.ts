// Emits alerts/<sla>.budget.json: the latency budget table (the seed's worked example) as data, for the
// dashboard and for reviewers of a pull request.
import { formatNumber } from '../lib/units.js';
import type { SlaPlan } from './ir.js';

// Through formatNumber so that floating-point noise (0.30000000000000004) never reaches the file.
const clean = (value: number): number => Number(formatNumber(value));

/** Renders the latency budget of an SLA as JSON, or undefined when the SLA has no budget. */
export function emitBudget(plan: SlaPlan): string | undefined {
  const budget = plan.budget;
  if (budget === undefined) return undefined;
  const out = {
    sla: plan.name,
    service: plan.service,
    p99Ms: clean(budget.p99Ms),
    components: budget.rows.map((row) => ({
      component: row.component,
      budgetMs: clean(row.budgetMs),
      shareOfP99: clean(row.shareOfP99),
      cumulativeMs: clean(row.cumulativeMs),
      headroomMs: clean(row.headroomMs),
    })),
    totalMs: clean(budget.totalMs),
    headroomMs: clean(budget.headroomMs),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
