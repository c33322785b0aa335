// Test data in the API's shapes: an SLA status like the demo's recommendations SLA, and alerts.
import type { RunEventData } from '../api/runs';
import type { AlertInstance, Transition } from '../api/events';
import type { SlaStatus } from '../api/slas';

export function slaStatus(overrides: Partial<SlaStatus> = {}): SlaStatus {
  return {
    name: 'recommendations',
    service: 'recs-api',
    tier: 'low-latency',
    owner: 'ranking-team',
    windowMs: 30 * 86_400_000,
    status: 'ok',
    evaluatedAt: 1_795_970_000_000,
    objectives: [
      {
        slo: 'availability',
        target: 0.999,
        dimension: 'availability',
        evaluatedBy: 'slactl',
        description: '99.9% of requests succeed',
        sli: 0.9996,
        errorBudgetRemaining: 0.6,
        burnRate: 0.4,
      },
      {
        slo: 'latency-p99',
        target: 0.99,
        dimension: 'latency',
        evaluatedBy: 'slactl',
        description: '99% of requests complete within 100ms',
        sli: 0.995,
        errorBudgetRemaining: 0.5,
        burnRate: 1.2,
      },
    ],
    components: [
      { component: 'vector_search', budgetMs: 25, p99Ms: 38.4, overBudget: true },
      { component: 'model_inference', budgetMs: 35, p99Ms: 30, overBudget: false },
    ],
    freshness: [
      { feature: 'user_7d_purchase_count', maxAgeSeconds: 300, ageSeconds: 12, fallbackAfterSeconds: 900 },
      { feature: 'item_ctr_1h', maxAgeSeconds: 600, ageSeconds: 540 },
    ],
    recall: [
      {
        index: 'products',
        k: 10,
        probes: 120,
        minProbes: 20,
        min: 0.95,
        recall: 0.81,
        maxTombstoneRatio: 0.2,
        tombstoneRatio: 0.03,
      },
    ],
    signals: {
      nullRate: [{ feature: 'item_ctr_1h', rate: 0.004 }],
      drift: [],
      streams: [
        {
          consumerGroup: 'feature-pipeline',
          maxCatchUpSeconds: 60,
          lag: 220,
          catchUpSeconds: 3,
          stalled: false,
        },
      ],
    },
    dimensions: { latency: 'warning', availability: 'ok', freshness: 'ok', recall: 'critical' },
    alerts: { firing: 1, pending: 1 },
    ...overrides,
  };
}

export function alert(overrides: Partial<AlertInstance> = {}): AlertInstance {
  return {
    alertname: 'VectorRecallBelowTarget',
    labels: {
      alertname: 'VectorRecallBelowTarget',
      index: 'products',
      service: 'recs-api',
      severity: 'critical',
      sla: 'recommendations',
    },
    annotations: {
      summary: 'Recall@10 of index products is below 95%',
      runbook_url: 'https://runbooks.example/vector-index-degradation',
    },
    state: 'firing',
    activeAt: 1_795_969_000_000,
    firedAt: 1_795_969_300_000,
    value: 0.81,
    sla: 'recommendations',
    fingerprint: 'e21583575e0396e2',
    ...overrides,
  };
}

export function transition(overrides: Partial<Transition> = {}): Transition {
  return {
    at: 1_795_970_000_000,
    alertname: 'VectorRecallBelowTarget',
    labels: alert().labels,
    from: 'inactive',
    to: 'pending',
    value: 0.9,
    sla: 'recommendations',
    fingerprint: 'e21583575e0396e2',
    ...overrides,
  };
}

export function runEvent(overrides: Partial<RunEventData> = {}): RunEventData {
  return {
    id: '01JD2Q4J7N0000000000000000',
    runbook: 'vector-index-degradation',
    action: 'compact-index',
    state: 'executing',
    trigger: 'manual',
    alert: {
      alertname: null,
      fingerprint: 'e21583575e0396e2',
      startsAt: '2026-11-22T06:00:00.000Z',
      labels: { sla: 'recommendations', index: 'products' },
    },
    idempotencyKey: 'slactl-5b0c',
    createdBy: 'session (alice)',
    createdAt: '2026-11-22T06:00:30.000Z',
    updatedAt: '2026-11-22T06:00:30.000Z',
    attemptCount: 0,
    interruptions: 0,
    nextAt: null,
    verifyDeadline: null,
    decidedBy: null,
    decidedAt: null,
    cancelRequestedBy: null,
    reason: null,
    transition: {
      at: '2026-11-22T06:00:30.000Z',
      from: 'triggered',
      to: 'executing',
      actor: 'session (alice)',
      reason: null,
    },
    ...overrides,
  };
}
