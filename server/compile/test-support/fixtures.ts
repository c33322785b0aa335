// Hand-built plans for the emitter tests, independent of the plan builder: what it should produce for a
// few representative SLAs (the seed's 100ms recommendations budget, custom SLIs, a 7-day window, and
// one full of characters that need escaping).
import { componentFailureMode, FAILURE_MODES } from '../failure-modes.js';
import { latencyBudget } from '../plan.js';
import type { BudgetRow, BurnTier, RatioObjective, SlaPlan, ThresholdAlert } from '../ir.js';
import { roundRatio } from '../../lib/units.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The four standard multi-window tiers, with factors scaled to the SLA window. */
export function standardTiers(windowMs: number): BurnTier[] {
  const tier = (
    id: BurnTier['id'],
    severity: BurnTier['severity'],
    budgetShare: number,
    longWindowMs: number,
    shortWindowMs: number,
  ): BurnTier => ({
    id,
    severity,
    budgetShare,
    longWindowMs,
    shortWindowMs,
    factor: roundRatio((budgetShare * windowMs) / longWindowMs),
    // As the plan builder does: hold for 40% of the short window (2m, 12m, 48m, 2h24m).
    forMs: Math.max(MINUTE, Math.round((shortWindowMs * 0.4) / MINUTE) * MINUTE),
  });
  return [
    tier('page-fast', 'critical', 0.02, HOUR, 5 * MINUTE),
    tier('page-slow', 'critical', 0.05, 6 * HOUR, 30 * MINUTE),
    tier('ticket-fast', 'warning', 0.1, DAY, 2 * HOUR),
    tier('ticket-slow', 'warning', 0.1, 3 * DAY, 6 * HOUR),
  ].filter((t) => t.longWindowMs <= windowMs);
}

function availability(target: number, sli: RatioObjective['sli'], windowMs: number): RatioObjective {
  return {
    slo: 'availability',
    alertname: 'SLOAvailabilityBurnRateHigh',
    target,
    errorBudget: roundRatio(1 - target),
    sli,
    tiers: standardTiers(windowMs),
    description: `${roundRatio(target * 100)}% of requests succeed`,
    ...FAILURE_MODES.availability,
  };
}

function latency(
  slo: 'latency-p99' | 'latency-p999',
  target: number,
  sli: RatioObjective['sli'],
  thresholdMs: number,
  windowMs: number,
): RatioObjective {
  return {
    slo,
    alertname: 'SLOLatencyBurnRateHigh',
    target,
    errorBudget: roundRatio(1 - target),
    sli,
    tiers: standardTiers(windowMs),
    description: `${roundRatio(target * 100)}% of requests within ${thresholdMs}ms`,
    ...FAILURE_MODES.latency,
  };
}

const SEED_BUDGET: Array<[string, number]> = [
  ['network', 10],
  ['feature_retrieval', 15],
  ['vector_search', 25],
  ['feature_assembly', 5],
  ['model_inference', 35],
  ['post_processing', 5],
];

function budgetRows(p99Ms: number, table: Array<[string, number]>): BudgetRow[] {
  return latencyBudget(p99Ms, Object.fromEntries(table)).rows;
}

function componentAlert(service: string, component: string, budgetMs: number): ThresholdAlert {
  return {
    alertname: 'LatencyComponentOverBudget',
    severity: 'warning',
    signal: { kind: 'component-quantile', service, component, quantile: 0.99, windowMs: 5 * MINUTE },
    op: '>',
    threshold: budgetMs / 1000,
    forMs: 10 * MINUTE,
    subject: { component },
    valueFormat: 'duration',
    summary: `{component} is over its ${budgetMs}ms latency budget`,
    description: `p99 latency of {component} is {value} over the last 5m; its budget is ${budgetMs}ms of the 100ms p99 target.`,
    ...componentFailureMode(component),
  };
}

function freshnessAlerts(
  service: string,
  feature: string,
  staleS: number,
  fallbackS: number,
): ThresholdAlert[] {
  const base = {
    signal: { kind: 'feature-age', service, feature } as const,
    op: '>' as const,
    subject: { feature },
    valueFormat: 'duration' as const,
  };
  return [
    {
      ...base,
      alertname: 'FeatureStale',
      severity: 'warning',
      threshold: staleS,
      forMs: 5 * MINUTE,
      summary: 'Feature {feature} is stale',
      description: `Newest event of feature {feature} is {value} old (stale after ${staleS / 60}m).`,
      ...FAILURE_MODES.stale,
    },
    {
      ...base,
      alertname: 'FeatureFallbackRequired',
      severity: 'critical',
      threshold: fallbackS,
      forMs: 2 * MINUTE,
      summary: 'Feature {feature} needs its fallback',
      description: `Newest event of feature {feature} is {value} old; past ${fallbackS / 60}m serve the fallback.`,
      ...FAILURE_MODES.pipeline,
    },
  ];
}

