// Emits alerts/<sla>.rules.yaml: recording rules for every objective's error ratio, the SLA-window
// budget, multi-window burn-rate alerts and threshold alerts. The same rule specs feed the promtool tests.
import { formatDuration, formatNumber, formatPercent } from '../lib/units.js';
import type {
  BurnTier,
  CompileSettings,
  RatioObjective,
  SlaPlan,
  TextTemplate,
  ThresholdAlert,
  ValueFormat,
} from './ir.js';
import { RECORDED } from './metrics.js';
import { eq, errorRatioExpr, selector, thresholdExpr } from './promql.js';
import { toYaml } from './yaml-out.js';

/** How `$value` is shown: the IR formats, or `burn-rate` (one decimal, e.g. `14.4`). */
export type ValueStyle = ValueFormat | 'burn-rate';

/** A piece of an annotation: literal text, the alert's value, or the value of one of its labels. */
export type TemplatePart = { text: string } | { value: ValueStyle } | { label: string };

/** A recording rule before it becomes YAML. */
export type RecordingRuleSpec = {
  record: string;
  expr: string;
  labels: Record<string, string>;
};

/** An alerting rule before it becomes YAML, with where it comes from in the plan. */
export interface AlertRuleSpec {
  alert: string;
  expr: string;
  forMs: number;
  /** Rule labels in output order. */
  labels: Record<string, string>;
  annotations: Record<string, TemplatePart[]>;
  source:
    | { kind: 'burn'; objective: RatioObjective; tier: BurnTier }
    | { kind: 'threshold'; alert: ThresholdAlert };
}

/** Labels that the compiler owns; an SLA's metadata labels never replace them. */
const RESERVED_LABELS = new Set(['alertname', 'sla', 'service', 'severity', 'slo', 'burn_tier']);

const VALUE_TEMPLATES: Record<ValueStyle, string> = {
  percent: '{{ $value | humanizePercentage }}',
  duration: '{{ $value | humanizeDuration }}',
  number: '{{ $value | printf "%.4g" }}',
  'burn-rate': '{{ $value | printf "%.1f" }}',
};

/** Splits an IR text template into parts: `{value}` is the value, `{name}` a label, the rest literal text. */
export function parseTextTemplate(template: TextTemplate, valueFormat: ValueFormat): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  const token = /\{\{|\}\}|\{([a-zA-Z_][a-zA-Z0-9_]*)\}/y;
  for (let i = 0; i < template.length;) {
    token.lastIndex = i;
    const match = token.exec(template);
    if (match === null || match[1] === undefined) {
      const literal = match?.[0] ?? template[i]!;
      text += literal;
      i += literal.length;
      continue;
    }
    if (text !== '') parts.push({ text });
    text = '';
    parts.push(match[1] === 'value' ? { value: valueFormat } : { label: match[1] });
    i = token.lastIndex;
  }
  if (text !== '') parts.push({ text });
  return parts;
}

function escapeTemplateText(text: string): string {
  if (!text.includes('{{') && !text.includes('}}')) return text;
  return text.replace(/\{\{|\}\}/g, (m) => `{{ "${m}" }}`);
}

/**
 * Renders parts as a Prometheus (Go text/template) annotation. Labels known at compile time are written
 * in as text (the alert's `$labels` only holds the labels of the query result, not the rule's); literal
 * braces are escaped so that no SLA text can inject template actions.
 */
export function goTemplate(
  parts: readonly TemplatePart[],
  staticLabels: Readonly<Record<string, string>>,
): string {
  const pieces: Array<{ action: boolean; text: string }> = parts.map((part) => {
    if ('value' in part) return { action: true, text: VALUE_TEMPLATES[part.value] };
    if ('label' in part) {
      const known = staticLabels[part.label];
      if (known === undefined) return { action: true, text: `{{ $labels.${part.label} }}` };
      return { action: false, text: known };
    }
    return { action: false, text: part.text };
  });
  let out = '';
  pieces.forEach((piece, i) => {
    if (piece.action) {
      out += piece.text;
      return;
    }
    let text = escapeTemplateText(piece.text);
    // A lone `{` right before an action would merge with its `{{`.
    if (pieces[i + 1]?.action === true && text.endsWith('{')) text = `${text.slice(0, -1)}{{ "{" }}`;
    out += text;
  });
  return out;
}

