// Worst first: the order in which an engineer paged at 3 AM should read SLAs, dimensions and alerts.
import type { AlertInstance } from '../api/events';
import type { DimensionHealth, Health, SlaStatus } from '../api/slas';

const HEALTH_RANK: Record<DimensionHealth, number> = {
  critical: 0,
  warning: 1,
  no_data: 2,
  ok: 3,
  not_configured: 4,
};

/** Lower is worse: critical, warning, no data, ok, not configured. */
export function healthRank(health: DimensionHealth): number {
  return HEALTH_RANK[health];
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, page: 0, warning: 1, ticket: 2, info: 3 };

/** Lower is worse; unknown severities sort after the known ones. */
export function severityRank(severity: string | undefined): number {
  return SEVERITY_RANK[severity ?? ''] ?? 4;
}

/** The lowest error budget remaining of an SLA's objectives (Infinity when none is measured). */
export function lowestBudget(status: SlaStatus): number {
  let lowest = Infinity;
  for (const o of status.objectives) {
    if (o.errorBudgetRemaining !== undefined && o.errorBudgetRemaining < lowest)
      lowest = o.errorBudgetRemaining;
  }
  return lowest;
}

/** SLAs worst first: health, then firing and pending alerts, then the least error budget left, then name. */
export function compareSlas(a: SlaStatus, b: SlaStatus): number {
  return (
    healthRank(a.status) - healthRank(b.status) ||
    b.alerts.firing - a.alerts.firing ||
    b.alerts.pending - a.alerts.pending ||
    lowestBudget(a) - lowestBudget(b) ||
    a.name.localeCompare(b.name)
  );
}

/** Alerts worst first: firing before pending, then severity, then the longest active, then name. */
export function compareAlerts(a: AlertInstance, b: AlertInstance): number {
  const state = (x: AlertInstance) => (x.state === 'firing' ? 0 : 1);
  return (
    state(a) - state(b) ||
    severityRank(a.labels.severity) - severityRank(b.labels.severity) ||
    a.activeAt - b.activeAt ||
    a.alertname.localeCompare(b.alertname) ||
    a.fingerprint.localeCompare(b.fingerprint)
  );
}

/** The health an alert stands for: critical firing alerts are critical, everything else a warning. */
export function alertHealth(alert: AlertInstance): Health {
  return alert.state === 'firing' && severityRank(alert.labels.severity) === 0 ? 'critical' : 'warning';
}
