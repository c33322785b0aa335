// The demo's fault kinds: what each does to the simulated signals (the failure patterns of the seed's
// incident tree), which SLAs it applies to, and which alerts it should fire there.
import { ApiError } from '../http/errors.js';
import { Rng } from './random.js';
import {
  HEALTHY_SHARE_OF_BUDGET,
  LATENCY_SIGMA,
  ONLINE_STORE_COMPONENT,
  VECTOR_SEARCH_COMPONENT,
  Z_P99,
  hasComponent,
  modelComponent,
  type CollectorObjective,
  type ServiceModel,
} from './service-model.js';

export const FAULT_KINDS = [
  'index_degradation',
  'tombstone_buildup',
  'pipeline_stall',
  'schema_change_nulls',
  'feature_drift',
  'model_slowdown',
  'online_store_slowdown',
  'error_spike',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  index_degradation:
    'The vector index degrades: recall@k drops to about 80% and vector search takes 1.5 times as long (the seed: "the index does not go down, it degrades").',
  tombstone_buildup:
    'Deletes accumulate without compaction: the tombstone ratio climbs 2.5 points a minute past the SLA limit and vector search slows a little.',
  pipeline_stall:
    'The feature pipeline stops consuming: feature event times stop advancing and every consumer group stalls while its lag grows.',
  schema_change_nulls: 'An upstream schema change: one feature returns null for about 30% of lookups.',
  feature_drift:
    'The input distribution shifts: the mean of a feature moves by 1.5 standard deviations, and predictions follow.',
  model_slowdown: 'The model (model_inference, or llm_generation in a RAG path) takes three times as long.',
  online_store_slowdown: 'The online feature store slows down: feature_retrieval takes four times as long.',
  error_spike: '5% of requests fail.',
};

/** Strength of each fault. */
export const FAULT_EFFECTS = {
  degradedRecall: 0.8,
  degradedSearchFactor: 1.5,
  tombstoneClimbPerMinute: 0.025,
  tombstoneCeiling: 0.45,
  schemaNullRate: 0.3,
  driftShiftSigma: 1.5,
  modelFactor: 3,
  onlineStoreFactor: 4,
  errorRate: 0.05,
} as const;

/** An active fault. */
export interface Fault {
  kind: FaultKind;
  sla: string;
  /** When it was injected (ms since the epoch). */
  since: number;
  /** Alert names the fault should fire for this SLA. */
  expectedAlerts: string[];
  /** What the fault does to this SLA's signals. */
  description: string;
}

/** A demo request that cannot be honoured; rendered by the HTTP layer's error middleware. */
export class DemoError extends ApiError {
  override name = 'DemoError';
  constructor(status: 400 | 404 | 409, code: string, message: string) {
    super(status, code, message);
  }
}

/** How the active faults change one SLA's signals. */
export interface Effects {
  errorRate: number;
  /** Latency multiplier per component (absent = 1). */
  componentFactors: Map<string, number>;
  /** Share of the exact top-k that the ANN search misses. */
  recallMissRate: number;
  /** When tombstones started climbing, under tombstone_buildup. */
  tombstonesSince?: number;
  stalled: boolean;
  /** The feature a schema change nulls, under schema_change_nulls. */
  nullFeature?: string;
  /** Mean shift of drifting features, in standard deviations. */
  driftShift: number;
}

export const HEALTHY_RECALL_MISS_RATE = 0.02;
export const HEALTHY_NULL_RATE = 0.005;

/** The effects of the faults active on one SLA. */
export function effectsOf(model: ServiceModel, faults: readonly Fault[]): Effects {
  const effects: Effects = {
    errorRate: model.healthyErrorRate,
    componentFactors: new Map(),
    recallMissRate: HEALTHY_RECALL_MISS_RATE,
    stalled: false,
    driftShift: 0,
  };
  const slow = (component: string | undefined, factor: number): void => {
    if (component === undefined) return;
    effects.componentFactors.set(component, (effects.componentFactors.get(component) ?? 1) * factor);
  };
  for (const fault of faults) {
    if (fault.sla !== model.sla) continue;
    switch (fault.kind) {
      case 'index_degradation':
        effects.recallMissRate = 1 - FAULT_EFFECTS.degradedRecall;
        slow(VECTOR_SEARCH_COMPONENT, FAULT_EFFECTS.degradedSearchFactor);
        break;
      case 'tombstone_buildup':
        effects.tombstonesSince = fault.since;
        break;
      case 'pipeline_stall':
        effects.stalled = true;
        break;
      case 'schema_change_nulls': {
        const feature = model.nullFeatures[0];
        if (feature !== undefined) effects.nullFeature = feature;
        break;
      }
      case 'feature_drift':
        effects.driftShift = FAULT_EFFECTS.driftShiftSigma;
        break;
      case 'model_slowdown':
        slow(modelComponent(model), FAULT_EFFECTS.modelFactor);
        break;
      case 'online_store_slowdown':
        slow(ONLINE_STORE_COMPONENT, FAULT_EFFECTS.onlineStoreFactor);
        break;
      case 'error_spike':
        effects.errorRate = Math.max(effects.errorRate, FAULT_EFFECTS.errorRate);
        break;
    }
  }
  return effects;
}

