// Prometheus' active alerts as the embedded evaluator reports them: only the alerts of the loaded SLAs
// (by their `sla` label), each mapped to the compiled rule it comes from (alertname and the rule's
// labels), with the evaluator's fingerprint of its labels. Transitions are what changed between two
// polls, so the event stream works as it does with the embedded evaluator.
import type { SlaPlan } from '../compile/ir.js';
import { fingerprint } from '../evaluate/alert-state.js';
import type { PreparedRule } from '../evaluate/rules.js';
import type { AlertInstance, AlertState, Transition } from '../evaluate/types.js';
import { sampleValue, type PrometheusApiAlert } from './client.js';

/** An active alert with the position of its rule among the plan's rules (-1 when none matches). */
export interface MappedAlert extends AlertInstance {
  ruleIndex: number;
}

export interface PlanRules {
  plan: SlaPlan;
  /** Position of the plan among the loaded plans (alerts are listed in plan order). */
  order: number;
  rules: PreparedRule[];
}

/** The rule an alert comes from: same alertname, and every label of the rule equal in the alert. */
function ruleOf(
  rules: readonly PreparedRule[],
  labels: Readonly<Record<string, string>>,
): PreparedRule | undefined {
  return rules.find(
    (rule) =>
      rule.spec.alert === labels.alertname &&
      Object.entries(rule.spec.labels).every(([name, value]) => labels[name] === value),
  );
}

function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** The alerts of the loaded SLAs among Prometheus' answer, in plan and rule order. */
export function mapAlerts(
  alerts: readonly PrometheusApiAlert[],
  plans: ReadonlyMap<string, PlanRules>,
): MappedAlert[] {
  const out: Array<MappedAlert & { order: number }> = [];
  for (const alert of alerts) {
    const labels = sortedLabels(stringRecord(alert.labels));
    const sla = labels.sla;
    const entry = sla === undefined ? undefined : plans.get(sla);
    if (entry === undefined || sla === undefined) continue;
    if (alert.state !== 'pending' && alert.state !== 'firing') continue;
    const state: AlertState = alert.state;
    const activeAt = alert.activeAt === undefined ? NaN : Date.parse(alert.activeAt);
    if (Number.isNaN(activeAt)) continue;
    const rule = ruleOf(entry.rules, labels);
    const mapped: MappedAlert & { order: number } = {
      alertname: labels.alertname ?? '',
      labels,
      annotations: sortedLabels(stringRecord(alert.annotations)),
      state,
      activeAt,
      // Prometheus fires at the first evaluation `for` after activeAt: within one evaluation interval.
      ...(state === 'firing' ? { firedAt: activeAt + (rule?.spec.forMs ?? 0) } : {}),
      value: typeof alert.value === 'string' ? sampleValue(alert.value) : NaN,
      sla,
      fingerprint: fingerprint(labels),
      ruleIndex: rule?.index ?? -1,
      order: entry.order,
    };
    out.push(mapped);
  }
  out.sort(
    (a, b) => a.order - b.order || a.ruleIndex - b.ruleIndex || a.fingerprint.localeCompare(b.fingerprint),
  );
  return out.map(({ order: _order, ...alert }) => alert);
}

/** What changed between the previous poll's alerts and these, at `at`. */
export function alertTransitions(
  previous: readonly AlertInstance[],
  current: readonly AlertInstance[],
  at: number,
): Transition[] {
  const before = new Map(previous.map((a) => [a.fingerprint, a]));
  const now = new Map(current.map((a) => [a.fingerprint, a]));
  const out: Transition[] = [];
  const transition = (a: AlertInstance, from: Transition['from'], to: Transition['to']) =>
    out.push({
      at,
      alertname: a.alertname,
      labels: a.labels,
      from,
      to,
      value: a.value,
      sla: a.sla,
      fingerprint: a.fingerprint,
    });
  for (const old of previous) {
    const cur = now.get(old.fingerprint);
    // Gone, or a new episode of the same labels between two polls (a different activeAt).
    if (cur === undefined || cur.activeAt !== old.activeAt)
      transition(old, old.state, old.state === 'firing' ? 'resolved' : 'inactive');
  }
  for (const cur of current) {
    const old = before.get(cur.fingerprint);
    const sameEpisode = old !== undefined && old.activeAt === cur.activeAt;
    if (!sameEpisode) transition(cur, 'inactive', cur.state);
    else if (old.state === 'pending' && cur.state === 'firing') transition(cur, 'pending', 'firing');
  }
  return out;
}
