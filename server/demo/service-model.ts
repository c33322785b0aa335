// What the demo simulates for one SLA, read off its compiled plan: the serving path's components with
// their budgets, the features whose freshness, null rate and drift are tracked, the vector indexes and
// the consumer groups. Everything the simulator sends follows from this model, so a new SLA in slas/
// gets a plausible simulation without demo code changes.
import type { RatioObjective, SlaPlan, ThresholdAlert } from '../compile/ir.js';
import type { Rng } from './random.js';

/** Healthy components take about this share of their budget (median), as in a well-sized service. */
export const HEALTHY_SHARE_OF_BUDGET = 0.6;
/** Log-space spread of component latency: the P99 lands near 0.85 × budget when healthy. */
export const LATENCY_SIGMA = 0.15;
/** z of the 99th percentile of a standard normal. */
export const Z_P99 = 2.3263;

/** Components that run a model; the model slowdown fault slows the first one present. */
export const MODEL_COMPONENTS = ['model_inference', 'llm_generation'] as const;
export const ONLINE_STORE_COMPONENT = 'feature_retrieval';
export const VECTOR_SEARCH_COMPONENT = 'vector_search';

/** Requests per second per tier: streaming scorers are busy, RAG calls an LLM and is slower to call. */
const REQUESTS_PER_SECOND: Record<SlaPlan['tier'], number> = {
  'low-latency': 40,
  streaming: 60,
  'near-real-time': 12,
};

/** Healthy error rate as a share of the availability error budget (0.02% for 99.9%). */
const HEALTHY_ERROR_SHARE = 0.2;

export interface ComponentModel {
  component: string;
  budgetSeconds: number;
  medianSeconds: number;
}

export interface FeatureModel {
  feature: string;
  maxAgeSeconds: number;
  fallbackAfterSeconds?: number;
  /** How often the pipeline writes the feature: a tenth of its freshness target, 1 s to 60 s. */
  periodMs: number;
}

export interface IndexModel {
  index: string;
  k: number;
  minRecall: number;
  minProbes: number;
  maxTombstoneRatio?: number;
  vectors: number;
  dimensions: number;
  m: number;
  /** Where in its compaction cycle the index starts, so indexes do not compact in lockstep. */
  compactionPhaseMs: number;
}

export interface StreamModel {
  consumerGroup: string;
  maxCatchUpSeconds: number;
  /** Messages per second arriving on the topic. */
  produceRate: number;
}

/** A ratio objective the embedded evaluator can judge from the demo's request signals. */
export interface CollectorObjective {
  objective: RatioObjective;
  /** For latency objectives: the threshold in seconds. */
  thresholdSeconds?: number;
}

export interface ServiceModel {
  sla: string;
  service: string;
  requestsPerSecond: number;
  healthyErrorRate: number;
  /** Serving-path components in budget order; empty when the SLA has no budget table. */
  components: ComponentModel[];
  /** Median end-to-end latency when there are no components to add up. */
  fallbackMedianSeconds: number;
  /** Objectives measured from `request` signals (custom PromQL SLIs are left to Prometheus). */
  availability?: CollectorObjective;
  latency: CollectorObjective[];
  /** Objectives with custom PromQL SLIs, which only Prometheus can evaluate. */
  customObjectives: RatioObjective[];
  freshness: FeatureModel[];
  /** Features whose null rate is reported; empty without a null-rate objective. */
  nullFeatures: string[];
  nullRateMax?: number;
  /** Features whose distribution is reported (an input feature, then `prediction`); empty without drift. */
  driftFeatures: string[];
  psiLimit?: number;
  indexes: IndexModel[];
  streams: StreamModel[];
  /** Alert names the plan defines, to check that a fault can fire them. */
  alertnames: Set<string>;
}