/** Whether a component slowed by `factor` has a P99 clearly (10%) over its budget. */
function clearlyOverBudget(factor: number): boolean {
  return HEALTHY_SHARE_OF_BUDGET * factor * Math.exp(Z_P99 * LATENCY_SIGMA) > 1.1;
}

/**
 * The smallest error ratio that pages for an objective: the lowest factor × error budget of its critical
 * burn-rate tiers (the tiers that page within minutes rather than open a ticket after hours).
 */
export function pagingErrorRatio(objective: CollectorObjective): number {
  const tiers = objective.objective.tiers;
  const critical = tiers.filter((t) => t.severity === 'critical');
  const factors = (critical.length > 0 ? critical : tiers).map((t) => t.factor);
  return Math.min(...factors) * objective.objective.errorBudget;
}

/** Share of requests slower than `thresholdSeconds` with the given component factors (Monte Carlo). */
export function latencyExceedance(
  model: ServiceModel,
  factors: ReadonlyMap<string, number>,
  thresholdSeconds: number,
  samples = 4000,
): number {
  // A fixed seed: the answer is part of a fault's description and must not vary between calls.
  const rng = new Rng(0x5eed);
  let over = 0;
  for (let i = 0; i < samples; i++) {
    let total = 0;
    if (model.components.length === 0) total = rng.lognormal(model.fallbackMedianSeconds, LATENCY_SIGMA);
    for (const c of model.components)
      total += rng.lognormal(c.medianSeconds * (factors.get(c.component) ?? 1), LATENCY_SIGMA);
    if (total > thresholdSeconds) over++;
  }
  return over / samples;
}

/** Margin by which a fault's error ratio must exceed the paging ratio to count on the page. */
const PAGE_MARGIN = 1.5;

function latencyAlerts(model: ServiceModel, factors: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  for (const [component, factor] of factors) {
    if (hasComponent(model, component) && clearlyOverBudget(factor)) {
      out.push('LatencyComponentOverBudget');
      break;
    }
  }
  const burns = model.latency.some(
    (o) => latencyExceedance(model, factors, o.thresholdSeconds!) > PAGE_MARGIN * pagingErrorRatio(o),
  );
  if (burns) out.push('SLOLatencyBurnRateHigh');
  return out;
}

export type FaultCheck =
  { ok: true; expectedAlerts: string[]; description: string } | { ok: false; reason: string };

function list(names: readonly string[]): string {
  return names.join(', ');
}

