// The plan: one intermediate representation of every objective and alert, from which both the Prometheus
// rules and the embedded evaluator are generated. Nothing here is PromQL; emitters translate it.

import type { BurnTierSpec } from '../sla/burn-tiers.js';

export type Tier = 'near-real-time' | 'low-latency' | 'streaming';
export type AlertSeverity = 'critical' | 'warning' | 'info';

// The burn-rate tiers are defined once, beside the checks that warn about them (sla/burn-tiers.ts).
export type { BurnTierId } from '../sla/burn-tiers.js';
/** One multi-window, multi-burn-rate tier, scaled to the SLA window. */
export type BurnTier = BurnTierSpec;

/** Where an objective's good/bad events come from. */
export type Sli =
  /** The collector's request counters (`slactl_requests_total`, `slactl_request_errors_total`). */
  | { kind: 'requests'; service: string }
  /** The collector's end-to-end latency histogram; bad = slower than the threshold. */
  | { kind: 'latency'; service: string; thresholdSeconds: number }
  /** The team's own PromQL; `{{window}}` stands for the range. Both must return one series. */
  | { kind: 'custom-ratio'; errors: string; total: string }
  /** The team's own classic histogram; bad = observations above the `le` bucket at the threshold. */
  | { kind: 'custom-histogram'; metric: string; selector: string; thresholdSeconds: number };

export type ObjectiveId = 'availability' | 'latency-p99' | 'latency-p999';

/** A ratio objective (availability, or a latency percentile as "share of requests within T"). */
export interface RatioObjective {
  /** The `slo` label value. */
  slo: ObjectiveId;
  alertname: 'SLOAvailabilityBurnRateHigh' | 'SLOLatencyBurnRateHigh';
  /** Target share of good events, e.g. 0.999. */
  target: number;
  /** 1 − target, rounded to remove floating-point noise. */
  errorBudget: number;
  sli: Sli;
  /** Tiers that fit the SLA window (tiers whose long window exceeds it are dropped with a warning). */
  tiers: BurnTier[];
  /** Human description: `99.9% of requests succeed`, `99% of requests within 100ms`. */
  description: string;
  runbook: string;
  decisionNode: string;
}

/** A signal the collector measures, which threshold alerts compare against a limit. */
export type Signal =
  /** A component's latency quantile from the component histogram over `windowMs`. */
  | { kind: 'component-quantile'; service: string; component: string; quantile: number; windowMs: number }
  /** Seconds since the newest event time seen for the feature. */
  | { kind: 'feature-age'; service: string; feature: string }
  /** Mean recall@k over `windowMs`, only when at least `minProbes` probes arrived. */
  | { kind: 'recall'; service: string; index: string; k: number; windowMs: number; minProbes: number }
  /** tombstones / vectors of the index. */
  | { kind: 'tombstone-ratio'; service: string; index: string }
  /** Null lookups / all lookups per feature over `windowMs` (one alert series per feature). */
  | { kind: 'null-rate'; service: string; windowMs: number }
  /** PSI between the reference and current distribution, per feature (one alert series per feature). */
  | { kind: 'drift-psi'; service: string }
  /** Seconds to drain the lag at the current net consume rate (+Inf when not draining). */
  | { kind: 'stream-catchup'; service: string; consumerGroup: string }
  /** Lag present while nothing is consumed; the value is the lag in messages. */
  | { kind: 'stream-stalled'; service: string; consumerGroup: string };

/** How an alert's measured value is written for people. */
export type ValueFormat = 'percent' | 'duration' | 'number';

/**
 * Text with placeholders: `{value}` is the measured value (formatted per `valueFormat`) and `{label}`
 * is the value of that alert label, e.g. `{feature}`. Emitters turn these into their own templates.
 */
export type TextTemplate = string;

/** A non-burn-rate alert: a signal compared with a limit for a while. */
export interface ThresholdAlert {
  alertname:
    | 'LatencyComponentOverBudget'
    | 'FeatureStale'
    | 'FeatureFallbackRequired'
    | 'VectorRecallBelowTarget'
    | 'VectorTombstoneRatioHigh'
    | 'FeatureNullRateHigh'
    | 'DistributionDriftHigh'
    | 'StreamCatchUpSlow'
    | 'StreamStalled';
  severity: AlertSeverity;
  signal: Signal;
  op: '>' | '<';
  threshold: number;
  forMs: number;
  /** Subject labels known at compile time (`component`, `feature`, `index`, `consumer_group`). */
  subject: Record<string, string>;
  /** Subject label that comes from the data instead (`feature` for null rate and drift). */
  dynamicSubject?: 'feature';
  valueFormat: ValueFormat;
  summary: TextTemplate;
  description: TextTemplate;
  runbook: string;
  decisionNode: string;
}

/** One row of the latency budget table (the seed's worked example). */
export interface BudgetRow {
  component: string;
  budgetMs: number;
  /** budgetMs / p99Ms. */
  shareOfP99: number;
  cumulativeMs: number;
  /** p99Ms − cumulativeMs: what is left of the target after this component. */
  headroomMs: number;
}

export interface LatencyBudget {
  p99Ms: number;
  rows: BudgetRow[];
  totalMs: number;
  headroomMs: number;
}

/** Everything compiled from one SLA document. */
export interface SlaPlan {
  name: string;
  service: string;
  tier: Tier;
  owner?: string;
  /** metadata.labels, copied onto every alert. */
  labels: Record<string, string>;
  windowMs: number;
  source: { file: string; line: number };
  objectives: RatioObjective[];
  budget?: LatencyBudget;
  thresholds: ThresholdAlert[];
}

/** Settings that shape generated output and are not part of any SLA. */
export interface CompileSettings {
  /** Base URL that runbook ids are appended to (`<base><id>.md` style is up to the base). */
  runbookBaseUrl: string;
  alertmanager: {
    /** The control plane's webhook receiver. */
    webhookUrl: string;
    /** File holding the bearer token, resolved by Alertmanager relative to its config file. */
    tokenFile: string;
  };
}

export const DEFAULT_SETTINGS: CompileSettings = {
  runbookBaseUrl: 'http://127.0.0.1:8080/runbooks/',
  alertmanager: {
    webhookUrl: 'http://127.0.0.1:8080/api/v1/alertmanager',
    tokenFile: 'slactl-webhook.token',
  },
};
