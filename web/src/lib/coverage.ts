// The runbook coverage of one SLA for its maturity level: the alert names it has raised (active now or
// seen on this page), which of them a runbook answers, and which of those runbooks' actions an alert
// starts by itself here (`status.automatic`: the action is `auto` and `remediation.auto` is on).
import type { RunbookSummary } from '../api/runbooks';
import type { RunbookCoverage } from './maturity';

/** The coverage of an SLA whose alerts have these names, against the served runbooks. */
export function coverageOf(
  alertnames: Iterable<string>,
  runbooks: readonly RunbookSummary[],
): RunbookCoverage {
  const names = [...new Set(alertnames)].sort();
  const answering = runbooks.filter((r) => r.triggers.some((t) => names.includes(t)));
  const withRunbook = names.filter((n) => answering.some((r) => r.triggers.includes(n)));
  const actions = answering.flatMap((r) =>
    r.actions.filter((a) => a.alerts === undefined || a.alerts.some((n) => names.includes(n))),
  );
  const automatedActions = [...new Set(actions.filter((a) => a.status?.automatic === true).map((a) => a.id))];
  const heldActions = [
    ...new Set(actions.filter((a) => a.auto && a.status !== null && !a.status.automatic).map((a) => a.id)),
  ];
  return {
    alertnames: names,
    withRunbook,
    automatedActions,
    ...(heldActions.length > 0 ? { heldActions } : {}),
  };
}
