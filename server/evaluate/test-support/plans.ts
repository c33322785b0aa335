// SLA plans for the evaluator tests, built the way slactl builds them: YAML text → load → buildPlan.
import { buildPlan } from '../../compile/plan.js';
import type { SlaPlan } from '../../compile/ir.js';
import { formatDiagnostic, hasErrors } from '../../lib/diagnostics.js';
import { checkSlaSources } from '../../sla/load.js';

/** Compiles SLA YAML into plans; throws with the diagnostics when the YAML is not a valid SLA. */
export function plansFromYaml(text: string, file = 'test.yaml'): SlaPlan[] {
  const result = checkSlaSources([{ file, text }]);
  if (hasErrors(result.diagnostics) || result.slas.length === 0) {
    throw new Error(`invalid test SLA:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  }
  return result.slas.map(buildPlan);
}

/** The one plan of an SLA YAML document. */
export function planFromYaml(text: string): SlaPlan {
  const [plan] = plansFromYaml(text);
  return plan!;
}

/** An SLA with every kind of rule slactl evaluates, on a 30-day window. */
export const FULL_SLA = `apiVersion: slactl/v1
kind: SLA
metadata:
  name: recs
  service: recs-api
  owner: ranking-team
  tier: low-latency
  labels: { team: ranking }
spec:
  window: 30d
  latency:
    p99: 100ms
    budget:
      feature_retrieval: 15ms
      vector_search: 25ms
      model_inference: 50ms
  availability:
    objective: 99.9%
  freshness:
    - feature: user_7d
      maxAge: 5m
      fallbackAfter: 15m
  recall:
    - index: products
      k: 10
      min: 0.95
      maxTombstoneRatio: 0.2
  signals:
    nullRate: { max: 2% }
    drift: { psi: 0.2 }
    streamLag:
      - consumerGroup: feature-pipeline
        maxCatchUp: 60s
`;

/** An SLA whose objectives use the team's own PromQL: Prometheus evaluates them, slactl cannot. */
export const CUSTOM_SLI_SLA = `apiVersion: slactl/v1
kind: SLA
metadata:
  name: search
  service: search-api
  tier: near-real-time
spec:
  window: 28d
  latency:
    p99: 800ms
    sli:
      histogram: http_request_duration_seconds
      selector: job="search-api"
  availability:
    objective: 99.5%
    sli:
      errors: sum(rate(http_requests_total{job="search-api",code=~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total{job="search-api"}[{{window}}]))
  recall:
    - index: documents
      k: 20
      min: 0.9
`;
