// Builds the plan (IR) of one validated SLA: its ratio objectives with burn-rate tiers, its threshold
// alerts, and its latency budget table.
import { formatDuration, formatNumber, formatPercent, roundRatio } from '../lib/units.js';
import { burnTiers } from '../sla/burn-tiers.js';
import type { LoadedSla } from '../sla/load.js';
import type { SlaDocument } from '../sla/schema.js';
import { DEFAULT_WINDOW_MS } from '../sla/semantic.js';
import { componentFailureMode, FAILURE_MODES } from './failure-modes.js';
import type { LatencyBudget, RatioObjective, Sli, SlaPlan, ThresholdAlert } from './ir.js';

const MINUTE = 60_000;

/** Evaluation windows and hold times of the threshold alerts (documented in docs/sla-spec.md). */
export const THRESHOLD_TIMING = {
  componentWindowMs: 5 * MINUTE,
  componentForMs: 10 * MINUTE,
  staleForMs: 2 * MINUTE,
  fallbackForMs: MINUTE,
  recallWindowMs: 10 * MINUTE,
  recallForMs: 5 * MINUTE,
  defaultMinProbes: 20,
  tombstoneForMs: 15 * MINUTE,
  nullRateWindowMs: 10 * MINUTE,
  nullRateForMs: 5 * MINUTE,
  driftForMs: 15 * MINUTE,
  catchUpForMs: 5 * MINUTE,
  stalledForMs: 5 * MINUTE,
} as const;

const seconds = (ms: number): number => ms / 1000;

/** Builds the latency budget table: each component's share of the p99, running total and headroom. */
export function latencyBudget(p99Ms: number, budget: Record<string, number>): LatencyBudget {
  let cumulativeMs = 0;
  const rows = Object.entries(budget).map(([component, budgetMs]) => {
    cumulativeMs += budgetMs;
    return {
      component,
      budgetMs,
      shareOfP99: roundRatio(budgetMs / p99Ms),
      cumulativeMs,
      headroomMs: p99Ms - cumulativeMs,
    };
  });
  return { p99Ms, rows, totalMs: cumulativeMs, headroomMs: p99Ms - cumulativeMs };
}

function objectives(doc: SlaDocument, windowMs: number): RatioObjective[] {
  const { tiers } = burnTiers(windowMs);
  const service = doc.metadata.service;
  const out: RatioObjective[] = [];
  const availability = doc.spec.availability;
  if (availability) {
    const sli: Sli = availability.sli
      ? { kind: 'custom-ratio', errors: availability.sli.errors, total: availability.sli.total }
      : { kind: 'requests', service };
    out.push({
      slo: 'availability',
      alertname: 'SLOAvailabilityBurnRateHigh',
      target: availability.objective,
      errorBudget: roundRatio(1 - availability.objective),
      sli,
      tiers,
      description: `${formatPercent(availability.objective)} of requests succeed`,
      ...FAILURE_MODES.availability,
    });
  }
  const latency = doc.spec.latency;
  if (latency) {
    const percentiles: Array<{
      slo: 'latency-p99' | 'latency-p999';
      target: number;
      ms: number | undefined;
    }> = [
      { slo: 'latency-p99', target: 0.99, ms: latency.p99 },
      { slo: 'latency-p999', target: 0.999, ms: latency.p999 },
    ];
    for (const { slo, target, ms } of percentiles) {
      if (ms === undefined) continue;
      const thresholdSeconds = seconds(ms);
      const sli: Sli = latency.sli
        ? {
            kind: 'custom-histogram',
            metric: latency.sli.histogram,
            selector: latency.sli.selector ?? '',
            thresholdSeconds,
          }
        : { kind: 'latency', service, thresholdSeconds };
      out.push({
        slo,
        alertname: 'SLOLatencyBurnRateHigh',
        target,
        errorBudget: roundRatio(1 - target),
        sli,
        tiers,
        description: `${formatPercent(target)} of requests complete within ${formatDuration(ms)}`,
        ...FAILURE_MODES.latency,
      });
    }
  }
  return out;
}

