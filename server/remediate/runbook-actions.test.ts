// Which runbooks and actions answer a firing alert.
import { describe, expect, it } from 'vitest';
import { actionsFor, triggerMatches } from './runbook-actions.js';
import type { Runbook, RunbookAction } from './runbook-types.js';

function action(id: string, alerts?: string[]): RunbookAction {
  return {
    id,
    title: id,
    spec: { kind: 'http', target: 'demo', method: 'POST', path: `/${id}` },
    params: {},
    auto: true,
    approval: 'none',
    cooldownMs: 60_000,
    maxRuns: { count: 1, windowMs: 60_000 },
    timeoutMs: 1000,
    retries: { max: 0, backoffMs: 1000, maxBackoffMs: 1000 },
    ...(alerts ? { alerts } : {}),
  };
}

const runbook: Runbook = {
  id: 'vector-index-degradation',
  title: 'Vector index degradation',
  triggers: ['VectorRecallBelowTarget', 'LatencyComponentOverBudget'],
  triggerMatchers: [
    { alert: 'VectorRecallBelowTarget', labels: {} },
    { alert: 'LatencyComponentOverBudget', labels: { component: 'vector_search' } },
  ],
  actions: [action('compact-index', ['VectorRecallBelowTarget']), action('look')],
  markdown: '',
  sections: { meaning: '', impact: '', diagnosis: '', mitigation: '' },
  file: 'runbooks/vector-index-degradation.md',
};

describe('triggerMatches and actionsFor', () => {
  it.each([
    ['VectorRecallBelowTarget', { index: 'products' }, ['compact-index', 'look']],
    ['LatencyComponentOverBudget', { component: 'vector_search' }, ['look']],
    ['LatencyComponentOverBudget', { component: 'model_inference' }, []],
    ['LatencyComponentOverBudget', {}, []],
    ['StreamStalled', { consumer_group: 'x' }, []],
  ])('%s %j → %j', (alertname, labels, actions) => {
    const alert = { alertname, labels };
    expect(triggerMatches(runbook, alert)).toBe(actions.length > 0);
    expect(actionsFor(runbook, alert).map((a) => a.id)).toEqual(actions);
  });

  it('treats a runbook without matchers as its trigger names', () => {
    const plain: Runbook = { ...runbook };
    delete plain.triggerMatchers;
    expect(triggerMatches(plain, { alertname: 'LatencyComponentOverBudget', labels: {} })).toBe(true);
  });

  it('does not read a matcher label from the prototype', () => {
    const proto = {
      alertname: 'LatencyComponentOverBudget',
      labels: Object.create({ component: 'vector_search' }) as Record<string, string>,
    };
    expect(triggerMatches(runbook, proto)).toBe(false);
  });
});