/** The seed's low-latency recommendations SLA: 99.9%, p99 100ms with the budget table, p999 250ms, quality. */
export function recsPlan(): SlaPlan {
  const service = 'recs-api';
  const windowMs = 30 * DAY;
  return {
    name: 'recs-low-latency',
    service,
    tier: 'low-latency',
    owner: 'recs-team',
    labels: { team: 'recs', env: 'prod' },
    windowMs,
    source: { file: 'slas/recs-low-latency.yaml', line: 1 },
    objectives: [
      availability(0.999, { kind: 'requests', service }, windowMs),
      latency('latency-p99', 0.99, { kind: 'latency', service, thresholdSeconds: 0.1 }, 100, windowMs),
      latency('latency-p999', 0.999, { kind: 'latency', service, thresholdSeconds: 0.25 }, 250, windowMs),
    ],
    budget: { p99Ms: 100, rows: budgetRows(100, SEED_BUDGET), totalMs: 95, headroomMs: 5 },
    thresholds: [
      ...SEED_BUDGET.map(([component, ms]) => componentAlert(service, component, ms)),
      ...freshnessAlerts(service, 'user_profile', 300, 1800),
      {
        alertname: 'VectorRecallBelowTarget',
        severity: 'critical',
        signal: { kind: 'recall', service, index: 'items_hnsw', k: 10, windowMs: HOUR, minProbes: 20 },
        op: '<',
        threshold: 0.95,
        forMs: 15 * MINUTE,
        subject: { index: 'items_hnsw' },
        valueFormat: 'percent',
        summary: 'Recall@10 of {index} is below 95%',
        description:
          'Mean recall@10 of {index} over the last 1h is {value} (target 95%, at least 20 probes).',
        ...FAILURE_MODES.recall,
      },
      {
        alertname: 'VectorTombstoneRatioHigh',
        severity: 'warning',
        signal: { kind: 'tombstone-ratio', service, index: 'items_hnsw' },
        op: '>',
        threshold: 0.2,
        forMs: 30 * MINUTE,
        subject: { index: 'items_hnsw' },
        valueFormat: 'percent',
        summary: '{index} holds too many tombstones',
        description:
          '{value} of the vectors in {index} are tombstoned (limit 20%): compact before recall drops.',
        ...FAILURE_MODES.tombstones,
      },
      {
        alertname: 'FeatureNullRateHigh',
        severity: 'warning',
        signal: { kind: 'null-rate', service, windowMs: 15 * MINUTE },
        op: '>',
        threshold: 0.05,
        forMs: 10 * MINUTE,
        subject: {},
        dynamicSubject: 'feature',
        valueFormat: 'percent',
        summary: 'Null rate of feature {feature} is high',
        description: '{value} of lookups of {feature} returned null over the last 15m (limit 5%).',
        ...FAILURE_MODES.nullRate,
      },
      {
        alertname: 'DistributionDriftHigh',
        severity: 'warning',
        signal: { kind: 'drift-psi', service },
        op: '>',
        threshold: 0.25,
        forMs: 30 * MINUTE,
        subject: {},
        dynamicSubject: 'feature',
        valueFormat: 'number',
        summary: 'Distribution of {feature} drifted',
        description: 'PSI of {feature} against its reference is {value} (limit 0.25).',
        ...FAILURE_MODES.drift,
      },
      {
        alertname: 'StreamCatchUpSlow',
        severity: 'warning',
        signal: { kind: 'stream-catchup', service, consumerGroup: 'feature-updates' },
        op: '>',
        threshold: 300,
        forMs: 5 * MINUTE,
        subject: { consumer_group: 'feature-updates' },
        valueFormat: 'duration',
        summary: 'Consumer group {consumer_group} is slow to catch up',
        description: '{consumer_group} needs {value} to drain its lag (limit 5m).',
        ...FAILURE_MODES.streamLag,
      },
      {
        alertname: 'StreamStalled',
        severity: 'critical',
        signal: { kind: 'stream-stalled', service, consumerGroup: 'feature-updates' },
        op: '>',
        threshold: 0,
        forMs: 5 * MINUTE,
        subject: { consumer_group: 'feature-updates' },
        valueFormat: 'number',
        summary: 'Consumer group {consumer_group} stalled',
        description: '{consumer_group} is {value} messages behind and consumes nothing.',
        ...FAILURE_MODES.streamLag,
      },
    ],
  };
}