function thresholds(doc: SlaDocument): ThresholdAlert[] {
  const service = doc.metadata.service;
  const t = THRESHOLD_TIMING;
  const out: ThresholdAlert[] = [];
  const latency = doc.spec.latency;
  if (latency?.budget) {
    for (const [component, budgetMs] of Object.entries(latency.budget)) {
      out.push({
        alertname: 'LatencyComponentOverBudget',
        severity: 'warning',
        signal: {
          kind: 'component-quantile',
          service,
          component,
          quantile: 0.99,
          windowMs: t.componentWindowMs,
        },
        op: '>',
        threshold: seconds(budgetMs),
        forMs: t.componentForMs,
        subject: { component },
        valueFormat: 'duration',
        summary: `{component} P99 latency of {service} is over its ${formatDuration(budgetMs)} budget`,
        description: `The P99 latency of {component} in {service} is {value} over the last ${formatDuration(t.componentWindowMs)}, over its budget of ${formatDuration(budgetMs)} (${formatPercent(roundRatio(budgetMs / latency.p99))} of the ${formatDuration(latency.p99)} P99 target).`,
        ...componentFailureMode(component),
      });
    }
  }
  for (const entry of doc.spec.freshness ?? []) {
    const feature = entry.feature;
    out.push({
      alertname: 'FeatureStale',
      severity: 'warning',
      signal: { kind: 'feature-age', service, feature },
      op: '>',
      threshold: seconds(entry.maxAge),
      forMs: t.staleForMs,
      subject: { feature },
      valueFormat: 'duration',
      summary: `Feature {feature} of {service} is stale`,
      description: `The newest value of feature {feature} is {value} old, older than its ${formatDuration(entry.maxAge)} freshness target.`,
      ...FAILURE_MODES.stale,
    });
    if (entry.fallbackAfter !== undefined) {
      out.push({
        alertname: 'FeatureFallbackRequired',
        severity: 'critical',
        signal: { kind: 'feature-age', service, feature },
        op: '>',
        threshold: seconds(entry.fallbackAfter),
        forMs: t.fallbackForMs,
        subject: { feature },
        valueFormat: 'duration',
        summary: `Feature {feature} of {service} is too stale to serve: use the fallback`,
        description: `The newest value of feature {feature} is {value} old, past the ${formatDuration(entry.fallbackAfter)} fallback limit: serve from cache, then defaults, then degrade.`,
        ...FAILURE_MODES.stale,
      });
    }
  }
  for (const entry of doc.spec.recall ?? []) {
    const subject = { index: entry.index };
    const minProbes = entry.minProbes ?? t.defaultMinProbes;
    out.push({
      alertname: 'VectorRecallBelowTarget',
      severity: 'critical',
      signal: {
        kind: 'recall',
        service,
        index: entry.index,
        k: entry.k,
        windowMs: t.recallWindowMs,
        minProbes,
      },
      op: '<',
      threshold: entry.min,
      forMs: t.recallForMs,
      subject,
      valueFormat: 'percent',
      summary: `Recall@${entry.k} of index {index} is below ${formatPercent(entry.min)}`,
      description: `Recall@${entry.k} of vector index {index} is {value} over the last ${formatDuration(t.recallWindowMs)} (at least ${minProbes} probes), below the ${formatPercent(entry.min)} floor.`,
      ...FAILURE_MODES.recall,
    });
    if (entry.maxTombstoneRatio !== undefined) {
      out.push({
        alertname: 'VectorTombstoneRatioHigh',
        severity: 'warning',
        signal: { kind: 'tombstone-ratio', service, index: entry.index },
        op: '>',
        threshold: entry.maxTombstoneRatio,
        forMs: t.tombstoneForMs,
        subject,
        valueFormat: 'percent',
        summary: `Index {index} is {value} tombstones`,
        description: `{value} of the vectors in index {index} are tombstones, above ${formatPercent(entry.maxTombstoneRatio)}: latency rises before recall drops; compact the index.`,
        ...FAILURE_MODES.tombstones,
      });
    }
  }
  const signals = doc.spec.signals;
  if (signals?.nullRate) {
    out.push({
      alertname: 'FeatureNullRateHigh',
      severity: 'warning',
      signal: { kind: 'null-rate', service, windowMs: t.nullRateWindowMs },
      op: '>',
      threshold: signals.nullRate.max,
      forMs: t.nullRateForMs,
      subject: {},
      dynamicSubject: 'feature',
      valueFormat: 'percent',
      summary: `Null rate of feature {feature} in {service} is high`,
      description: `{value} of lookups of feature {feature} returned null over the last ${formatDuration(t.nullRateWindowMs)}, above ${formatPercent(signals.nullRate.max)}: a schema change, a failed pipeline or a cold-start spike.`,
      ...FAILURE_MODES.nullRate,
    });
  }
  if (signals?.drift) {
    out.push({
      alertname: 'DistributionDriftHigh',
      severity: 'warning',
      signal: { kind: 'drift-psi', service },
      op: '>',
      threshold: signals.drift.psi,
      forMs: t.driftForMs,
      subject: {},
      dynamicSubject: 'feature',
      valueFormat: 'number',
      summary: `Distribution of {feature} in {service} has drifted`,
      description: `The PSI of {feature} against its reference distribution is {value}, above ${formatNumber(signals.drift.psi)}.`,
      ...FAILURE_MODES.drift,
    });
  }
  for (const entry of signals?.streamLag ?? []) {
    const consumerGroup = entry.consumerGroup;
    const subject = { consumer_group: consumerGroup };
    out.push({
      alertname: 'StreamCatchUpSlow',
      severity: 'warning',
      signal: { kind: 'stream-catchup', service, consumerGroup },
      op: '>',
      threshold: seconds(entry.maxCatchUp),
      forMs: t.catchUpForMs,
      subject,
      valueFormat: 'duration',
      summary: `Consumer group {consumer_group} needs {value} to catch up`,
      description: `At its current net consume rate consumer group {consumer_group} needs {value} to drain its lag, longer than ${formatDuration(entry.maxCatchUp)}: features it computes grow stale.`,
      ...FAILURE_MODES.streamLag,
    });
    out.push({
      alertname: 'StreamStalled',
      severity: 'critical',
      signal: { kind: 'stream-stalled', service, consumerGroup },
      op: '>',
      threshold: 0,
      forMs: t.stalledForMs,
      subject,
      valueFormat: 'number',
      summary: `Consumer group {consumer_group} is stalled`,
      description: `Consumer group {consumer_group} has {value} messages of lag and consumes nothing.`,
      ...FAILURE_MODES.pipeline,
    });
  }
  return out;
}

/** Compiles one validated SLA document into its plan. */
export function buildPlan(loaded: LoadedSla): SlaPlan {
  const { doc } = loaded;
  const windowMs = doc.spec.window ?? DEFAULT_WINDOW_MS;
  const latency = doc.spec.latency;
  return {
    name: doc.metadata.name,
    service: doc.metadata.service,
    tier: doc.metadata.tier,
    ...(doc.metadata.owner !== undefined ? { owner: doc.metadata.owner } : {}),
    labels: { ...(doc.metadata.labels ?? {}) },
    windowMs,
    source: { file: loaded.file, line: loaded.line },
    objectives: objectives(doc, windowMs),
    ...(latency?.budget ? { budget: latencyBudget(latency.p99, latency.budget) } : {}),
    thresholds: thresholds(doc),
  };
}
