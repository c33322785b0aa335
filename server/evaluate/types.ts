// What the embedded evaluator reports: active alerts (shaped after Prometheus' alerts API), the
// transitions of one cycle, and the status of every SLA for the dashboard.
// Alert states follow Prometheus: https://prometheus.io/docs/prometheus/latest/querying/api/#alerts

import type { Tier } from '../compile/ir.js';

export type AlertState = 'pending' | 'firing';

/** One active alert: a rule's condition holding for one label set. */
export interface AlertInstance {
  alertname: string;
  /** Every label of the alert, `alertname` included, sorted by name. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  /** Time of the first evaluation that found the condition true (ms since the epoch). */
  activeAt: number;
  /** Time of the evaluation that moved the alert to firing. */
  firedAt?: number;
  /** The value of the rule's expression at the last evaluation. */
  value: number;
  sla: string;
  /** Stable hex hash of the label set (the same labels give the same fingerprint across restarts). */
  fingerprint: string;
}

/** A change of one alert's state during one evaluation. */
export interface Transition {
  at: number;
  alertname: string;
  labels: Record<string, string>;
  from: 'inactive' | 'pending' | 'firing';
  /** `resolved` ends a firing alert; `inactive` ends a pending one that never fired. */
  to: 'pending' | 'firing' | 'resolved' | 'inactive';
  value?: number;
  sla: string;
  fingerprint: string;
}

export type Health = 'ok' | 'warning' | 'critical' | 'no_data';
export type DimensionHealth = Health | 'not_configured';
/** The SLA surface of a real-time AI system: the seed's four dimensions. */
export type Dimension = 'latency' | 'availability' | 'freshness' | 'recall';

export interface ObjectiveStatus {
  slo: string;
  target: number;
  dimension: 'availability' | 'latency';
  /** `prometheus` for custom PromQL SLIs, which slactl's store cannot answer. */
  evaluatedBy: 'slactl' | 'prometheus';
  /** Share of good events over the SLA window (absent without traffic in the window). */
  sli?: number;
  /** 1 − error ratio / error budget over the SLA window; negative when overspent. */
  errorBudgetRemaining?: number;
  /** Error ratio over the last hour divided by the error budget (1 = spending exactly on pace). */
  burnRate?: number;
  description: string;
}

export interface ComponentStatus {
  component: string;
  budgetMs: number;
  /** P99 over the component alert's window (5m), absent without traffic. */
  p99Ms?: number;
  overBudget: boolean;
}

export interface FreshnessStatus {
  feature: string;
  ageSeconds?: number;
  maxAgeSeconds: number;
  /** Absent when the SLA declares no `fallbackAfter` for the feature. */
  fallbackAfterSeconds?: number;
}

export interface RecallStatus {
  index: string;
  k: number;
  /** Mean recall@k over the recall window, absent when no probe arrived. */
  recall?: number;
  /** Probes in the recall window; the alert judges recall only with at least `minProbes`. */
  probes: number;
  minProbes: number;
  min: number;
  tombstoneRatio?: number;
  maxTombstoneRatio?: number;
}

export interface StreamStatus {
  consumerGroup: string;
  /** Absent until the group reported. */
  lag?: number;
  /** Infinity (null in JSON) when the lag is not draining. */
  catchUpSeconds?: number;
  stalled?: boolean;
  maxCatchUpSeconds: number;
}

export interface SlaStatus {
  name: string;
  service: string;
  tier: Tier;
  owner?: string;
  windowMs: number;
  status: Health;
  evaluatedAt: number;
  objectives: ObjectiveStatus[];
  components: ComponentStatus[];
  freshness: FreshnessStatus[];
  recall: RecallStatus[];
  signals: {
    nullRate?: Array<{ feature: string; rate: number }>;
    drift?: Array<{ feature: string; psi: number; js: number }>;
    streams?: StreamStatus[];
  };
  dimensions: Record<Dimension, DimensionHealth>;
  alerts: { firing: number; pending: number };
  /** Why the last evaluation of this SLA failed; its alerts keep their previous state meanwhile. */
  error?: string;
}

export interface EvaluationError {
  sla: string;
  message: string;
}

/** The outcome of one evaluation cycle. */
export interface Evaluation {
  at: number;
  /** Wall time the cycle took, for the evaluator's own metrics. */
  durationMs: number;
  transitions: Transition[];
  alerts: AlertInstance[];
  statuses: SlaStatus[];
  errors: EvaluationError[];
}
