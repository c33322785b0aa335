// Compares two compiled states of the SLAs (a base git ref and the working tree) for pull-request review:
// objectives, component budgets, and the alert rules that were added, removed or changed.
import { parse } from 'yaml';
import { formatDuration, formatNumber, formatPercent } from '../lib/units.js';
import type { SlaPlan, ThresholdAlert } from './ir.js';

export interface Snapshot {
  plans: SlaPlan[];
  /** Emitted rules file text per SLA name. */
  rules: Map<string, string>;
}

export interface ValueChange {
  key: string;
  before?: string;
  after?: string;
}

export interface BudgetChange {
  component: string;
  beforeMs?: number;
  afterMs?: number;
}

export interface AlertRef {
  alert: string;
  labels: Record<string, string>;
  severity?: string;
}

export interface AlertChange extends AlertRef {
  fields: string[];
}

export interface SlaDiff {
  name: string;
  file: string;
  status: 'added' | 'removed' | 'changed';
  objectives: ValueChange[];
  budget: BudgetChange[];
  alerts: { added: AlertRef[]; removed: AlertRef[]; changed: AlertChange[] };
}

export interface DiffReport {
  slas: SlaDiff[];
}

function thresholdValue(alert: ThresholdAlert): string {
  switch (alert.valueFormat) {
    case 'duration':
      return formatDuration(alert.threshold * 1000);
    case 'percent':
      return formatPercent(alert.threshold);
    default:
      return formatNumber(alert.threshold);
  }
}

/** The reviewable promises of an SLA as key → display value. */
export function objectiveFacts(plan: SlaPlan): Map<string, string> {
  const facts = new Map<string, string>();
  facts.set('service', plan.service);
  facts.set('tier', plan.tier);
  if (plan.owner !== undefined) facts.set('owner', plan.owner);
  facts.set('window', formatDuration(plan.windowMs));
  for (const objective of plan.objectives) {
    facts.set(objective.slo, objective.description);
    const sli =
      objective.sli.kind === 'custom-ratio'
        ? `custom: ${objective.sli.errors.trim()} / ${objective.sli.total.trim()}`
        : objective.sli.kind === 'custom-histogram'
          ? `custom histogram ${objective.sli.metric}{${objective.sli.selector}}`
          : 'collector';
    facts.set(`${objective.slo} SLI`, sli);
  }
  for (const alert of plan.thresholds) {
    const subject = Object.entries(alert.subject)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (alert.alertname === 'LatencyComponentOverBudget' || alert.alertname === 'StreamStalled') continue;
    const extra =
      alert.signal.kind === 'recall' ? ` (k=${alert.signal.k}, min ${alert.signal.minProbes} probes)` : '';
    facts.set(
      `${alert.alertname}${subject ? ` ${subject}` : ''}`,
      `${alert.op} ${thresholdValue(alert)}${extra}`,
    );
  }
  for (const [key, value] of Object.entries(plan.labels)) facts.set(`label ${key}`, value);
  return facts;
}

interface RuleEntry {
  ref: AlertRef;
  body: Record<string, string>;
}

function alertRules(text: string | undefined): Map<string, RuleEntry> {
  const out = new Map<string, RuleEntry>();
  if (text === undefined) return out;
  const doc = parse(text) as { groups?: Array<{ rules?: Array<Record<string, unknown>> }> } | null;
  for (const group of doc?.groups ?? []) {
    for (const rule of group.rules ?? []) {
      if (typeof rule.alert !== 'string') continue;
      const labels = (rule.labels ?? {}) as Record<string, string>;
      const key = `${rule.alert}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
      const annotations = (rule.annotations ?? {}) as Record<string, string>;
      out.set(key, {
        ref: {
          alert: rule.alert,
          labels: subjectLabels(labels),
          ...(labels.severity !== undefined ? { severity: labels.severity } : {}),
        },
        body: {
          expr: typeof rule.expr === 'string' ? rule.expr : '',
          for: typeof rule.for === 'string' ? rule.for : '',
          ...Object.fromEntries(Object.entries(annotations).map(([k, v]) => [`annotations.${k}`, String(v)])),
        },
      });
    }
  }
  return out;
}

/** Labels that tell alerts of one rule file apart (sla and service are the same on all of them). */
function subjectLabels(labels: Record<string, string>): Record<string, string> {
  const keep = ['slo', 'burn_tier', 'component', 'feature', 'index', 'consumer_group'];
  return Object.fromEntries(Object.entries(labels).filter(([k]) => keep.includes(k)));
}

function compareFacts(before: Map<string, string>, after: Map<string, string>): ValueChange[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const out: ValueChange[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const a = after.get(key);
    if (b === a) continue;
    out.push({ key, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  }
  return out;
}

function compareBudgets(before: SlaPlan | undefined, after: SlaPlan | undefined): BudgetChange[] {
  const b = new Map((before?.budget?.rows ?? []).map((r) => [r.component, r.budgetMs]));
  const a = new Map((after?.budget?.rows ?? []).map((r) => [r.component, r.budgetMs]));
  const order = [
    ...new Set([...(after?.budget?.rows ?? []), ...(before?.budget?.rows ?? [])].map((r) => r.component)),
  ];
  const out: BudgetChange[] = [];
  for (const component of order) {
    const beforeMs = b.get(component);
    const afterMs = a.get(component);
    if (beforeMs === afterMs) continue;
    out.push({
      component,
      ...(beforeMs !== undefined ? { beforeMs } : {}),
      ...(afterMs !== undefined ? { afterMs } : {}),
    });
  }
  return out;
}

/** Compares the base snapshot with the head snapshot, SLA by SLA (sorted by name). */
export function diffSnapshots(base: Snapshot, head: Snapshot): DiffReport {
  const byName = (plans: SlaPlan[]): Map<string, SlaPlan> => new Map(plans.map((p) => [p.name, p]));
  const before = byName(base.plans);
  const after = byName(head.plans);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const slas: SlaDiff[] = [];
  for (const name of names) {
    const b = before.get(name);
    const a = after.get(name);
    const none = new Map<string, string>();
    const objectives = compareFacts(b ? objectiveFacts(b) : none, a ? objectiveFacts(a) : none);
    const budget = compareBudgets(b, a);
    const rulesBefore = alertRules(base.rules.get(name));
    const rulesAfter = alertRules(head.rules.get(name));
    const added = [...rulesAfter].filter(([k]) => !rulesBefore.has(k)).map(([, v]) => v.ref);
    const removed = [...rulesBefore].filter(([k]) => !rulesAfter.has(k)).map(([, v]) => v.ref);
    const changed: AlertChange[] = [];
    for (const [key, entry] of rulesAfter) {
      const old = rulesBefore.get(key);
      if (!old) continue;
      const fields = [...new Set([...Object.keys(old.body), ...Object.keys(entry.body)])].filter(
        (f) => old.body[f] !== entry.body[f],
      );
      if (fields.length > 0) changed.push({ ...entry.ref, fields });
    }
    const status = !b ? 'added' : !a ? 'removed' : 'changed';
    if (
      status === 'changed' &&
      objectives.length + budget.length + added.length + removed.length + changed.length === 0
    ) {
      continue;
    }
    slas.push({
      name,
      file: (a ?? b)!.source.file,
      status,
      objectives,
      budget,
      alerts: { added, removed, changed },
    });
  }
  return { slas };
}
