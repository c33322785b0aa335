import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { breachRatio } from './burn-tests.js';
import { emitRuleTests } from './emit-rule-tests.js';
import { chooseValues } from './threshold-tests.js';
import { alertRules, generatedHeader } from './emit-rules.js';
import { DEFAULT_SETTINGS } from './ir.js';
import type { RatioObjective, SlaPlan } from './ir.js';
import { allFixturePlans, checkoutPlan, recsPlan } from './test-support/fixtures.js';
import { toYaml, type YamlValue } from './yaml-out.js';

interface TestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: Array<{
    name: string;
    interval: string;
    input_series: Array<{ series: string; values: string }>;
    alert_rule_test?: Array<{
      eval_time: string;
      alertname: string;
      exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }>;
    }>;
    promql_expr_test?: Array<{ expr: string; eval_time: string; exp_samples: unknown[] }>;
  }>;
}

const emit = (plan: SlaPlan) => emitRuleTests(plan, DEFAULT_SETTINGS, `${plan.name}.rules.yaml`);
const load = (plan: SlaPlan) => parse(emit(plan).text) as TestFile;
const header = (plan: SlaPlan) =>
  generatedHeader(plan.source, 'Run with `promtool test rules` on this file.');

describe('scenario model', () => {
  it('counts bad events over the part of a window that holds data', () => {
    expect(breachRatio(5, 5)).toBe(1);
    expect(breachRatio(2, 10)).toBeCloseTo(0.2);
    expect(breachRatio(10, 60)).toBeCloseTo(10 / 40);
    expect(breachRatio(100, 60)).toBe(1);
  });

  it.each([
    ['>', 0.2, 'ratio', { healthy: 0.1, breach: 0.4 }],
    ['>', 0.6, 'ratio', { healthy: 0.3, breach: 0.8 }],
    ['<', 0.95, 'ratio', { healthy: 0.975, breach: 0.475 }],
    ['>', 300, 'nonnegative', { healthy: 150, breach: 600 }],
    ['>', 1 / 3, 'nonnegative', { healthy: 0.167, breach: 0.667 }],
    ['>', 0, 'nonnegative', { healthy: 0, breach: 1 }],
  ] as const)('%s %d (%s)', (op, threshold, domain, expected) => {
    expect(chooseValues(op, threshold, domain)).toEqual(expected);
  });

  it.each([
    ['>', 1, 'ratio'],
    ['<', 0, 'nonnegative'],
    ['>', -1, 'nonnegative'],
  ] as const)('finds no scenario for %s %d (%s)', (op, threshold, domain) => {
    expect(chooseValues(op, threshold, domain)).toMatch(/cannot be both/);
  });
});

