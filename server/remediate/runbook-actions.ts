// From a firing alert to the runbooks and actions that answer it: a trigger names the alert and the
// labels it must carry, and an action may answer only some of its runbook's triggers (`alerts:`).
// Filling an answering action's slots from the alert's labels is template.ts's job.
import type { Runbook, RunbookAction, TriggerMatcher } from './runbook-types.js';

/** What matching needs of an alert: its name and labels (Alertmanager and the evaluator both have them). */
export interface AlertRef {
  alertname: string;
  labels: Readonly<Record<string, string>>;
}

function matchersOf(runbook: Runbook): TriggerMatcher[] {
  return runbook.triggerMatchers ?? runbook.triggers.map((alert) => ({ alert, labels: {} }));
}

/** Whether a firing alert starts (or offers) this runbook: some trigger names it and its labels agree. */
export function triggerMatches(runbook: Runbook, alert: AlertRef): boolean {
  return matchersOf(runbook).some(
    (m) =>
      m.alert === alert.alertname &&
      Object.entries(m.labels).every(
        ([label, value]) => Object.hasOwn(alert.labels, label) && alert.labels[label] === value,
      ),
  );
}

/** The runbook's actions that answer this alert (all of them, or those whose `alerts` name it). */
export function actionsFor(runbook: Runbook, alert: AlertRef): RunbookAction[] {
  if (!triggerMatches(runbook, alert)) return [];
  return runbook.actions.filter((a) => a.alerts === undefined || a.alerts.includes(alert.alertname));
}
