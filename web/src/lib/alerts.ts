// What an alert is about, in words: its subject (the index, feature or component its labels name), its
// value in the unit of its rule, and its runbook link.
import type { AlertInstance } from '../api/events';
import { formatBurnRate, formatNumber, formatPercent, formatSeconds } from './format';

const SUBJECT_LABELS = ['component', 'feature', 'index', 'consumer_group', 'slo', 'burn_tier'] as const;

/** `index=products`, `slo=latency-p99 · burn_tier=page-fast`: the labels that tell alerts of one rule apart. */
export function alertSubject(labels: Record<string, string>): string {
  return SUBJECT_LABELS.filter((l) => labels[l] !== undefined)
    .map((l) => `${l}=${labels[l]}`)
    .join(' · ');
}

const VALUE_FORMATS: Record<string, (v: number) => string> = {
  SLOAvailabilityBurnRateHigh: (v) => `burn ${formatBurnRate(v)}`,
  SLOLatencyBurnRateHigh: (v) => `burn ${formatBurnRate(v)}`,
  LatencyComponentOverBudget: (v) => `P99 ${formatSeconds(v)}`,
  FeatureStale: (v) => `age ${formatSeconds(v)}`,
  FeatureFallbackRequired: (v) => `age ${formatSeconds(v)}`,
  VectorRecallBelowTarget: (v) => `recall ${formatPercent(v, 1)}`,
  VectorTombstoneRatioHigh: (v) => `tombstones ${formatPercent(v, 1)}`,
  FeatureNullRateHigh: (v) => `null rate ${formatPercent(v, 2)}`,
  DistributionDriftHigh: (v) => `PSI ${formatNumber(v, 3)}`,
  StreamCatchUpSlow: (v) => `catch-up ${formatSeconds(v)}`,
  StreamStalled: (v) => (v > 0 ? 'stalled' : 'consuming'),
};

/** The alert's value in its rule's unit; `—` when the expression had none. */
export function formatAlertValue(alert: Pick<AlertInstance, 'alertname' | 'value'>): string {
  if (alert.value === null || !Number.isFinite(alert.value)) return '—';
  const format = VALUE_FORMATS[alert.alertname];
  return format ? format(alert.value) : formatNumber(alert.value, 4);
}

/**
 * The runbook link of an alert, from its `runbook_url` annotation. A link to this server becomes an
 * in-app path; an absolute URL elsewhere stays as it is. Only http(s) URLs are links.
 */
export function runbookHref(annotations: Record<string, string>, origin: string): string | undefined {
  const raw = annotations.runbook_url;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin === origin ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

/** The path of an alert's page: its fingerprint names it across restarts. */
export function alertPath(fingerprint: string): string {
  return `/alerts/${encodeURIComponent(fingerprint)}`;
}

/** The path of an SLA's page. */
export function slaPath(name: string): string {
  return `/slas/${encodeURIComponent(name)}`;
}
