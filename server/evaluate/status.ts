// The status of one SLA for the dashboard, from the same measurements the alert rules read: SLI,
// budget and burn per objective, P99 per component against its budget, freshness, recall and the
// pipeline signals, and a health per dimension from the firing alerts.
import type { SlaPlan, Signal, ThresholdAlert } from '../compile/ir.js';
import { budgetRemaining, burnRate } from '../signals/burn.js';
import type { Measurements, Reading } from './measure.js';
import type { PreparedRule, RuleSample } from './rules.js';
import type {
  AlertState,
  ComponentStatus,
  Dimension,
  DimensionHealth,
  FreshnessStatus,
  Health,
  ObjectiveStatus,
  RecallStatus,
  SlaStatus,
  StreamStatus,
} from './types.js';

const HOUR = 3_600_000;
const DIMENSIONS: readonly Dimension[] = ['latency', 'availability', 'freshness', 'recall'];

/** What one cycle measured for an SLA, before the alert states are known. */
export interface MeasuredStatus {
  status: Omit<SlaStatus, 'status' | 'dimensions' | 'alerts'>;
  /** Dimensions with at least one rule that had data to judge. */
  withData: Set<Dimension>;
}

/** Whether a signal's readings give its alert something to judge. */
function judged(signal: Signal, readings: readonly Reading[]): boolean {
  // A healthy stream's stalled guard is false (it consumes), yet its lag was measured.
  if (signal.kind === 'stream-stalled') return readings.length > 0;
  return readings.some((r) => r.guard);
}

function thresholdOf(
  rules: readonly PreparedRule[],
  find: (a: ThresholdAlert) => boolean,
): PreparedRule | undefined {
  return rules.find((r) => r.spec.source.kind === 'threshold' && find(r.spec.source.alert));
}

function objectives(plan: SlaPlan, m: Measurements): ObjectiveStatus[] {
  return plan.objectives.map((objective) => {
    const custom = objective.sli.kind === 'custom-ratio' || objective.sli.kind === 'custom-histogram';
    const out: ObjectiveStatus = {
      slo: objective.slo,
      target: objective.target,
      dimension: objective.slo === 'availability' ? 'availability' : 'latency',
      evaluatedBy: custom ? 'prometheus' : 'slactl',
      description: objective.description,
    };
    if (custom) return out;
    const ratio = m.errorRatio(objective.sli, plan.windowMs);
    if (ratio !== undefined) {
      out.sli = 1 - ratio;
      out.errorBudgetRemaining = budgetRemaining(ratio, objective.errorBudget);
    }
    const hour = m.errorRatio(objective.sli, HOUR);
    if (hour !== undefined) out.burnRate = burnRate(hour, objective.errorBudget);
    return out;
  });
}

function components(
  plan: SlaPlan,
  rules: readonly PreparedRule[],
  samples: readonly RuleSample[][],
  m: Measurements,
): ComponentStatus[] {
  return (plan.budget?.rows ?? []).map((row) => {
    const out: ComponentStatus = { component: row.component, budgetMs: row.budgetMs, overBudget: false };
    const rule = thresholdOf(
      rules,
      (a) => a.signal.kind === 'component-quantile' && a.signal.component === row.component,
    );
    if (rule === undefined || rule.spec.source.kind !== 'threshold') return out;
    const reading = m.readings(rule.spec.source.alert.signal)[0];
    if (reading !== undefined && reading.guard && Number.isFinite(reading.value))
      out.p99Ms = reading.value * 1000;
    out.overBudget = (samples[rule.index] ?? []).length > 0;
    return out;
  });
}

function freshness(rules: readonly PreparedRule[], m: Measurements): FreshnessStatus[] {
  const out: FreshnessStatus[] = [];
  for (const rule of rules) {
    if (rule.spec.source.kind !== 'threshold') continue;
    const { alert } = rule.spec.source;
    if (alert.alertname !== 'FeatureStale' || alert.signal.kind !== 'feature-age') continue;
    const { service, feature } = alert.signal;
    const entry: FreshnessStatus = { feature, maxAgeSeconds: alert.threshold };
    const age = m.featureAge(service, feature);
    if (age !== undefined) entry.ageSeconds = age;
    const fallback = thresholdOf(
      rules,
      (a) =>
        a.alertname === 'FeatureFallbackRequired' &&
        a.signal.kind === 'feature-age' &&
        a.signal.feature === feature,
    );
    if (fallback?.spec.source.kind === 'threshold')
      entry.fallbackAfterSeconds = fallback.spec.source.alert.threshold;
    out.push(entry);
  }
  return out;
}