describe('emitRuleTests', () => {
  it.each(allFixturePlans().map((p) => [p.name, p] as const))(
    '%s: every alert rule silent, then firing with its labels, then resolved',
    (_, plan) => {
      const { text, warnings } = emit(plan);
      expect(warnings).toEqual([]);
      const file = parse(text) as TestFile;
      expect(file.rule_files).toEqual([`${plan.name}.rules.yaml`]);
      expect(file.evaluation_interval).toBe('1m');
      for (const rule of alertRules(plan, DEFAULT_SETTINGS)) {
        const tests = file.tests
          .flatMap((g) => g.alert_rule_test ?? [])
          .filter((t) => t.alertname === rule.alert);
        const firing = tests.filter((t) =>
          t.exp_alerts.some((a) => Object.entries(rule.labels).every(([k, v]) => a.exp_labels[k] === v)),
        );
        expect(firing.length, `${rule.alert} ${JSON.stringify(rule.labels)}`).toBeGreaterThan(0);
        expect(tests.some((t) => t.exp_alerts.length === 0)).toBe(true);
      }
      for (const group of file.tests) expect(group.interval).toBe('1m');
    },
  );

  // The file is written line by line (rule-test-yaml.ts) for speed; it must be what the general writer
  // gives for the same data, byte for byte.
  it.each(allFixturePlans().map((p) => [p.name, p] as const))(
    '%s: writes exactly what toYaml writes for the same data',
    (_, plan) => {
      const { text } = emit(plan);
      expect(toYaml(parse(text) as YamlValue, header(plan))).toBe(text);
    },
  );

  it('writes any names and labels as toYaml would', () => {
    const plan = recsPlan();
    const anyText = fc.oneof(
      fc.string({ minLength: 1 }),
      fc.constantFrom('true', 'no', '0.5', '- x', 'a: b', 'a #b', 'trail ', '"q"', '{{ x }}', 'é×≥'),
    );
    fc.assert(
      fc.property(anyText, anyText, anyText, (name, service, team) => {
        const odd: SlaPlan = { ...plan, name, service, labels: { ...plan.labels, team } };
        const { text } = emit(odd);
        expect(toYaml(parse(text) as YamlValue, header(odd))).toBe(text);
      }),
      { numRuns: 60 },
    );
  });

  it('is deterministic', () => {
    expect(emit(recsPlan()).text).toBe(emit(recsPlan()).text);
  });

  it('expects the exact burn rate once the breach fills the short window', () => {
    const group = load(recsPlan()).tests[0]!;
    expect(group.name).toMatch(/^recs-low-latency: availability burn rate/);
    const first = group.alert_rule_test![1]!;
    expect(first.exp_alerts).toHaveLength(1);
    expect(first.exp_alerts[0]!.exp_labels.burn_tier).toBe('page-fast');
    expect(first.exp_alerts[0]!.exp_annotations.description).toContain(
      'burned at 1000.0× the sustainable rate',
    );
  });

  it('models p99 and p999 on one histogram together', () => {
    const groups = load(recsPlan()).tests;
    const p99 = groups.find((g) => g.name.includes('latency-p99 burn rate'))!;
    const p999 = groups.find((g) => g.name.includes('latency-p999 burn rate'))!;
    const slos = (g: (typeof groups)[number]) =>
      new Set(g.alert_rule_test!.flatMap((t) => t.exp_alerts.map((a) => a.exp_labels.slo)));
    expect(slos(p99)).toEqual(new Set(['latency-p99']));
    expect(slos(p999)).toEqual(new Set(['latency-p99', 'latency-p999']));
    // p99 breach: slow requests between 100ms and 250ms, so the 0.25 bucket keeps counting them.
    const bucket = (g: typeof p99, le: string) =>
      g.input_series.find((s) => s.series.includes(`le="${le}"`))!.values;
    expect(bucket(p99, '0.1')).toMatch(/^0\+100x30 3000x\d+ /);
    expect(bucket(p99, '0.25')).toMatch(/^0\+100x30 3100\+100x\d+ /);
    expect(bucket(p999, '0.25')).toMatch(/^0\+100x30 3000x\d+ /);
  });

  it('proves an idle service records no error ratio', () => {
    const idle = load(recsPlan()).tests.filter((g) => g.name.includes('records no error ratio'));
    expect(idle).toHaveLength(2);
    for (const group of idle) {
      expect(group.promql_expr_test!.length).toBeGreaterThan(8);
      for (const t of group.promql_expr_test!) expect(t.exp_samples).toEqual([]);
    }
  });

  it('synthesizes series for the team’s own selectors', () => {
    const series = load(checkoutPlan()).tests[0]!.input_series.map((s) => s.series);
    expect(series).toEqual([
      'http_requests_total{code="5xx",job="checkout"}',
      'http_requests_total{code="200",job="checkout"}',
    ]);
  });

  it('skips what it cannot synthesize, with a warning naming the SLA and objective', () => {
    const plan = checkoutPlan();
    const availability = plan.objectives[0]!;
    const broken: RatioObjective = {
      ...availability,
      sli: {
        kind: 'custom-ratio',
        errors: 'sum by (code) (rate(e[{{window}}]))',
        total: 'sum(rate(t[{{window}}]))',
      },
    };
    const { text, warnings } = emit({ ...plan, objectives: [broken, ...plan.objectives.slice(1)] });
    expect(warnings).toEqual([
      expect.stringMatching(/^checkout: objective availability: .*grouping by \(code\) keeps labels/),
    ]);
    expect(text).not.toContain('SLOAvailabilityBurnRateHigh');
    expect(text).toContain('SLOLatencyBurnRateHigh');
  });

  it('refuses a ratio of rate() to increase()', () => {
    const plan = checkoutPlan();
    const mixed: RatioObjective = {
      ...plan.objectives[0]!,
      sli: {
        kind: 'custom-ratio',
        errors: 'sum(rate(e[{{window}}]))',
        total: 'sum(increase(t[{{window}}]))',
      },
    };
    expect(emit({ ...plan, objectives: [mixed] }).warnings).toEqual([
      'checkout: objective availability: burn-rate alerts not tested by promtool: errors use rate() but total uses increase(): not a share of events',
    ]);
  });

  it('refuses to guess when another objective of the same alert reads the same series', () => {
    const plan = recsPlan();
    const [availability, p99, p999] = plan.objectives as [RatioObjective, RatioObjective, RatioObjective];
    const sneaky: RatioObjective = {
      ...p999,
      sli: {
        kind: 'custom-ratio',
        errors: 'sum(rate(slactl_request_duration_seconds_count{service="recs-api"}[{{window}}]))',
        total: 'sum(rate(slactl_request_duration_seconds_count{service="recs-api"}[{{window}}]))',
      },
    };
    const { warnings } = emit({ ...plan, objectives: [availability, p99, sneaky], thresholds: [] });
    expect(warnings).toEqual([
      expect.stringMatching(/objective latency-p99: .* latency-p999 fires SLOLatencyBurnRateHigh too/),
      expect.stringMatching(/objective latency-p999: .*found no label values/),
    ]);
  });

  it('models a custom histogram on the same metric as the default one', () => {
    const plan = recsPlan();
    const [availability, p99, p999] = plan.objectives as [RatioObjective, RatioObjective, RatioObjective];
    const custom: RatioObjective = {
      ...p999,
      sli: {
        kind: 'custom-histogram',
        metric: 'slactl_request_duration_seconds',
        selector: 'service="recs-api",env!="test"',
        thresholdSeconds: 0.25,
      },
    };
    expect(emit({ ...plan, objectives: [availability, p99, custom] }).warnings).toEqual([]);
  });

  it('warns about tiers that can never fire and about alerts sharing series', () => {
    const plan = recsPlan();
    const loose: RatioObjective = { ...plan.objectives[0]!, target: 0.9, errorBudget: 0.1 };
    const stale = plan.thresholds.find((t) => t.alertname === 'FeatureStale')!;
    const { warnings } = emit({
      ...plan,
      objectives: [loose],
      thresholds: [stale, { ...stale, severity: 'critical', threshold: 600 }],
    });
    expect(warnings).toEqual([
      expect.stringMatching(/objective availability: tier page-fast can never fire/),
      expect.stringMatching(
        /FeatureStale \(user_profile\): not tested by promtool: 2 FeatureStale alerts read the same series/,
      ),
      expect.stringMatching(/FeatureStale \(user_profile\): not tested/),
    ]);
  });

  it('answers any custom SLI with tests or a warning, never an exception', () => {
    const plan = checkoutPlan();
    const [availability, p99] = plan.objectives as [RatioObjective, RatioObjective];
    const piece = fc.constantFrom(
      'sum(rate(',
      'x_total',
      '{a="1"}',
      '{a=~"b|c"}',
      '{a!~".+"}',
      '[{{window}}]',
      ')) ',
      ' or vector(0)',
      'by (a) ',
      '"',
      '{',
    );
    const query = fc.oneof(
      fc.string(),
      fc.array(piece, { maxLength: 8 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(query, query, fc.string(), (errors, total, selectorText) => {
        const custom: SlaPlan = {
          ...plan,
          objectives: [
            { ...availability, sli: { kind: 'custom-ratio', errors, total } },
            {
              ...p99,
              sli: { kind: 'custom-histogram', metric: 'h', selector: selectorText, thresholdSeconds: 0.3 },
            },
          ],
        };
        const { text, warnings } = emit(custom);
        expect(typeof text).toBe('string');
        for (const w of warnings) expect(w).toMatch(/^checkout: objective (availability|latency-p99): /);
      }),
      { numRuns: 300 },
    );
  });
});