/** Whether a fault applies to an SLA (some alert of the SLA could fire) and what it should fire. */
export function checkFault(kind: FaultKind, model: ServiceModel): FaultCheck {
  const sla = model.sla;
  const fail = (reason: string): FaultCheck => ({ ok: false, reason });
  const done = (expectedAlerts: string[], description: string): FaultCheck =>
    expectedAlerts.length === 0
      ? fail(`${description}, but no alert of ${sla} would fire`)
      : { ok: true, expectedAlerts: [...new Set(expectedAlerts)], description };
  switch (kind) {
    case 'index_degradation': {
      if (model.indexes.length === 0) return fail(`${sla} has no recall objectives (spec.recall)`);
      const alerts = ['VectorRecallBelowTarget'];
      const factors = new Map([[VECTOR_SEARCH_COMPONENT, FAULT_EFFECTS.degradedSearchFactor]]);
      alerts.push(...latencyAlerts(model, factors));
      return done(
        alerts,
        `recall@k of ${list(model.indexes.map((i) => i.index))} drops to about ${FAULT_EFFECTS.degradedRecall * 100}%` +
          (hasComponent(model, VECTOR_SEARCH_COMPONENT)
            ? `, and vector_search slows ×${FAULT_EFFECTS.degradedSearchFactor}`
            : ''),
      );
    }
    case 'tombstone_buildup': {
      const limited = model.indexes.filter((i) => i.maxTombstoneRatio !== undefined);
      if (limited.length === 0) return fail(`${sla} sets no maxTombstoneRatio on its recall objectives`);
      const reachable = limited.filter((i) => i.maxTombstoneRatio! < FAULT_EFFECTS.tombstoneCeiling);
      return done(
        reachable.length > 0 ? ['VectorTombstoneRatioHigh'] : [],
        `tombstones in ${list(limited.map((i) => `${i.index} (limit ${i.maxTombstoneRatio! * 100}%)`))} climb ${FAULT_EFFECTS.tombstoneClimbPerMinute * 100} points a minute up to ${FAULT_EFFECTS.tombstoneCeiling * 100}%`,
      );
    }
    case 'pipeline_stall': {
      if (model.freshness.length === 0 && model.streams.length === 0)
        return fail(`${sla} has no freshness objectives (spec.freshness) and no stream lag objectives`);
      const alerts: string[] = [];
      if (model.freshness.length > 0) alerts.push('FeatureStale');
      if (model.freshness.some((f) => f.fallbackAfterSeconds !== undefined))
        alerts.push('FeatureFallbackRequired');
      if (model.streams.length > 0) alerts.push('StreamStalled', 'StreamCatchUpSlow');
      const parts = [
        ...(model.freshness.length > 0
          ? [`event times of ${list(model.freshness.map((f) => f.feature))} stop advancing`]
          : []),
        ...(model.streams.length === 1
          ? [`consumer group ${model.streams[0]!.consumerGroup} stops consuming while its lag grows`]
          : model.streams.length > 1
            ? [
                `consumer groups ${list(model.streams.map((s) => s.consumerGroup))} stop consuming while their lag grows`,
              ]
            : []),
      ];
      return done(alerts, parts.join('; '));
    }
    case 'schema_change_nulls': {
      const feature = model.nullFeatures[0];
      if (feature === undefined) return fail(`${sla} has no null-rate objective (spec.signals.nullRate)`);
      const fires =
        model.nullRateMax !== undefined && model.nullRateMax * PAGE_MARGIN < FAULT_EFFECTS.schemaNullRate;
      return done(
        fires ? ['FeatureNullRateHigh'] : [],
        `feature ${feature} returns null for about ${FAULT_EFFECTS.schemaNullRate * 100}% of lookups`,
      );
    }
    case 'feature_drift': {
      if (model.driftFeatures.length === 0) return fail(`${sla} has no drift objective (spec.signals.drift)`);
      // A window fully shifted by 1.5σ has a PSI near 2 against deciles of N(0, 1).
      const fires = model.psiLimit !== undefined && model.psiLimit < 1;
      return done(
        fires ? ['DistributionDriftHigh'] : [],
        `the mean of ${model.driftFeatures[0]} shifts by ${FAULT_EFFECTS.driftShiftSigma} standard deviations and prediction follows`,
      );
    }
    case 'model_slowdown': {
      const component = modelComponent(model);
      if (component === undefined)
        return fail(`${sla}'s latency budget has no model component (model_inference or llm_generation)`);
      return done(
        latencyAlerts(model, new Map([[component, FAULT_EFFECTS.modelFactor]])),
        `${component} takes ${FAULT_EFFECTS.modelFactor} times as long`,
      );
    }
    case 'online_store_slowdown': {
      if (!hasComponent(model, ONLINE_STORE_COMPONENT))
        return fail(`${sla}'s latency budget has no ${ONLINE_STORE_COMPONENT} component`);
      return done(
        latencyAlerts(model, new Map([[ONLINE_STORE_COMPONENT, FAULT_EFFECTS.onlineStoreFactor]])),
        `${ONLINE_STORE_COMPONENT} takes ${FAULT_EFFECTS.onlineStoreFactor} times as long`,
      );
    }
    case 'error_spike': {
      if (model.availability === undefined) {
        const custom = model.customObjectives.find((o) => o.slo === 'availability');
        return fail(
          custom
            ? `${sla} measures availability with its own PromQL SLI, which Prometheus evaluates; the demo's request signals do not reach it`
            : `${sla} has no availability objective`,
        );
      }
      const pages = FAULT_EFFECTS.errorRate > PAGE_MARGIN * pagingErrorRatio(model.availability);
      return done(
        pages ? ['SLOAvailabilityBurnRateHigh'] : [],
        `${FAULT_EFFECTS.errorRate * 100}% of requests fail`,
      );
    }
  }
}
