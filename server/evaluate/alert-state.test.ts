// The alert state machine against Prometheus' rules: pending → firing after `for`, resolved or dropped
// when the condition goes away, annotations re-rendered at each evaluation.
import { describe, expect, it } from 'vitest';
import { alertRules } from '../compile/emit-rules.js';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import { AlertTable, fingerprint, renderTemplate } from './alert-state.js';
import { prepareRules, type PreparedRule, type RuleSample } from './rules.js';
import { FULL_SLA, planFromYaml } from './test-support/plans.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 22, 7, 0, 0);
const plan = planFromYaml(FULL_SLA);
const rules = prepareRules(alertRules(plan, DEFAULT_SETTINGS));

function rule(alertname: string): PreparedRule {
  const found = rules.find((r) => r.spec.alert === alertname);
  if (found === undefined) throw new Error(`no rule ${alertname}`);
  return found;
}

/** Sample vectors with `samples` for one rule and nothing for every other. */
function only(target: PreparedRule, samples: RuleSample[]): RuleSample[][] {
  return rules.map((r) => (r === target ? samples : []));
}

describe('AlertTable', () => {
  it('goes pending at the first true evaluation and fires once active for the rule’s `for`', () => {
    const stale = rule('FeatureStale'); // for: 2m
    expect(stale.spec.forMs).toBe(2 * MINUTE);
    const table = new AlertTable('recs');
    const sample = [{ labels: {}, value: 400 }];

    const first = table.update(rules, only(stale, sample), T0);
    expect(first.map((t) => [t.from, t.to])).toEqual([['inactive', 'pending']]);
    expect(table.list()).toMatchObject([{ state: 'pending', activeAt: T0, value: 400 }]);

    expect(table.update(rules, only(stale, [{ labels: {}, value: 460 }]), T0 + MINUTE)).toEqual([]);
    expect(table.list()[0]?.state).toBe('pending');

    const fired = table.update(rules, only(stale, [{ labels: {}, value: 520 }]), T0 + 2 * MINUTE);
    expect(fired).toMatchObject([{ from: 'pending', to: 'firing', at: T0 + 2 * MINUTE, value: 520 }]);
    expect(table.list()).toMatchObject([
      { state: 'firing', activeAt: T0, firedAt: T0 + 2 * MINUTE, value: 520 },
    ]);

    const resolved = table.update(rules, only(stale, []), T0 + 3 * MINUTE);
    expect(resolved).toMatchObject([{ from: 'firing', to: 'resolved', value: 520 }]);
    expect(table.list()).toEqual([]);
  });

  it('drops a pending alert silently (to inactive) when the condition clears before `for`', () => {
    const recall = rule('VectorRecallBelowTarget'); // for: 5m
    const table = new AlertTable('recs');
    table.update(rules, only(recall, [{ labels: {}, value: 0.8 }]), T0);
    const cleared = table.update(rules, only(recall, []), T0 + 4 * MINUTE);
    expect(cleared.map((t) => [t.from, t.to])).toEqual([['pending', 'inactive']]);
    // Coming back starts a new activation: `for` counts from the new first true evaluation.
    table.update(rules, only(recall, [{ labels: {}, value: 0.8 }]), T0 + 5 * MINUTE);
    expect(table.list()).toMatchObject([{ state: 'pending', activeAt: T0 + 5 * MINUTE }]);
  });

  it('fires at once, in one transition, when `for` is 0', () => {
    const zero: PreparedRule = {
      ...rule('StreamStalled'),
      spec: { ...rule('StreamStalled').spec, forMs: 0 },
    };
    const zeroRules = rules.map((r) => (r.index === zero.index ? zero : r));
    const table = new AlertTable('recs');
    const transitions = table.update(
      zeroRules,
      zeroRules.map((r) => (r === zero ? [{ labels: {}, value: 1200 }] : [])),
      T0,
    );
    expect(transitions.map((t) => [t.from, t.to])).toEqual([['inactive', 'firing']]);
    expect(table.list()).toMatchObject([{ state: 'firing', activeAt: T0, firedAt: T0 }]);
  });

  it('keeps one alert per label set of a dynamic subject, with the rule labels and alertname', () => {
    const nulls = rule('FeatureNullRateHigh');
    const table = new AlertTable('recs');
    table.update(
      rules,
      only(nulls, [
        { labels: { feature: 'user_7d' }, value: 0.05 },
        { labels: { feature: 'item_ctr' }, value: 0.5 },
      ]),
      T0,
    );
    const alerts = table.list();
    expect(alerts.map((a) => a.labels)).toEqual(
      expect.arrayContaining([
        {
          alertname: 'FeatureNullRateHigh',
          feature: 'user_7d',
          service: 'recs-api',
          severity: 'warning',
          sla: 'recs',
          team: 'ranking',
        },
        {
          alertname: 'FeatureNullRateHigh',
          feature: 'item_ctr',
          service: 'recs-api',
          severity: 'warning',
          sla: 'recs',
          team: 'ranking',
        },
      ]),
    );
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(2);
    const item = alerts.find((a) => a.labels.feature === 'item_ctr');
    expect(item?.annotations.summary).toBe('Null rate of feature item_ctr in recs-api is high');
    expect(item?.annotations.description).toContain('50% of lookups of feature item_ctr returned null');
    // Only the feature that cleared resolves.
    const next = table.update(
      rules,
      only(nulls, [{ labels: { feature: 'item_ctr' }, value: 0.4 }]),
      T0 + MINUTE,
    );
    expect(next).toMatchObject([{ to: 'inactive', labels: { feature: 'user_7d' } }]);
    expect(table.list()).toHaveLength(1);
  });

  it('re-renders annotations with each evaluation’s value', () => {
    const burn = rules.find((r) => r.spec.source.kind === 'burn' && r.spec.labels.burn_tier === 'page-fast');
    expect(burn).toBeDefined();
    const table = new AlertTable('recs');
    table.update(rules, only(burn!, [{ labels: {}, value: 20 }]), T0);
    expect(table.list()[0]?.annotations.description).toContain('burned at 20.0× the sustainable rate');
    table.update(rules, only(burn!, [{ labels: {}, value: 33.333 }]), T0 + MINUTE);
    expect(table.list()[0]?.annotations.description).toContain('burned at 33.3× the sustainable rate');
    expect(table.list()[0]?.value).toBe(33.333);
  });
});

describe('renderTemplate', () => {
  it('formats values as Prometheus’ template functions do', () => {
    const labels = { feature: 'f' };
    expect(renderTemplate([{ value: 'duration' }], 1.5, labels)).toBe('1.5s');
    expect(renderTemplate([{ value: 'duration' }], 400, labels)).toBe('6m 40s');
    expect(renderTemplate([{ value: 'duration' }], 0.0123, labels)).toBe('12.3ms');
    expect(renderTemplate([{ value: 'percent' }], 0.0123, labels)).toBe('1.23%');
    expect(renderTemplate([{ value: 'number' }], 0.123456, labels)).toBe('0.1235');
    expect(renderTemplate([{ value: 'burn-rate' }], 14.44, labels)).toBe('14.4');
    expect(renderTemplate([{ text: 'of ' }, { label: 'feature' }, { label: 'absent' }], 0, labels)).toBe(
      'of f',
    );
  });
});

describe('fingerprint', () => {
  it('depends on the label set, not on key order', () => {
    expect(fingerprint({ a: '1', b: '2' })).toBe(fingerprint({ b: '2', a: '1' }));
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '1', b: '3' }));
    expect(fingerprint({ a: '1' })).toMatch(/^[0-9a-f]{16}$/);
  });
});
