import { describe, expect, it } from 'vitest';
import { alertRules } from '../compile/emit-rules.js';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import { fingerprint } from '../evaluate/alert-state.js';
import { prepareRules } from '../evaluate/rules.js';
import { FULL_SLA, planFromYaml } from '../evaluate/test-support/plans.js';
import type { AlertInstance } from '../evaluate/types.js';
import { alertTransitions, mapAlerts, type PlanRules } from './alerts.js';

const plan = planFromYaml(FULL_SLA);
const rules = prepareRules(alertRules(plan, DEFAULT_SETTINGS));
const plans = new Map<string, PlanRules>([[plan.name, { plan, order: 0, rules }]]);

const burnLabels = {
  alertname: 'SLOAvailabilityBurnRateHigh',
  burn_tier: 'page-fast',
  service: 'recs-api',
  severity: 'critical',
  sla: 'recs',
  slo: 'availability',
  team: 'ranking',
};

describe('mapAlerts', () => {
  it("keeps the loaded SLAs' alerts, maps each to its rule, and fingerprints it as the evaluator does", () => {
    const stale = {
      alertname: 'FeatureStale',
      sla: 'recs',
      service: 'recs-api',
      severity: 'warning',
      feature: 'user_7d',
      team: 'ranking',
      instance: '127.0.0.1:8080',
      job: 'slactl',
    };
    const mapped = mapAlerts(
      [
        {
          labels: stale,
          annotations: { summary: 'stale' },
          state: 'pending',
          activeAt: '2026-01-10T12:00:00Z',
          value: '420',
        },
        {
          labels: burnLabels,
          annotations: { summary: 'burning', runbook_url: 'http://x' },
          state: 'firing',
          activeAt: '2026-01-10T11:50:00.5Z',
          value: '1.4440000000000002e+01',
        },
        {
          labels: { ...burnLabels, sla: 'someone-else' },
          state: 'firing',
          activeAt: '2026-01-10T11:50:00Z',
          value: '1',
        },
        { labels: { alertname: 'Watchdog' }, state: 'firing', activeAt: '2026-01-10T11:50:00Z', value: '1' },
        {
          labels: { ...burnLabels, burn_tier: 'page-slow' },
          state: 'inactive',
          activeAt: '2026-01-10T11:50:00Z',
          value: '1',
        },
      ],
      plans,
    );
    const burnRule = rules.find(
      (r) => r.spec.alert === 'SLOAvailabilityBurnRateHigh' && r.spec.labels.burn_tier === 'page-fast',
    )!;
    const staleRule = rules.find((r) => r.spec.alert === 'FeatureStale')!;
    expect(mapped).toEqual([
      {
        alertname: 'SLOAvailabilityBurnRateHigh',
        labels: burnLabels,
        annotations: { runbook_url: 'http://x', summary: 'burning' },
        state: 'firing',
        activeAt: Date.UTC(2026, 0, 10, 11, 50, 0, 500),
        firedAt: Date.UTC(2026, 0, 10, 11, 50, 0, 500) + burnRule.spec.forMs,
        value: Number('1.4440000000000002e+01'),
        sla: 'recs',
        fingerprint: fingerprint(burnLabels),
        ruleIndex: burnRule.index,
      },
      {
        alertname: 'FeatureStale',
        labels: Object.fromEntries(Object.entries(stale).sort(([a], [b]) => a.localeCompare(b))),
        annotations: { summary: 'stale' },
        state: 'pending',
        activeAt: Date.UTC(2026, 0, 10, 12, 0, 0),
        value: 420,
        sla: 'recs',
        fingerprint: fingerprint(stale),
        ruleIndex: staleRule.index,
      },
    ]);
    expect(Object.keys(mapped[1]!.labels)).toEqual(Object.keys(stale).sort());
  });

  it('keeps an alert of an SLA whose rule it cannot find (another slactl version), without a rule', () => {
    const [alert] = mapAlerts(
      [
        {
          labels: { ...burnLabels, burn_tier: 'page-instant' },
          state: 'firing',
          activeAt: '2026-01-10T12:00:00Z',
          value: '3',
        },
      ],
      plans,
    );
    expect(alert).toMatchObject({ ruleIndex: -1, firedAt: Date.UTC(2026, 0, 10, 12, 0, 0) });
  });
});

describe('alertTransitions', () => {
  const alert = (state: AlertInstance['state'], activeAt = 1000, fp = 'f1'): AlertInstance => ({
    alertname: 'A',
    labels: { alertname: 'A' },
    annotations: {},
    state,
    activeAt,
    value: 2,
    sla: 'recs',
    fingerprint: fp,
  });
  const at = 5000;
  const moves = (before: AlertInstance[], after: AlertInstance[]) =>
    alertTransitions(before, after, at).map((t) => `${t.fingerprint}:${t.from}->${t.to}`);

  it.each([
    ['a new pending alert', [], [alert('pending')], ['f1:inactive->pending']],
    ['a new alert already firing', [], [alert('firing')], ['f1:inactive->firing']],
    ['pending that fires', [alert('pending')], [alert('firing')], ['f1:pending->firing']],
    ['no change', [alert('firing')], [alert('firing')], []],
    ['firing that resolves', [alert('firing')], [], ['f1:firing->resolved']],
    ['pending that ends', [alert('pending')], [], ['f1:pending->inactive']],
    [
      'a new episode between polls',
      [alert('firing', 1000)],
      [alert('pending', 4000)],
      ['f1:firing->resolved', 'f1:inactive->pending'],
    ],
    [
      'two alerts',
      [alert('firing', 1000, 'f1')],
      [alert('firing', 1000, 'f1'), alert('pending', 3000, 'f2')],
      ['f2:inactive->pending'],
    ],
  ])('%s', (_name, before, after, expected) => {
    expect(moves(before, after)).toEqual(expected);
  });

  it('stamps transitions with the poll time and the alert', () => {
    expect(alertTransitions([], [alert('firing')], at)).toEqual([
      {
        at,
        alertname: 'A',
        labels: { alertname: 'A' },
        from: 'inactive',
        to: 'firing',
        value: 2,
        sla: 'recs',
        fingerprint: 'f1',
      },
    ]);
  });
});
