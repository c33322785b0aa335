import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  breachRatio,
  chooseValues,
  emitRuleTests,
  goFixed,
  goGeneral,
  humanizeDuration,
  regexExamples,
  renderValue,
  solveLabels,
} from './emit-rule-tests.js';
import { alertRules } from './emit-rules.js';
import { DEFAULT_SETTINGS } from './ir.js';
import type { RatioObjective, SlaPlan } from './ir.js';
import { allFixturePlans, checkoutPlan, recsPlan } from './test-support/fixtures.js';

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

describe('Go number formatting', () => {
  it.each([
    [1000, 1, '1000.0'],
    [12.25, 1, '12.2'],
    [0.25, 1, '0.2'],
    [0.35, 1, '0.3'],
    [0.05, 1, '0.1'],
    [99.95, 1, '100.0'],
    [0, 1, '0.0'],
    [-1.5, 0, '-2'],
    [333.3333333333333, 1, '333.3'],
  ])('goFixed(%s, %s) = %s', (v, prec, expected) => {
    expect(goFixed(v, prec)).toBe(expected);
  });

  it.each([
    [0.25, '0.25'],
    [30, '30'],
    [5000, '5000'],
    [50000, '5e+04'],
    [12345, '1.234e+04'],
    [1234.5, '1234'],
    [1235.5, '1236'],
    [0.0001234, '0.0001234'],
    [0.00001234, '1.234e-05'],
    [0, '0'],
    [1e21, '1e+21'],
    [45.00000000000001, '45'],
    [99.995, '100'],
    [99.985, '99.98'],
    [-0.5, '-0.5'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
  ])('goGeneral(%s, 4) = %s', (v, expected) => {
    expect(goGeneral(v, 4)).toBe(expected);
  });

  it.each([
    [600, '10m 0s'],
    [3600, '1h 0m 0s'],
    [90061, '1d 1h 1m 1s'],
    [1.5, '1.5s'],
    [0.03, '30ms'],
    [0.0000015, '1.5us'],
    [0, '0s'],
    [-5, '-5s'],
    [Infinity, '+Inf'],
  ])('humanizeDuration(%s) = %s', (v, expected) => {
    expect(humanizeDuration(v)).toBe(expected);
  });

  it('renders each value style as the rules template does', () => {
    expect(renderValue('percent', 0.45)).toBe('45%');
    expect(renderValue('duration', 600)).toBe('10m 0s');
    expect(renderValue('number', 0.5)).toBe('0.5');
    expect(renderValue('burn-rate', 1 / 0.001)).toBe('1000.0');
  });
});

describe('label values for custom selectors', () => {
  it.each([
    ['5..', ['5xx']],
    ['a|b(c|d)e', ['a', 'bce']],
    ['[0-9]+', ['0']],
    ['\\d{3}', ['000']],
    ['.*', ['']],
    ['(?:get|post)_total', ['get_total']],
    ['(?P<x>a)', []],
    ['a[', []],
  ])('examples of /%s/', (pattern, expected) => {
    expect(regexExamples(pattern)).toEqual(expected);
  });

  it('finds a series both selectors match', () => {
    expect(
      solveLabels([
        [
          { name: '__name__', op: '=', value: 'http_requests_total' },
          { name: 'code', op: '=~', value: '5..' },
        ],
        [
          { name: '__name__', op: '=', value: 'http_requests_total' },
          { name: 'job', op: '=', value: 'x' },
        ],
      ]),
    ).toEqual({ __name__: 'http_requests_total', code: '5xx', job: 'x' });
  });

  it('finds a series the total selects and the errors do not', () => {
    const errors = [
      { name: 'job', op: '=', value: 'x' },
      { name: 'code', op: '=~', value: '5..' },
    ] as const;
    expect(solveLabels([[{ name: 'job', op: '=', value: 'x' }]], [errors])).toEqual({
      job: 'x',
      code: '200',
    });
    expect(
      solveLabels([[{ name: 'a', op: '!~', value: '.+' }]], [[{ name: 'b', op: '!=', value: 'v' }]]),
    ).toEqual({ b: 'v' });
  });

  it('gives up when nothing simple fits', () => {
    expect(
      solveLabels([[{ name: 'a', op: '=', value: '1' }], [{ name: 'a', op: '=', value: '2' }]]),
    ).toBeUndefined();
    expect(solveLabels([[{ name: 'a', op: '=~', value: 'q{3}z' }]])).toEqual({ a: 'qqqz' });
  });
});

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
