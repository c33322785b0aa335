// The status of one SLA from Prometheus' answers: the same fields server/evaluate/status.ts measures
// over slactl's store, read from the recorded error ratios and the batched signal queries. Custom PromQL
// SLIs get values here (Prometheus evaluates them). Health per dimension comes from finishStatus, with
// Prometheus' active alerts mapped to the rules they belong to.
import type { SlaPlan, Signal, ThresholdAlert } from '../compile/ir.js';
import type { PreparedRule } from '../evaluate/rules.js';
import type { MeasuredStatus } from '../evaluate/status.js';
import type {
  ComponentStatus,
  Dimension,
  FreshnessStatus,
  ObjectiveStatus,
  RecallStatus,
  SlaStatus,
  StreamStatus,
} from '../evaluate/types.js';
import { budgetRemaining, burnRate } from '../signals/burn.js';
import type { Readings } from './readings.js';

const HOUR = 3_600_000;

function compare(value: number, op: '>' | '<', limit: number): boolean {
  return op === '>' ? value > limit : value < limit;
}

function thresholdOf(
  rules: readonly PreparedRule[],
  find: (a: ThresholdAlert) => boolean,
): PreparedRule | undefined {
  return rules.find((r) => r.spec.source.kind === 'threshold' && find(r.spec.source.alert));
}

/** Whether a signal's answers give its alert something to judge (the guard holds for a sample). */
function judged(signal: Signal, r: Readings): boolean {
  switch (signal.kind) {
    case 'component-quantile':
      return r.componentQuantile(signal) !== undefined;
    case 'feature-age':
      return r.featureAge(signal.service, signal.feature) !== undefined;
    case 'recall': {
      const { hits, expected, probes } = r.recall(signal);
      return (
        hits !== undefined && expected !== undefined && expected > 0 && (probes ?? 0) >= signal.minProbes
      );
    }
    case 'tombstone-ratio':
      return r.tombstoneRatio(signal.service, signal.index) !== undefined;
    case 'null-rate':
      return r.nullRates(signal).length > 0;
    case 'drift-psi':
      return r.drift(signal.service).length > 0;
    case 'stream-catchup':
      return r.stream(signal.service, signal.consumerGroup)?.catchUpSeconds !== undefined;
    case 'stream-stalled':
      return r.stream(signal.service, signal.consumerGroup) !== undefined;
  }
}

function objectives(plan: SlaPlan, r: Readings): ObjectiveStatus[] {
  return plan.objectives.map((objective) => {
    const custom = objective.sli.kind === 'custom-ratio' || objective.sli.kind === 'custom-histogram';
    const out: ObjectiveStatus = {
      slo: objective.slo,
      target: objective.target,
      dimension: objective.slo === 'availability' ? 'availability' : 'latency',
      evaluatedBy: custom ? 'prometheus' : 'slactl',
      description: objective.description,
    };
    const ratio = r.errorRatio(plan.name, objective.slo, plan.windowMs);
    if (ratio !== undefined) {
      out.sli = 1 - ratio;
      out.errorBudgetRemaining = budgetRemaining(ratio, objective.errorBudget);
    }
    const hour = r.errorRatio(plan.name, objective.slo, HOUR);
    if (hour !== undefined) out.burnRate = burnRate(hour, objective.errorBudget);
    return out;
  });
}

function components(plan: SlaPlan, rules: readonly PreparedRule[], r: Readings): ComponentStatus[] {
  return (plan.budget?.rows ?? []).map((row) => {
    const out: ComponentStatus = { component: row.component, budgetMs: row.budgetMs, overBudget: false };
    const rule = thresholdOf(
      rules,
      (a) => a.signal.kind === 'component-quantile' && a.signal.component === row.component,
    );
    if (
      rule === undefined ||
      rule.reads.kind !== 'threshold' ||
      rule.reads.signal.kind !== 'component-quantile'
    )
      return out;
    const value = r.componentQuantile(rule.reads.signal);
    if (value === undefined) return out;
    if (Number.isFinite(value)) out.p99Ms = value * 1000;
    // The rule's condition at this instant, as the embedded evaluator reports it.
    out.overBudget = compare(value, rule.reads.op, rule.limit);
    return out;
  });
}

