// Alertmanager webhook notifications (payload version 4) as Alertmanager 0.25+ posts them, for the
// chaos scenarios that deliver alerts twice, concurrently and out of order.
// Payload reference: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
import type { AlertmanagerAlert, AlertmanagerWebhook } from '../../server/remediate/alertmanager.js';

/** Go's zero time: Alertmanager's `endsAt` of a firing alert. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Alertmanager's fingerprint of a label set (prometheus/common model.LabelSet.Fingerprint): FNV-1a 64
 * over the sorted names and values, each followed by the 0xff separator byte.
 */
export function alertmanagerFingerprint(labels: Readonly<Record<string, string>>): string {
  let hash = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const feed = (bytes: Uint8Array) => {
    for (const byte of bytes) {
      hash ^= BigInt(byte);
      hash = (hash * prime) & 0xffffffffffffffffn;
    }
  };
  const separator = Uint8Array.of(0xff);
  for (const name of Object.keys(labels).sort()) {
    feed(Buffer.from(name, 'utf8'));
    feed(separator);
    feed(Buffer.from(labels[name]!, 'utf8'));
    feed(separator);
  }
  return hash.toString(16).padStart(16, '0');
}

/** Go's time format with nanoseconds, as Alertmanager writes times. */
function goTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** One alert of a notification. */
export function amAlert(
  status: 'firing' | 'resolved',
  labels: Record<string, string>,
  startsAtMs: number,
  endsAtMs?: number,
): AlertmanagerAlert {
  return {
    status,
    labels,
    annotations: {
      summary: `${labels.alertname ?? 'alert'} for ${labels.index ?? 'the object'}`,
      runbook_url: 'https://runbooks.example/vector-index-degradation',
    },
    startsAt: goTime(startsAtMs),
    endsAt: status === 'resolved' ? goTime(endsAtMs ?? startsAtMs + 60_000) : ZERO_TIME,
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=slactl%3Arecall',
    fingerprint: alertmanagerFingerprint(labels),
  };
}

/** A notification of one alert group, with the group's common labels computed as Alertmanager does. */
export function notification(alerts: AlertmanagerAlert[]): AlertmanagerWebhook {
  const common: Record<string, string> = { ...(alerts[0]?.labels ?? {}) };
  for (const a of alerts.slice(1)) {
    for (const [name, value] of Object.entries(common)) if (a.labels[name] !== value) delete common[name];
  }
  const groupLabels: Record<string, string> = {};
  for (const name of ['alertname', 'sla']) if (common[name] !== undefined) groupLabels[name] = common[name];
  const groupKey = `{}:{${Object.entries(groupLabels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'slactl',
    groupLabels,
    commonLabels: common,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts,
  };
}

/** The labels of a recall alert about one index (what slactl compiles for the search-rag SLA). */
export function recallLabels(index: string): Record<string, string> {
  return { alertname: 'VectorRecallBelowTarget', sla: 'search-rag', index, severity: 'critical' };
}
