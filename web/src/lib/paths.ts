// Deep links of the incident, runbook, run and audit pages: usable as `runbook_url` and dashboard
// links in alerts and notifications.

/** The incident view of an SLA, optionally with one decision-tree node selected. */
export function incidentPath(sla: string, node?: string): string {
  return `/incidents/${encodeURIComponent(sla)}${node !== undefined ? `?node=${encodeURIComponent(node)}` : ''}`;
}

/** A runbook's page; `alert` preselects the alert whose labels fill the actions' parameters. */
export function runbookPath(id: string, alert?: string): string {
  return `/runbooks/${encodeURIComponent(id)}${alert !== undefined ? `?alert=${encodeURIComponent(alert)}` : ''}`;
}

/** A remediation run's page. */
export function runPath(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

/** The audit log, optionally only the entries about one subject (a run id, an alert fingerprint). */
export function auditPath(subject?: string): string {
  return subject === undefined ? '/audit' : `/audit?subject=${encodeURIComponent(subject)}`;
}