function recall(rules: readonly PreparedRule[], m: Measurements): RecallStatus[] {
  const out: RecallStatus[] = [];
  for (const rule of rules) {
    if (rule.spec.source.kind !== 'threshold') continue;
    const { alert } = rule.spec.source;
    if (alert.signal.kind !== 'recall') continue;
    const signal = alert.signal;
    const counts = m.recallCounts(signal);
    const entry: RecallStatus = {
      index: signal.index,
      k: signal.k,
      probes: counts.probes ?? 0,
      minProbes: signal.minProbes,
      min: alert.threshold,
    };
    if (counts.hits !== undefined && counts.expected !== undefined && counts.expected > 0) {
      entry.recall = counts.hits / counts.expected;
    }
    const tombstones = thresholdOf(
      rules,
      (a) => a.signal.kind === 'tombstone-ratio' && a.signal.index === signal.index,
    );
    if (tombstones?.spec.source.kind === 'threshold') {
      const tombstoneAlert = tombstones.spec.source.alert;
      entry.maxTombstoneRatio = tombstoneAlert.threshold;
      const reading = m.readings(tombstoneAlert.signal)[0];
      if (reading !== undefined) entry.tombstoneRatio = reading.value;
    }
    out.push(entry);
  }
  return out;
}

function signals(rules: readonly PreparedRule[], m: Measurements): SlaStatus['signals'] {
  const out: SlaStatus['signals'] = {};
  for (const rule of rules) {
    if (rule.spec.source.kind !== 'threshold') continue;
    const { alert } = rule.spec.source;
    const signal = alert.signal;
    switch (signal.kind) {
      case 'null-rate':
        out.nullRate = m.readings(signal).map((r) => ({ feature: r.labels.feature ?? '', rate: r.value }));
        break;
      case 'drift-psi':
        out.drift = m
          .drift(signal.service)
          .map((d) => ({ feature: d.feature, psi: d.psi, js: d.js }))
          .sort((a, b) => a.feature.localeCompare(b.feature));
        break;
      case 'stream-catchup': {
        const entry: StreamStatus = {
          consumerGroup: signal.consumerGroup,
          maxCatchUpSeconds: alert.threshold,
        };
        const state = m.stream(signal.service, signal.consumerGroup);
        if (state !== undefined) {
          entry.lag = state.lag;
          entry.catchUpSeconds = state.catchUpSeconds;
          entry.stalled = state.stalled;
        }
        (out.streams ??= []).push(entry);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Measures an SLA's status at the cycle's time; `samples[i]` is the result vector of `rules[i]`. */
export function measureStatus(
  plan: SlaPlan,
  rules: readonly PreparedRule[],
  samples: readonly RuleSample[][],
  m: Measurements,
  at: number,
): MeasuredStatus {
  const withData = new Set<Dimension>();
  for (const rule of rules) {
    if (rule.evaluatedBy !== 'slactl' || withData.has(rule.dimension)) continue;
    const { source } = rule.spec;
    const hasData =
      source.kind === 'burn'
        ? m.errorRatio(source.objective.sli, plan.windowMs) !== undefined
        : judged(source.alert.signal, m.readings(source.alert.signal));
    if (hasData) withData.add(rule.dimension);
  }
  return {
    status: {
      name: plan.name,
      service: plan.service,
      tier: plan.tier,
      ...(plan.owner !== undefined ? { owner: plan.owner } : {}),
      windowMs: plan.windowMs,
      evaluatedAt: at,
      objectives: objectives(plan, m),
      components: components(plan, rules, samples, m),
      freshness: freshness(rules, m),
      recall: recall(rules, m),
      signals: signals(rules, m),
    },
    withData,
  };
}

function worst(severities: Iterable<string>): 'critical' | 'warning' | undefined {
  let out: 'critical' | 'warning' | undefined;
  for (const severity of severities) {
    if (severity === 'critical') return 'critical';
    if (severity === 'warning') out = 'warning';
  }
  return out;
}

/** The dimensions an SLA has rules for (the rest are `not_configured`). */
export function configuredDimensions(rules: readonly PreparedRule[]): Set<Dimension> {
  return new Set(rules.map((r) => r.dimension));
}

/** Completes a measured status with the alert states: health per dimension and overall. */
export function finishStatus(
  measured: MeasuredStatus,
  rules: readonly PreparedRule[],
  configured: ReadonlySet<Dimension>,
  active: ReadonlyArray<{ ruleIndex: number; state: AlertState }>,
): SlaStatus {
  const firingSeverities = new Map<Dimension, string[]>();
  let firing = 0;
  let pending = 0;
  for (const alert of active) {
    if (alert.state === 'pending') {
      pending++;
      continue;
    }
    firing++;
    const rule = rules[alert.ruleIndex];
    if (rule === undefined) continue;
    const list = firingSeverities.get(rule.dimension) ?? [];
    list.push(rule.spec.labels.severity ?? '');
    firingSeverities.set(rule.dimension, list);
  }
  const dimensions = {} as Record<Dimension, DimensionHealth>;
  let overall: 'critical' | 'warning' | undefined;
  for (const dimension of DIMENSIONS) {
    const severity = worst(firingSeverities.get(dimension) ?? []);
    if (severity === 'critical' || (severity === 'warning' && overall === undefined)) overall = severity;
    dimensions[dimension] = !configured.has(dimension)
      ? 'not_configured'
      : (severity ?? (measured.withData.has(dimension) ? 'ok' : 'no_data'));
  }
  const status: Health = overall ?? (measured.withData.size > 0 ? 'ok' : 'no_data');
  return { ...measured.status, status, dimensions, alerts: { firing, pending } };
}
