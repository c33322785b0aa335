// Prepared rules: what each rule's expression reads, and the result vectors ruleSamples returns.
import { afterEach, describe, expect, it } from 'vitest';
import { alertRules } from '../compile/emit-rules.js';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import { METRICS } from '../compile/metrics.js';
import { openStore, type Store } from '../store/store.js';
import { Measurements, type DerivedSignals } from './measure.js';
import { prepareRules, ruleSamples, type PreparedRule } from './rules.js';
import { SeriesCache } from './series.js';
import { CUSTOM_SLI_SLA, FULL_SLA, planFromYaml } from './test-support/plans.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 22);

let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

const noDerived: DerivedSignals = {
  featureAge: () => undefined,
  stream: () => undefined,
  index: () => undefined,
  drift: () => [],
};

function prepared(yaml: string): PreparedRule[] {
  return prepareRules(alertRules(planFromYaml(yaml), DEFAULT_SETTINGS));
}

describe('prepareRules', () => {
  it('copies what each expression reads out of its spec', () => {
    for (const rule of [...prepared(FULL_SLA), ...prepared(CUSTOM_SLI_SLA)]) {
      const { source } = rule.spec;
      if (source.kind === 'burn') {
        expect(rule.reads).toEqual({
          kind: 'burn',
          sli: source.objective.sli,
          shortWindowMs: source.tier.shortWindowMs,
          longWindowMs: source.tier.longWindowMs,
        });
        expect(rule.reads.kind === 'burn' && rule.reads.sli).toBe(source.objective.sli);
      } else {
        expect(rule.reads).toEqual({ kind: 'threshold', signal: source.alert.signal, op: source.alert.op });
        expect(rule.reads.kind === 'threshold' && rule.reads.signal).toBe(source.alert.signal);
      }
    }
  });
});

describe('ruleSamples', () => {
  it('returns one frozen empty vector for every false condition, and fresh vectors for true ones', () => {
    store = openStore({ path: ':memory:' });
    const rules = prepared(FULL_SLA);
    const m = new Measurements(new SeriesCache(store), noDerived);
    // Half the requests fail in the last minute: every availability burn tier with traffic fires.
    store.apply([
      {
        name: METRICS.requests,
        labels: { service: 'recs-api' },
        type: 'counter',
        t: T0 - 30_000,
        value: 100,
      },
      {
        name: METRICS.requestErrors,
        labels: { service: 'recs-api' },
        type: 'counter',
        t: T0 - 30_000,
        value: 50,
      },
    ]);
    m.begin(T0);
    const results = rules.map((rule) => ruleSamples(rule, m));
    const empty = results.filter((samples) => samples.length === 0);
    const firing = results.filter((samples) => samples.length > 0);
    expect(empty.length).toBeGreaterThan(0);
    expect(firing.length).toBeGreaterThan(0);
    expect(new Set(empty).size).toBe(1);
    expect(Object.isFrozen(empty[0])).toBe(true);
    expect(() => (empty[0] as unknown[]).push({})).toThrow(TypeError);
    expect(new Set(firing).size).toBe(firing.length);
    for (const samples of firing) expect(Object.isFrozen(samples)).toBe(false);
    // The burn value is the short window's: 50% errors over a 0.1% budget.
    const fired = rules.filter((_, i) => results[i]!.length > 0);
    expect(fired.every((r) => r.spec.alert === 'SLOAvailabilityBurnRateHigh')).toBe(true);
    expect(results.find((samples) => samples.length > 0)).toEqual([{ labels: {}, value: 500 }]);
    m.begin(T0 + 10 * MINUTE);
    // Ten minutes later the 5m windows are empty: no sample, the same shared empty vector.
    const later = rules.map((rule) => ruleSamples(rule, m));
    expect(later.filter((samples) => samples.length === 0).every((samples) => samples === empty[0])).toBe(
      true,
    );
  });

  it('leaves rules on custom PromQL SLIs to Prometheus', () => {
    store = openStore({ path: ':memory:' });
    const m = new Measurements(new SeriesCache(store), noDerived);
    m.begin(T0);
    const custom = prepared(CUSTOM_SLI_SLA).filter((r) => r.evaluatedBy === 'prometheus');
    expect(custom.length).toBeGreaterThan(0);
    for (const rule of custom) expect(ruleSamples(rule, m)).toEqual([]);
  });
});
