import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  alertRules,
  emitRules,
  goTemplate,
  parseTextTemplate,
  recordingRules,
  tierWindows,
} from './emit-rules.js';
import { DEFAULT_SETTINGS } from './ir.js';
import type { SlaPlan } from './ir.js';
import { allFixturePlans, edgePlan, recsPlan, weeklyPlan } from './test-support/fixtures.js';

interface RuleFile {
  groups: Array<{
    name: string;
    rules: Array<{
      record?: string;
      alert?: string;
      expr: string;
      for?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }>;
  }>;
}

const load = (plan: SlaPlan): RuleFile => parse(emitRules(plan, DEFAULT_SETTINGS)) as RuleFile;

describe('annotation templates', () => {
  it('turns {value} and {label} into Go template actions', () => {
    const parts = parseTextTemplate('{value} of {feature} in {service}', 'percent');
    expect(parts).toEqual([
      { value: 'percent' },
      { text: ' of ' },
      { label: 'feature' },
      { text: ' in ' },
      { label: 'service' },
    ]);
    expect(goTemplate(parts, { service: 'recs' })).toBe(
      '{{ $value | humanizePercentage }} of {{ $labels.feature }} in recs',
    );
  });

  it('formats each kind of value', () => {
    expect(goTemplate(parseTextTemplate('{value}', 'duration'), {})).toBe('{{ $value | humanizeDuration }}');
    expect(goTemplate(parseTextTemplate('{value}', 'number'), {})).toBe('{{ $value | printf "%.4g" }}');
    expect(goTemplate([{ value: 'burn-rate' }], {})).toBe('{{ $value | printf "%.1f" }}');
  });

  it('escapes literal braces so no SLA text becomes a template action', () => {
    expect(goTemplate(parseTextTemplate('a {{ $x }} {{value}} {not-a-label}', 'number'), {})).toBe(
      'a {{ "{{" }} $x {{ "}}" }} {{ "{{" }}value{{ "}}" }} {not-a-label}',
    );
    expect(goTemplate([{ label: 'team' }], { team: '{{ evil }}' })).toBe('{{ "{{" }} evil {{ "}}" }}');
  });

  it('keeps a lone brace from merging with the next action', () => {
    expect(goTemplate([{ label: 'c' }, { value: 'number' }], { c: 'x{' })).toBe(
      'x{{ "{" }}{{ $value | printf "%.4g" }}',
    );
  });
});

describe('recording rules', () => {
  it('records every tier window per objective and the SLA window, budget and target apart', () => {
    const plan = recsPlan();
    const { sli, sloWindow } = recordingRules(plan);
    expect(sli.map((r) => `${r.labels.slo} ${r.record}`).slice(0, 7)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `availability slactl:sli_error_ratio:rate${w}`),
    );
    expect(sli).toHaveLength(21);
    expect(sloWindow.filter((r) => r.labels.slo === 'latency-p99')).toEqual([
      expect.objectContaining({ record: 'slactl:sli_error_ratio:rate30d' }),
      {
        record: 'slactl:slo_objective:ratio',
        expr: 'vector(0.99)',
        labels: { sla: 'recs-low-latency', service: 'recs-api', slo: 'latency-p99' },
      },
      {
        record: 'slactl:slo_error_budget_remaining:ratio',
        expr: '1 - slactl:sli_error_ratio:rate30d{sla="recs-low-latency",slo="latency-p99"} / 0.01',
        labels: { sla: 'recs-low-latency', service: 'recs-api', slo: 'latency-p99' },
      },
    ]);
  });

  it('does not record the SLA window twice when a tier uses it', () => {
    const plan = edgePlan();
    expect(plan.windowMs).toBe(86_400_000);
    const { sli, sloWindow } = recordingRules(plan);
    expect(sli.filter((r) => r.record === 'slactl:sli_error_ratio:rate1d')).toHaveLength(1);
    expect(sloWindow.map((r) => r.record)).toEqual([
      'slactl:slo_objective:ratio',
      'slactl:slo_error_budget_remaining:ratio',
    ]);
  });

  it('uses only the windows the tiers use', () => {
    const o = recsPlan().objectives[0]!;
    expect(tierWindows({ ...o, tiers: o.tiers.slice(0, 1) })).toEqual([300_000, 3_600_000]);
  });
});

