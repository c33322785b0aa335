import { describe, expect, it } from 'vitest';
import type { RunbookActionView, RunbookSummary } from '../api/runbooks';
import { coverageOf } from './coverage';

function action(id: string, auto: boolean, automatic: boolean, alerts?: string[]): RunbookActionView {
  return {
    id,
    title: id,
    kind: 'http',
    spec: { kind: 'http', target: 'demo', method: 'POST', path: '/x' },
    params: {},
    auto,
    approval: 'none',
    cooldownMs: 0,
    maxRuns: { count: 1, windowMs: 1 },
    timeoutMs: 1,
    retries: { max: 0, backoffMs: 0, maxBackoffMs: 0 },
    ...(alerts !== undefined ? { alerts } : {}),
    status: {
      runbook: 'r',
      action: id,
      title: id,
      kind: 'http',
      auto,
      automatic,
      approval: 'none',
      unavailable: null,
      breaker: { open: false, consecutiveFailures: 0, threshold: 3, openedAt: null },
      budget: { count: 1, windowMs: 1, used: 0 },
      cooldownMs: 0,
    },
  };
}

const runbooks: RunbookSummary[] = [
  {
    id: 'vector-index-degradation',
    title: 'Vector index',
    file: 'runbooks/vector-index-degradation.md',
    triggers: ['VectorRecallBelowTarget', 'LatencyComponentOverBudget'],
    actions: [
      action('compact-index', true, true, ['VectorRecallBelowTarget']),
      action('rebuild-index', false, false),
    ],
  },
  {
    id: 'stale-features',
    title: 'Stale',
    file: 'runbooks/stale-features.md',
    triggers: ['FeatureStale'],
    actions: [action('restart-pipeline', true, true)],
  },
];

describe('coverageOf', () => {
  it('lists the alerts a runbook answers and the automatic actions for those alerts only', () => {
    expect(
      coverageOf(['VectorRecallBelowTarget', 'VectorRecallBelowTarget', 'ErrorBudgetBurn'], runbooks),
    ).toEqual({
      alertnames: ['ErrorBudgetBurn', 'VectorRecallBelowTarget'],
      withRunbook: ['VectorRecallBelowTarget'],
      automatedActions: ['compact-index'],
    });
    // compact-index answers only VectorRecallBelowTarget.
    expect(coverageOf(['LatencyComponentOverBudget'], runbooks).automatedActions).toEqual([]);
  });

  it('names the auto actions held back when automatic remediation is off', () => {
    const off = runbooks.map((r) => ({
      ...r,
      actions: r.actions.map((a) => ({ ...a, status: { ...a.status!, automatic: false } })),
    }));
    expect(coverageOf(['VectorRecallBelowTarget'], off)).toMatchObject({
      automatedActions: [],
      heldActions: ['compact-index'],
    });
  });
});