/** A checkout SLA on the team's own metrics: a custom-ratio availability and a custom-histogram p99. */
export function checkoutPlan(): SlaPlan {
  const service = 'checkout';
  const windowMs = 30 * DAY;
  return {
    name: 'checkout',
    service,
    tier: 'near-real-time',
    labels: { team: 'payments' },
    windowMs,
    source: { file: 'slas/checkout.yaml', line: 1 },
    objectives: [
      availability(
        0.995,
        {
          kind: 'custom-ratio',
          errors: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))',
          total: 'sum(rate(http_requests_total{job="checkout"}[{{window}}]))',
        },
        windowMs,
      ),
      latency(
        'latency-p99',
        0.99,
        {
          kind: 'custom-histogram',
          metric: 'http_request_duration_seconds',
          selector: 'job="checkout",route!="/healthz"',
          thresholdSeconds: 0.3,
        },
        300,
        windowMs,
      ),
      latency('latency-p999', 0.999, { kind: 'latency', service, thresholdSeconds: 1 }, 1000, windowMs),
    ],
    thresholds: [],
  };
}

/** The checkout SLA written another way: separate error and request counters, and a bare histogram. */
export function checkoutVariantPlan(): SlaPlan {
  const plan = checkoutPlan();
  const [availability, p99] = plan.objectives as [RatioObjective, RatioObjective];
  return {
    ...plan,
    name: 'checkout-variant',
    objectives: [
      {
        ...availability,
        sli: {
          kind: 'custom-ratio',
          errors: '(sum(increase(checkout_errors_total{job="checkout"}[{{window}}])) or vector(0))',
          total:
            'sum by () (increase(checkout_requests_total{job="checkout",path!~"/health.*"}[{{window}}]))',
        },
      },
      {
        ...p99,
        sli: { kind: 'custom-histogram', metric: 'checkout_seconds', selector: '', thresholdSeconds: 0.3 },
      },
    ],
  };
}

/** A search SLA over a 7-day window (tier factors scaled down accordingly). */
export function weeklyPlan(): SlaPlan {
  const service = 'search-api';
  const windowMs = 7 * DAY;
  return {
    name: 'search-weekly',
    service,
    tier: 'streaming',
    labels: { team: 'search' },
    windowMs,
    source: { file: 'slas/search-weekly.yaml', line: 1 },
    objectives: [
      availability(0.99, { kind: 'requests', service }, windowMs),
      latency('latency-p99', 0.99, { kind: 'latency', service, thresholdSeconds: 2 }, 2000, windowMs),
    ],
    thresholds: [
      {
        alertname: 'VectorRecallBelowTarget',
        severity: 'warning',
        signal: { kind: 'recall', service, index: 'docs', k: 20, windowMs: 30 * MINUTE, minProbes: 0 },
        op: '<',
        threshold: 0.9,
        forMs: 0,
        subject: { index: 'docs' },
        valueFormat: 'percent',
        summary: 'Recall@20 of {index} is low',
        description: 'Recall@20 of {index} is {value}.',
        ...FAILURE_MODES.recall,
      },
    ],
  };
}

/** Names, labels and texts full of quotes, backslashes and braces, to prove the escaping end to end. */
export function edgePlan(): SlaPlan {
  const service = 'edge "svc" \\ 1';
  const windowMs = DAY;
  const feature = 'feat"x\\y{z}';
  return {
    name: 'edge-cases',
    service,
    tier: 'low-latency',
    labels: { team: 'a "b" \\ {{c}}', feature: 'from-metadata', severity: 'ignored' },
    windowMs,
    source: { file: 'slas/edge-cases.yaml', line: 3 },
    objectives: [
      {
        ...availability(0.9, { kind: 'requests', service }, windowMs),
        description: '90% of {{ "odd" }} requests {value} succeed',
      },
    ],
    thresholds: [
      {
        ...freshnessAlerts(service, feature, 60, 600)[0]!,
        summary: 'Feature {feature} stale: {value} {{ $labels.x }} {',
        description: 'age {{value}} {value}{unknown} }}{',
      },
      {
        alertname: 'FeatureNullRateHigh',
        severity: 'info',
        signal: { kind: 'null-rate', service, windowMs: 5 * MINUTE },
        op: '>',
        threshold: 0.5,
        forMs: MINUTE,
        subject: {},
        dynamicSubject: 'feature',
        valueFormat: 'percent',
        summary: '{feature}: {value} nulls in {service} of {sla}',
        description: '{{feature}} {{value}}',
        ...FAILURE_MODES.nullRate,
      },
    ],
  };
}

/** Every fixture plan, in a stable order. */
export function allFixturePlans(): SlaPlan[] {
  return [recsPlan(), checkoutPlan(), checkoutVariantPlan(), weeklyPlan(), edgePlan()];
}