function ruleLabels(plan: SlaPlan, own: Array<[string, string]>, fromData?: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of own) labels[k] = v;
  for (const key of Object.keys(plan.labels).sort()) {
    // A metadata label must not overwrite a label the alert takes from its data (`feature`).
    if (RESERVED_LABELS.has(key) || key in labels || key === fromData) continue;
    labels[key] = plan.labels[key]!;
  }
  return labels;
}

/** The windows an objective's error ratio is recorded over: its tiers' windows, ascending. */
export function tierWindows(objective: RatioObjective): number[] {
  const windows = new Set<number>();
  for (const tier of objective.tiers) {
    windows.add(tier.shortWindowMs);
    windows.add(tier.longWindowMs);
  }
  return [...windows].sort((a, b) => a - b);
}

function objectiveLabels(plan: SlaPlan, objective: RatioObjective): Record<string, string> {
  return { sla: plan.name, service: plan.service, slo: objective.slo };
}

function ratioSelector(plan: SlaPlan, objective: RatioObjective, windowMs: number): string {
  return selector(RECORDED.errorRatio(formatDuration(windowMs)), [
    eq('sla', plan.name),
    eq('slo', objective.slo),
  ]);
}

/** The recording rules of an SLA: per-window error ratios, then the SLA-window ratio, target and budget. */
export function recordingRules(plan: SlaPlan): { sli: RecordingRuleSpec[]; sloWindow: RecordingRuleSpec[] } {
  const sli: RecordingRuleSpec[] = [];
  const sloWindow: RecordingRuleSpec[] = [];
  for (const objective of plan.objectives) {
    const labels = objectiveLabels(plan, objective);
    const windows = tierWindows(objective);
    for (const windowMs of windows) {
      sli.push({
        record: RECORDED.errorRatio(formatDuration(windowMs)),
        expr: errorRatioExpr(objective.sli, windowMs),
        labels,
      });
    }
    if (!windows.includes(plan.windowMs)) {
      sloWindow.push({
        record: RECORDED.errorRatio(formatDuration(plan.windowMs)),
        expr: errorRatioExpr(objective.sli, plan.windowMs),
        labels,
      });
    }
    sloWindow.push({ record: RECORDED.objective, expr: `vector(${formatNumber(objective.target)})`, labels });
    sloWindow.push({
      record: RECORDED.budgetRemaining,
      expr: `1 - ${ratioSelector(plan, objective, plan.windowMs)} / ${formatNumber(objective.errorBudget)}`,
      labels,
    });
  }
  return { sli, sloWindow };
}

function burnAnnotations(
  plan: SlaPlan,
  objective: RatioObjective,
  tier: BurnTier,
): Record<string, TemplatePart[]> {
  const factor = `${formatNumber(tier.factor)}×`;
  const short = formatDuration(tier.shortWindowMs);
  const long = formatDuration(tier.longWindowMs);
  const window = formatDuration(plan.windowMs);
  return {
    summary: [{ text: `${plan.name}: ${objective.slo} error budget burning at over ${factor} (${tier.id})` }],
    description: [
      {
        text:
          `Over the last ${short} the error budget of "${objective.description}" ` +
          `(SLA ${plan.name}, service ${plan.service}, ${window} window) burned at `,
      },
      { value: 'burn-rate' },
      {
        text:
          `× the sustainable rate; over the last ${long} it burned above ${factor} as well. ` +
          `Sustained at ${factor} for ${long}, ${formatPercent(tier.budgetShare)} of the ${window} error budget is spent.`,
      },
    ],
  };
}

function commonAnnotations(
  settings: CompileSettings,
  runbook: string,
  decisionNode: string,
): Record<string, TemplatePart[]> {
  // The runbook id is appended to the base as is (`<base><id>`), so the base decides the URL's shape:
  // `.../runbooks/` serves rendered runbooks, a raw-file base would need to end in a path prefix.
  return {
    runbook_url: [{ text: `${settings.runbookBaseUrl}${runbook}` }],
    decision_node: [{ text: decisionNode }],
  };
}

function burnRule(
  plan: SlaPlan,
  settings: CompileSettings,
  objective: RatioObjective,
  tier: BurnTier,
): AlertRuleSpec {
  const budget = formatNumber(objective.errorBudget);
  const factor = formatNumber(tier.factor);
  // Short window first: `$value` of an `and` is its left-hand side, the short-window burn rate.
  const burn = (windowMs: number) => `${ratioSelector(plan, objective, windowMs)} / ${budget} > ${factor}`;
  return {
    alert: objective.alertname,
    expr: `${burn(tier.shortWindowMs)} and ${burn(tier.longWindowMs)}`,
    forMs: tier.forMs,
    labels: ruleLabels(plan, [
      ['sla', plan.name],
      ['service', plan.service],
      ['severity', tier.severity],
      ['slo', objective.slo],
      ['burn_tier', tier.id],
    ]),
    annotations: {
      ...burnAnnotations(plan, objective, tier),
      ...commonAnnotations(settings, objective.runbook, objective.decisionNode),
    },
    source: { kind: 'burn', objective, tier },
  };
}

