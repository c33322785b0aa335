import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderAnnotations, renderExpectedAlert, renderTestFile } from './rule-test-yaml.js';
import type { TestGroup } from './rule-test-yaml.js';
import { toYaml, type YamlValue } from './yaml-out.js';

// Strings that YAML reads as something else, or that need quoting for another reason.
const text = fc.oneof(
  fc.string(),
  fc.constantFrom('', 'true', 'No', '~', '0.1', '30m', '- x', 'a: b', 'a #b', 'x:', ' lead', 'trail ', '"q"'),
  fc.constantFrom('0+100x30 3100+100x362', '_x30 0+100x363', 'up{job="a"}', '{{ $value }}', 'line\nbreak'),
);
// Label names and annotation keys: never array indices (they would sort first in a JS object).
const key = fc.oneof(
  fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/),
  fc.constantFrom('yes', 'null', 'on', 'a b', 'a: b', '-x'),
);
const labels = fc.dictionary(key, text, { maxKeys: 4 });

const alert = fc.record({ series: labels, rule: labels, annotations: labels });
const group = fc.record(
  {
    name: text,
    interval: text,
    input_series: fc.array(fc.record({ series: text, values: text }), { maxLength: 3 }),
    alert_rule_test: fc.array(
      fc.record({ eval_time: text, alertname: text, exp_alerts: fc.array(alert, { maxLength: 3 }) }),
      { maxLength: 3 },
    ),
    promql_expr_test: fc.array(
      fc.record({
        expr: text,
        eval_time: text,
        exp_samples: fc.array(
          fc.record({ labels: text, value: fc.oneof(fc.integer(), fc.double({ noNaN: true })) }),
          { maxLength: 2 },
        ),
      }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['name', 'interval', 'input_series'] },
);

type Alert = {
  series: Record<string, string>;
  rule: Record<string, string>;
  annotations: Record<string, string>;
};
type Group = {
  name: string;
  interval: string;
  input_series: Array<{ series: string; values: string }>;
  alert_rule_test?: Array<{ eval_time: string; alertname: string; exp_alerts: Alert[] }>;
  promql_expr_test?: Array<{
    expr: string;
    eval_time: string;
    exp_samples: Array<{ labels: string; value: number }>;
  }>;
};

/** The same groups as plain data, the way emitRuleTests built them before it wrote text directly. */
function plain(groups: readonly Group[]): YamlValue {
  return groups.map((g) => ({
    ...g,
    alert_rule_test: g.alert_rule_test?.map((t) => ({
      ...t,
      exp_alerts: t.exp_alerts.map((a) => ({
        exp_labels: { ...a.series, ...a.rule },
        exp_annotations: a.annotations,
      })),
    })),
  }));
}

function rendered(groups: readonly Group[]): TestGroup[] {
  return groups.map((g) => {
    const { alert_rule_test: alertTests, ...rest } = g;
    return {
      ...rest,
      ...(alertTests === undefined
        ? {}
        : {
            alert_rule_test: alertTests.map((t) => ({
              ...t,
              exp_alerts: t.exp_alerts.map((a) => renderExpectedAlert(a.series, a.rule, a.annotations)),
            })),
          }),
    };
  });
}

describe('renderTestFile', () => {
  it('writes exactly what toYaml writes for the same data', () => {
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 2 }),
        text,
        fc.array(group, { maxLength: 3 }),
        (ruleFiles, interval, groups) => {
          const header = '# generated\n\n';
          const expected = toYaml(
            { rule_files: ruleFiles, evaluation_interval: interval, tests: plain(groups) },
            header,
          );
          expect(renderTestFile(header, ruleFiles, interval, rendered(groups))).toBe(expected);
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it('renders a list that groups share once, and writes it in each', () => {
    const shared = [{ expr: 'up', eval_time: '30m', exp_samples: [] }];
    const groups: TestGroup[] = [
      { name: 'a', interval: '1m', input_series: [], promql_expr_test: shared },
      { name: 'b', interval: '1m', input_series: [], promql_expr_test: shared },
    ];
    expect(renderTestFile('', ['x.rules.yaml'], '1m', groups)).toMatchInlineSnapshot(`
      "rule_files:
        - x.rules.yaml
      evaluation_interval: "1m"
      tests:
        - name: a
          interval: "1m"
          input_series: []
          promql_expr_test:
            - expr: up
              eval_time: "30m"
              exp_samples: []
        - name: b
          interval: "1m"
          input_series: []
          promql_expr_test:
            - expr: up
              eval_time: "30m"
              exp_samples: []
      "
    `);
  });
});

describe('renderExpectedAlert', () => {
  it('gives the rule’s labels precedence over the series’, in the order Prometheus lists them', () => {
    const alertText = renderExpectedAlert(
      { sla: 'recs', feature: 'user_profile', severity: 'from-series' },
      { severity: 'warning', team: 'ml' },
      renderAnnotations(
        { summary: [{ text: 'age of ' }, { label: 'feature' }, { text: ' is ' }, { value: 'duration' }] },
        600,
        { severity: 'warning', team: 'ml' },
        { feature: 'user_profile' },
      ),
    ).yaml;
    expect(parse(`exp_alerts:\n${alertText}`)).toEqual({
      exp_alerts: [
        {
          exp_labels: { sla: 'recs', feature: 'user_profile', severity: 'warning', team: 'ml' },
          exp_annotations: { summary: 'age of user_profile is 10m 0s' },
        },
      ],
    });
  });
});