function freshness(rules: readonly PreparedRule[], r: Readings): FreshnessStatus[] {
  const out: FreshnessStatus[] = [];
  for (const rule of rules) {
    if (rule.spec.source.kind !== 'threshold') continue;
    const { alert } = rule.spec.source;
    if (alert.alertname !== 'FeatureStale' || alert.signal.kind !== 'feature-age') continue;
    const { service, feature } = alert.signal;
    const entry: FreshnessStatus = { feature, maxAgeSeconds: alert.threshold };
    const age = r.featureAge(service, feature);
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

function recall(rules: readonly PreparedRule[], r: Readings): RecallStatus[] {
  const out: RecallStatus[] = [];
  for (const rule of rules) {
    if (rule.spec.source.kind !== 'threshold') continue;
    const { alert } = rule.spec.source;
    if (alert.signal.kind !== 'recall') continue;
    const signal = alert.signal;
    const counts = r.recall(signal);
    const entry: RecallStatus = {
      index: signal.index,
      k: signal.k,
      probes: counts.probes ?? 0,
      minProbes: signal.minProbes,
      min: alert.threshold,
    };
    if (counts.hits !== undefined && counts.expected !== undefined && counts.expected > 0)
      entry.recall = counts.hits / counts.expected;
    const tombstones = thresholdOf(
      rules,
      (a) => a.signal.kind === 'tombstone-ratio' && a.signal.index === signal.index,
    );
    if (tombstones?.spec.source.kind === 'threshold') {
      entry.maxTombstoneRatio = tombstones.spec.source.alert.threshold;
      const ratio = r.tombstoneRatio(signal.service, signal.index);
      if (ratio !== undefined) entry.tombstoneRatio = ratio;
    }
    out.push(entry);
  }
  return out;
}

function signals(rules: readonly PreparedRule[], r: Readings): SlaStatus['signals'] {
  const out: SlaStatus['signals'] = {};
  for (const rule of rules) {
    if (rule.spec.source.kind !== 'threshold') continue;
    const { alert } = rule.spec.source;
    const signal = alert.signal;
    switch (signal.kind) {
      case 'null-rate':
        out.nullRate = r.nullRates(signal).map((n) => ({ feature: n.feature, rate: n.rate }));
        break;
      case 'drift-psi':
        out.drift = r.drift(signal.service);
        break;
      case 'stream-catchup': {
        const entry: StreamStatus = {
          consumerGroup: signal.consumerGroup,
          maxCatchUpSeconds: alert.threshold,
        };
        const state = r.stream(signal.service, signal.consumerGroup);
        if (state !== undefined) {
          entry.lag = state.lag;
          if (state.catchUpSeconds !== undefined) entry.catchUpSeconds = state.catchUpSeconds;
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

/** Measures an SLA's status from one cycle's answers (health is added by finishStatus). */
export function measureFromPrometheus(
  plan: SlaPlan,
  rules: readonly PreparedRule[],
  r: Readings,
  at: number,
): MeasuredStatus {
  const withData = new Set<Dimension>();
  for (const rule of rules) {
    if (withData.has(rule.dimension)) continue;
    const { source } = rule.spec;
    const hasData =
      source.kind === 'burn'
        ? r.errorRatio(plan.name, source.objective.slo, plan.windowMs) !== undefined
        : judged(source.alert.signal, r);
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
      objectives: objectives(plan, r),
      components: components(plan, rules, r),
      freshness: freshness(rules, r),
      recall: recall(rules, r),
      signals: signals(rules, r),
    },
    withData,
  };
}