describe('alert rules', () => {
  const rules = alertRules(recsPlan(), DEFAULT_SETTINGS);

  it('puts the short window first so that $value is the short-window burn rate', () => {
    expect(rules[0]!.expr).toBe(
      'slactl:sli_error_ratio:rate5m{sla="recs-low-latency",slo="availability"} / 0.001 > 14.4 and slactl:sli_error_ratio:rate1h{sla="recs-low-latency",slo="availability"} / 0.001 > 14.4',
    );
  });

  it('labels burn-rate alerts in a fixed order, metadata labels last', () => {
    expect(Object.entries(rules[0]!.labels)).toEqual([
      ['sla', 'recs-low-latency'],
      ['service', 'recs-api'],
      ['severity', 'critical'],
      ['slo', 'availability'],
      ['burn_tier', 'page-fast'],
      ['env', 'prod'],
      ['team', 'recs'],
    ]);
  });

  it('labels threshold alerts with their subject', () => {
    const stale = rules.find((r) => r.alert === 'FeatureStale')!;
    expect(stale.labels).toEqual({
      sla: 'recs-low-latency',
      service: 'recs-api',
      severity: 'warning',
      feature: 'user_profile',
      env: 'prod',
      team: 'recs',
    });
    expect(stale.forMs).toBe(300_000);
  });

  it('never lets metadata labels replace compiler labels or labels from the data', () => {
    const edge = alertRules(edgePlan(), DEFAULT_SETTINGS);
    const burn = edge.find((r) => r.alert === 'SLOAvailabilityBurnRateHigh')!;
    expect(burn.labels.severity).toBe('critical');
    expect(burn.labels.feature).toBe('from-metadata');
    expect(edge.find((r) => r.alert === 'FeatureStale')!.labels.feature).toBe('feat"x\\y{z}');
    expect(edge.find((r) => r.alert === 'FeatureNullRateHigh')!.labels).not.toHaveProperty('feature');
  });

  it('links the runbook as base + id', () => {
    const settings = { ...DEFAULT_SETTINGS, runbookBaseUrl: 'https://example.org/rb/' };
    expect(alertRules(recsPlan(), settings)[0]!.annotations.runbook_url).toEqual([
      { text: 'https://example.org/rb/availability-burn' },
    ]);
  });
});

describe('emitRules', () => {
  it.each(allFixturePlans().map((p) => [p.name, p] as const))(
    '%s: three groups of valid PromQL',
    (_, plan) => {
      const file = load(plan);
      expect(file.groups.map((g) => g.name)).toEqual(
        [`slactl-${plan.name}-sli`, `slactl-${plan.name}-slo-window`, `slactl-${plan.name}-alerts`].filter(
          (n) => file.groups.some((g) => g.name === n),
        ),
      );
      expect(file.groups.at(-1)!.name).toBe(`slactl-${plan.name}-alerts`);
      for (const rule of file.groups.flatMap((g) => g.rules)) {
        let error = false;
        parser.parse(rule.expr).iterate({ enter: (n) => void (n.type.isError && (error = true)) });
        expect(error, rule.expr).toBe(false);
      }
    },
  );

  it('starts with the generated-file header and never folds, aliases or prints float noise', () => {
    const text = emitRules(weeklyPlan(), DEFAULT_SETTINGS);
    expect(text.split('\n')[0]).toBe(
      '# Generated by `slactl compile` from slas/search-weekly.yaml. Do not edit by hand: change the SLA and recompile.',
    );
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text).toContain('> 0.233333333333 and ');
    expect(text).not.toMatch(/\d\.\d*0000000\d/);
  });

  it('keeps every expression on one line', () => {
    const plan = recsPlan();
    const text = emitRules(plan, DEFAULT_SETTINGS);
    const { sli, sloWindow } = recordingRules(plan);
    for (const rule of [...sli, ...sloWindow, ...alertRules(plan, DEFAULT_SETTINGS)]) {
      const plain = `expr: ${rule.expr}\n`;
      const quoted = `expr: ${JSON.stringify(rule.expr)}\n`;
      expect(text.includes(plain) || text.includes(quoted), rule.expr).toBe(true);
    }
  });

  it('is deterministic, whatever the order of the metadata labels', () => {
    const plan = recsPlan();
    const reordered = { ...plan, labels: Object.fromEntries(Object.entries(plan.labels).reverse()) };
    expect(emitRules(reordered, DEFAULT_SETTINGS)).toBe(emitRules(plan, DEFAULT_SETTINGS));
  });

  it('escapes template delimiters in alert label values', () => {
    const file = load(edgePlan());
    const alert = file.groups.at(-1)!.rules[0]!;
    expect(alert.labels!.team).toBe('a "b" \\ {{ "{{" }}c{{ "}}" }}');
  });

  it('emits no empty groups', () => {
    const plan: SlaPlan = { ...recsPlan(), objectives: [], thresholds: [] };
    expect(load(plan).groups).toEqual([]);
  });
});