function thresholdsOf<K extends ThresholdAlert['signal']['kind']>(
  plan: SlaPlan,
  kind: K,
): Array<ThresholdAlert & { signal: Extract<ThresholdAlert['signal'], { kind: K }> }> {
  return plan.thresholds.filter(
    (t): t is ThresholdAlert & { signal: Extract<ThresholdAlert['signal'], { kind: K }> } =>
      t.signal.kind === kind,
  );
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Builds the simulated service of an SLA plan; `rng` sizes the indexes and streams. */
export function serviceModel(plan: SlaPlan, rng: Rng): ServiceModel {
  const components: ComponentModel[] = (plan.budget?.rows ?? []).map((row) => ({
    component: row.component,
    budgetSeconds: row.budgetMs / 1000,
    medianSeconds: (row.budgetMs / 1000) * HEALTHY_SHARE_OF_BUDGET,
  }));

  let availability: CollectorObjective | undefined;
  const latency: CollectorObjective[] = [];
  const customObjectives: RatioObjective[] = [];
  for (const objective of plan.objectives) {
    if (objective.sli.kind === 'requests') availability = { objective };
    else if (objective.sli.kind === 'latency')
      latency.push({ objective, thresholdSeconds: objective.sli.thresholdSeconds });
    else customObjectives.push(objective);
  }
  const p99 = plan.objectives.find((o) => o.slo === 'latency-p99');
  const p99Seconds =
    p99 && (p99.sli.kind === 'latency' || p99.sli.kind === 'custom-histogram')
      ? p99.sli.thresholdSeconds
      : 0.1;

  const freshness: FeatureModel[] = [];
  for (const stale of plan.thresholds.filter((t) => t.alertname === 'FeatureStale')) {
    if (stale.signal.kind !== 'feature-age') continue;
    const feature = stale.signal.feature;
    const fallback = plan.thresholds.find(
      (t) =>
        t.alertname === 'FeatureFallbackRequired' &&
        t.signal.kind === 'feature-age' &&
        t.subject.feature === feature,
    );
    freshness.push({
      feature,
      maxAgeSeconds: stale.threshold,
      ...(fallback ? { fallbackAfterSeconds: fallback.threshold } : {}),
      periodMs: Math.round(clamp(stale.threshold * 100, 1000, 60_000)),
    });
  }

  const freshFeatures = freshness.map((f) => f.feature);
  const nullRate = plan.thresholds.find((t) => t.signal.kind === 'null-rate');
  const nullFeatures = nullRate
    ? [
        ...new Set([
          ...freshFeatures,
          'user_embedding',
          ...(freshFeatures.length === 0 ? ['user_profile'] : []),
        ]),
      ]
    : [];
  const drift = plan.thresholds.find((t) => t.signal.kind === 'drift-psi');
  const driftFeatures = drift ? [freshFeatures[0] ?? 'query_embedding_norm', 'prediction'] : [];

  const indexes: IndexModel[] = thresholdsOf(plan, 'recall').map((alert) => {
    const tombstones = plan.thresholds.find(
      (t) => t.signal.kind === 'tombstone-ratio' && t.signal.index === alert.signal.index,
    );
    return {
      index: alert.signal.index,
      k: alert.signal.k,
      minRecall: alert.threshold,
      minProbes: alert.signal.minProbes,
      ...(tombstones ? { maxTombstoneRatio: tombstones.threshold } : {}),
      vectors: Math.round(rng.uniform(1, 20)) * 500_000,
      dimensions: [384, 768, 1024][rng.int(3)]!,
      m: [16, 32][rng.int(2)]!,
      compactionPhaseMs: Math.round(rng.uniform(0, 2 * 3_600_000)),
    };
  });

  const streams: StreamModel[] = thresholdsOf(plan, 'stream-catchup').map((alert) => ({
    consumerGroup: alert.signal.consumerGroup,
    maxCatchUpSeconds: alert.threshold,
    produceRate: Math.round(rng.uniform(200, 2000)),
  }));

  const availabilityBudget = availability?.objective.errorBudget ?? 0.001;
  return {
    sla: plan.name,
    service: plan.service,
    requestsPerSecond: REQUESTS_PER_SECOND[plan.tier],
    healthyErrorRate: availabilityBudget * HEALTHY_ERROR_SHARE,
    components,
    fallbackMedianSeconds: p99Seconds * 0.5,
    ...(availability ? { availability } : {}),
    latency,
    customObjectives,
    freshness,
    nullFeatures,
    ...(nullRate ? { nullRateMax: nullRate.threshold } : {}),
    driftFeatures,
    ...(drift ? { psiLimit: drift.threshold } : {}),
    indexes,
    streams,
    alertnames: new Set([
      ...plan.objectives.map((o) => o.alertname),
      ...plan.thresholds.map((t) => t.alertname),
    ]),
  };
}

/** The model component of a service (what the model slowdown fault slows), if it has one. */
export function modelComponent(model: ServiceModel): string | undefined {
  return MODEL_COMPONENTS.find((name) => model.components.some((c) => c.component === name));
}

/** Whether the service's serving path has a component of this name. */
export function hasComponent(model: ServiceModel, component: string): boolean {
  return model.components.some((c) => c.component === component);
}
