// The alert state machine of Prometheus' alerting rules (rules/alerting.go): a sample that appears makes
// a pending alert active since that evaluation; it fires once it has been active for the rule's `for`
// (at once when `for` is 0); when its sample disappears a firing alert resolves and a pending one is
// dropped. Labels and annotations are re-rendered at every evaluation, as Prometheus does.
import { createHash } from 'node:crypto';
import type { TemplatePart } from '../compile/emit-rules.js';
import { renderValue } from '../compile/go-format.js';
import type { PreparedRule, RuleSample } from './rules.js';
import type { AlertInstance, AlertState, Transition } from './types.js';

interface ActiveAlert {
  ruleIndex: number;
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  activeAt: number;
  firedAt?: number;
  value: number;
  fingerprint: string;
}

/** Renders an annotation as Prometheus renders the compiled Go template of the same parts. */
export function renderTemplate(
  parts: readonly TemplatePart[],
  value: number,
  labels: Readonly<Record<string, string>>,
): string {
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else if ('value' in part) out += renderValue(part.value, value);
    else out += labels[part.label] ?? '';
  }
  return out;
}

/** A stable hex hash of a label set. */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(labels).sort()) hash.update(`${name}\u0000${labels[name]}\u0000`);
  return hash.digest('hex').slice(0, 16);
}

function sampleKey(ruleIndex: number, labels: Readonly<Record<string, string>>): string {
  let key = String(ruleIndex);
  for (const name of Object.keys(labels).sort()) key += `\u0000${name}\u0001${labels[name]}`;
  return key;
}

/** The alert's full label set: rule labels, labels from the data (not overriding the rule's), alertname. */
function alertLabels(rule: PreparedRule, sample: RuleSample): Record<string, string> {
  const merged: Record<string, string> = {
    ...sample.labels,
    ...rule.spec.labels,
    alertname: rule.spec.alert,
  };
  const sorted: Record<string, string> = {};
  for (const name of Object.keys(merged).sort()) sorted[name] = merged[name]!;
  return sorted;
}

/** The active alerts of one SLA's rules across evaluations. */
export class AlertTable {
  private readonly active = new Map<string, ActiveAlert>();

  constructor(private readonly sla: string) {}

  /**
   * Applies one evaluation at `at`: `samples[i]` is the result vector of `rules[i]`. Returns the
   * transitions it caused.
   */
  update(rules: readonly PreparedRule[], samples: readonly RuleSample[][], at: number): Transition[] {
    const transitions: Transition[] = [];
    const seen = new Set<string>();
    const created = new Set<string>();
    const transition = (alert: ActiveAlert, from: Transition['from'], to: Transition['to']) =>
      transitions.push({
        at,
        alertname: alert.alertname,
        labels: alert.labels,
        from,
        to,
        value: alert.value,
        sla: this.sla,
        fingerprint: alert.fingerprint,
      });

    rules.forEach((rule, i) => {
      for (const sample of samples[i] ?? []) {
        const key = sampleKey(rule.index, sample.labels);
        if (seen.has(key)) continue; // a duplicate series: Prometheus reports an error, keep the first
        seen.add(key);
        const labels = alertLabels(rule, sample);
        const annotations: Record<string, string> = {};
        for (const [name, parts] of Object.entries(rule.spec.annotations)) {
          annotations[name] = renderTemplate(parts, sample.value, labels);
        }
        const existing = this.active.get(key);
        if (existing !== undefined) {
          existing.value = sample.value;
          existing.labels = labels;
          existing.annotations = annotations;
        } else {
          created.add(key);
          this.active.set(key, {
            ruleIndex: rule.index,
            alertname: rule.spec.alert,
            labels,
            annotations,
            state: 'pending',
            activeAt: at,
            value: sample.value,
            fingerprint: fingerprint(labels),
          });
        }
      }
    });

    for (const [key, alert] of this.active) {
      if (!seen.has(key)) {
        this.active.delete(key);
        transition(alert, alert.state, alert.state === 'firing' ? 'resolved' : 'inactive');
        continue;
      }
      const rule = rules[alert.ruleIndex];
      const isNew = created.has(key);
      if (alert.state === 'pending' && rule !== undefined && at - alert.activeAt >= rule.spec.forMs) {
        alert.state = 'firing';
        alert.firedAt = at;
        // With `for: 0` an alert fires at its first evaluation: one transition, inactive → firing.
        transition(alert, isNew ? 'inactive' : 'pending', 'firing');
      } else if (isNew) {
        transition(alert, 'inactive', 'pending');
      }
    }
    return transitions;
  }

  /** Active alerts: pending and firing, in rule order. */
  list(): AlertInstance[] {
    if (this.active.size === 0) return [];
    return [...this.active.values()]
      .sort((a, b) => a.ruleIndex - b.ruleIndex || a.fingerprint.localeCompare(b.fingerprint))
      .map((a) => ({
        alertname: a.alertname,
        labels: a.labels,
        annotations: a.annotations,
        state: a.state,
        activeAt: a.activeAt,
        ...(a.firedAt !== undefined ? { firedAt: a.firedAt } : {}),
        value: a.value,
        sla: this.sla,
        fingerprint: a.fingerprint,
      }));
  }

  /** The state of every active alert, with the index of its rule. */
  states(): Array<{ ruleIndex: number; state: AlertState }> {
    if (this.active.size === 0) return [];
    return [...this.active.values()].map((a) => ({ ruleIndex: a.ruleIndex, state: a.state }));
  }
}
