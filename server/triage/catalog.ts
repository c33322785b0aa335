// What a decision-tree condition may name: the alerts slactl compiles and the signals of an SLA's status.
import type { RatioObjective, SlaPlan, ThresholdAlert } from '../compile/ir.js';

/** The name of an alert the compiler can generate. */
export type AlertName = RatioObjective['alertname'] | ThresholdAlert['alertname'];

/** How a value is written for people. */
export type Unit = 'ms' | 'seconds' | 'ratio' | 'burn' | 'number' | 'messages' | 'flag';
export type Op = '>' | '<';

// A record keyed by the union makes the compiler fail here when an alert is added to the IR. The unit
// is that of the alert's value (its rule expression's result).
const ALERTS: Record<AlertName, { unit: Unit }> = {
  SLOLatencyBurnRateHigh: { unit: 'burn' },
  SLOAvailabilityBurnRateHigh: { unit: 'burn' },
  LatencyComponentOverBudget: { unit: 'seconds' },
  FeatureStale: { unit: 'seconds' },
  FeatureFallbackRequired: { unit: 'seconds' },
  StreamStalled: { unit: 'messages' },
  StreamCatchUpSlow: { unit: 'seconds' },
  FeatureNullRateHigh: { unit: 'ratio' },
  DistributionDriftHigh: { unit: 'number' },
  VectorRecallBelowTarget: { unit: 'ratio' },
  VectorTombstoneRatioHigh: { unit: 'ratio' },
};

/** The unit of an alert's value. */
export function alertUnit(name: AlertName): Unit {
  return ALERTS[name].unit;
}

/** Every alert name the compiler can generate, sorted. */
export const ALERT_NAMES: readonly AlertName[] = (Object.keys(ALERTS) as AlertName[]).sort();

export type SignalName =
  | 'latency_burn_rate'
  | 'availability_burn_rate'
  | 'component_p99_ms'
  | 'feature_age_seconds'
  | 'recall'
  | 'tombstone_ratio'
  | 'null_rate'
  | 'drift_psi'
  | 'stream_lag'
  | 'stream_catch_up_seconds'
  | 'stream_stalled';

/** A signal read from an SLA's status (server/evaluate/types.ts SlaStatus). */
export interface SignalSpec {
  description: string;
  unit: Unit;
  /** The comparison used when a condition gives no `op`. */
  op: Op;
  /** The label that tells the signal's series apart (`component`, `feature`, …). */
  subject: string;
  /** Where the threshold comes from when a condition gives none; absent: the condition must give one. */
  limit?: string;
}

export const SIGNALS: Record<SignalName, SignalSpec> = {
  latency_burn_rate: {
    description: 'error-budget burn rate over the last hour of each latency objective (1 = on pace)',
    unit: 'burn',
    op: '>',
    subject: 'slo',
  },
  availability_burn_rate: {
    description: 'error-budget burn rate over the last hour of the availability objective (1 = on pace)',
    unit: 'burn',
    op: '>',
    subject: 'slo',
  },
  component_p99_ms: {
    description: 'P99 latency of each serving-path component over the last 5 minutes',
    unit: 'ms',
    op: '>',
    subject: 'component',
    limit: "the component's budget (spec.latency.budget)",
  },
  feature_age_seconds: {
    description: 'age of the newest value of each feature',
    unit: 'seconds',
    op: '>',
    subject: 'feature',
    limit: "the feature's maxAge (spec.freshness)",
  },
  recall: {
    description: 'mean recall@k of each vector index (judged only with at least minProbes probes)',
    unit: 'ratio',
    op: '<',
    subject: 'index',
    limit: "the index's min recall (spec.recall)",
  },
  tombstone_ratio: {
    description: 'share of tombstoned vectors in each index',
    unit: 'ratio',
    op: '>',
    subject: 'index',
    limit: "the index's maxTombstoneRatio (spec.recall)",
  },
  null_rate: {
    description: 'share of lookups of each feature that returned null over the last 10 minutes',
    unit: 'ratio',
    op: '>',
    subject: 'feature',
    limit: 'spec.signals.nullRate.max',
  },
  drift_psi: {
    description: 'population stability index of each feature against its reference distribution',
    unit: 'number',
    op: '>',
    subject: 'feature',
    limit: 'spec.signals.drift.psi',
  },
  stream_lag: {
    description: 'messages each consumer group is behind',
    unit: 'messages',
    op: '>',
    subject: 'consumer_group',
  },
  stream_catch_up_seconds: {
    description: 'seconds each consumer group needs to drain its lag at the current net rate',
    unit: 'seconds',
    op: '>',
    subject: 'consumer_group',
    limit: "the group's maxCatchUp (spec.signals.streamLag)",
  },
  stream_stalled: {
    description: '1 when a consumer group has lag and consumes nothing, else 0',
    unit: 'flag',
    op: '>',
    subject: 'consumer_group',
    limit: '0 (any stall)',
  },
};

/** Every signal name, in catalog order. */
export const SIGNAL_NAMES = Object.keys(SIGNALS) as SignalName[];

/** True when `name` is a signal of the catalog. */
export function isSignalName(name: string): name is SignalName {
  return Object.prototype.hasOwnProperty.call(SIGNALS, name);
}

/** True when `name` is an alert the compiler can generate. */
export function isAlertName(name: string): name is AlertName {
  return Object.prototype.hasOwnProperty.call(ALERTS, name);
}

/** The alert names the given plans compile, sorted: what checkTree is given for a deployment. */
export function planAlertNames(plans: readonly SlaPlan[]): string[] {
  const names = new Set<string>();
  for (const plan of plans) {
    for (const o of plan.objectives) names.add(o.alertname);
    for (const t of plan.thresholds) names.add(t.alertname);
  }
  return [...names].sort();
}