function thresholdRule(plan: SlaPlan, settings: CompileSettings, alert: ThresholdAlert): AlertRuleSpec {
  const subject = Object.keys(alert.subject)
    .sort()
    .filter((k) => !RESERVED_LABELS.has(k))
    .map((k): [string, string] => [k, alert.subject[k]!]);
  return {
    alert: alert.alertname,
    expr: thresholdExpr(alert),
    forMs: alert.forMs,
    labels: ruleLabels(
      plan,
      [['sla', plan.name], ['service', plan.service], ['severity', alert.severity], ...subject],
      alert.dynamicSubject,
    ),
    annotations: {
      summary: parseTextTemplate(alert.summary, alert.valueFormat),
      description: parseTextTemplate(alert.description, alert.valueFormat),
      ...commonAnnotations(settings, alert.runbook, alert.decisionNode),
    },
    source: { kind: 'threshold', alert },
  };
}

/** Every alerting rule of an SLA: burn-rate alerts per objective and tier, then threshold alerts. */
export function alertRules(plan: SlaPlan, settings: CompileSettings): AlertRuleSpec[] {
  return [
    ...plan.objectives.flatMap((o) => o.tiers.map((tier) => burnRule(plan, settings, o, tier))),
    ...plan.thresholds.map((t) => thresholdRule(plan, settings, t)),
  ];
}

/** Group names of an SLA's rule file. */
export function ruleGroupNames(plan: SlaPlan): { sli: string; sloWindow: string; alerts: string } {
  return {
    sli: `slactl-${plan.name}-sli`,
    sloWindow: `slactl-${plan.name}-slo-window`,
    alerts: `slactl-${plan.name}-alerts`,
  };
}

/** The comment block that opens every generated file, with any further lines of notes. */
export function generatedHeader(source?: { file: string }, ...notes: string[]): string {
  const from = source === undefined ? '' : ` from ${source.file}`;
  const first = `Generated by \`slactl compile\`${from}. Do not edit by hand: change the SLA and recompile.`;
  return `${[first, ...notes].map((line) => `# ${line}\n`).join('')}\n`;
}

/** An alerting rule as the rules file writes it. */
export type AlertingRule = {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

/** A rule group of a rules file, as Prometheus reads it (the prometheus-operator target reuses it). */
export type RuleGroup = { name: string; rules: Array<RecordingRuleSpec | AlertingRule> };

/** The non-empty rule groups of one SLA, in file order; pass `alerts` to reuse computed rules. */
export function ruleGroups(
  plan: SlaPlan,
  settings: CompileSettings,
  alerts: readonly AlertRuleSpec[] = alertRules(plan, settings),
): RuleGroup[] {
  const names = ruleGroupNames(plan);
  const recording = recordingRules(plan);
  const groups: RuleGroup[] = [
    { name: names.sli, rules: recording.sli },
    { name: names.sloWindow, rules: recording.sloWindow },
    {
      name: names.alerts,
      rules: alerts.map((rule) => ({
        alert: rule.alert,
        expr: rule.expr,
        ...(rule.forMs > 0 ? { for: formatDuration(rule.forMs) } : {}),
        // Prometheus expands templates in alert label values too.
        labels: Object.fromEntries(Object.entries(rule.labels).map(([k, v]) => [k, escapeTemplateText(v)])),
        annotations: Object.fromEntries(
          Object.entries(rule.annotations).map(([k, parts]) => [k, goTemplate(parts, rule.labels)]),
        ),
      })),
    },
  ];
  return groups.filter((g) => g.rules.length > 0);
}

/** Renders the rules file of one SLA (alerts/<name>.rules.yaml); pass `alerts` to reuse computed rules. */
export function emitRules(
  plan: SlaPlan,
  settings: CompileSettings,
  alerts: readonly AlertRuleSpec[] = alertRules(plan, settings),
): string {
  return toYaml({ groups: ruleGroups(plan, settings, alerts) }, generatedHeader(plan.source));
}
