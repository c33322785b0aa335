// One simulated service: its serving path, feature pipeline, vector indexes and consumer groups, stepped
// forward interval by interval. It turns the service model and the active faults' effects into signals.
import type { SlaPlan } from '../compile/ir.js';
import { formatNumber } from '../lib/units.js';
import { HEALTHY_NULL_RATE, FAULT_EFFECTS, type Effects } from './faults.js';
import { Accumulator, rngFor, type Rng } from './random.js';
import { LATENCY_SIGMA, VECTOR_SEARCH_COMPONENT, serviceModel, type ServiceModel } from './service-model.js';
import type { ComponentLatencySignal, DemoSignal, DistributionSignal, RecallProbeSignal } from './signals.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Recall probes per second per index: several per 10 s, far above any minProbes over 10 minutes. */
const PROBES_PER_SECOND = 0.4;
/**
 * Probes of the verification sweep a compaction ends with, per index: five times what a 10-minute recall
 * window holds at the steady rate, so the window's mean recall reflects the rebuilt index at once —
 * what a team does after a rebuild instead of waiting for organic probes to dilute the bad ones.
 */
export const VERIFICATION_SWEEP_PROBES = Math.round(PROBES_PER_SECOND * 600 * 5);
/** Values per second per drift feature: a 1 h window holds 72,000, so sampling noise in PSI is ~0.002. */
const VALUES_PER_SECOND = 20;
/** Size of the reference (training) sample of each drift feature. */
export const REFERENCE_SIZE = 5000;
/** Bucket bounds of component latency, as multiples of the component's budget (+Inf is added). */
const BUCKET_MULTIPLES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5, 10];
/** A backlogged consumer drains at this multiple of the produce rate (consumers have headroom). */
const DRAIN_FACTOR = 5;
/** Healthy tombstone ratio: climbs from 1% to 3% over a compaction cycle, then compaction resets it. */
const TOMBSTONE_FLOOR = 0.01;
const TOMBSTONE_CYCLE_RISE = 0.02;
const COMPACTION_CYCLE_MS = 2 * HOUR;
/** How much a tombstone-laden index slows vector search: ×(1 + 0.2 per unit of ratio above 3%). */
const TOMBSTONE_SLOWDOWN = 0.2;
/** Indexes grow by 1% an hour. */
const INDEX_GROWTH_PER_HOUR = 0.01;

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

interface Bounds {
  keys: string[];
  values: number[];
}

function bucketBounds(budgetSeconds: number): Bounds {
  const values = BUCKET_MULTIPLES.map((m) => Number((budgetSeconds * m).toPrecision(6)));
  return { keys: [...values.map(formatNumber), '+Inf'], values };
}

/** Draws from this SLA's stream of random numbers and keeps the state that carries across intervals. */
export class ServiceSimulator {
  readonly model: ServiceModel;
  private readonly rng: Rng;
  private readonly requests = new Accumulator();
  private readonly values = new Accumulator();
  private readonly probes = new Map<string, Accumulator>();
  private readonly bounds = new Map<string, Bounds>();
  private readonly nextEventAt = new Map<string, number>();
  private readonly streamPhase = new Map<string, number>();
  /** Probes of a requested verification sweep, sent with the next step. */
  private sweepProbes = 0;
  /** Seconds of event time the pipeline is behind (grows while stalled, drains after). */
  private backlogSeconds = 0;

  constructor(
    plan: SlaPlan,
    private readonly seed: number,
    private readonly startMs: number,
  ) {
    this.rng = rngFor(seed, plan.name);
    this.model = serviceModel(plan, this.rng);
    for (const c of this.model.components) this.bounds.set(c.component, bucketBounds(c.budgetSeconds));
    for (const index of this.model.indexes) this.probes.set(index.index, new Accumulator());
    for (const stream of this.model.streams)
      this.streamPhase.set(stream.consumerGroup, this.rng.uniform(0, 2 * Math.PI));
  }

  /** The reference (training) distributions: the same sample every time it is asked for. */
  reference(atMs: number): DistributionSignal[] {
    if (this.model.driftFeatures.length === 0) return [];
    const rng = rngFor(this.seed, `${this.model.sla}\u0000reference`);
    const { inputs, predictions } = drawDistribution(rng, REFERENCE_SIZE, 0);
    return this.distributionSignals(inputs, predictions, atMs).map((s) => ({
      ...s,
      reference: true as const,
    }));
  }

  /** The tombstone ratio of an index at a time, under the given effects. */
  tombstoneRatio(index: string, atMs: number, effects: Effects): number {
    const model = this.model.indexes.find((i) => i.index === index);
    if (model === undefined) return 0;
    const healthy = (t: number): number => {
      const cycle =
        (((t - this.startMs + model.compactionPhaseMs) % COMPACTION_CYCLE_MS) + COMPACTION_CYCLE_MS) %
        COMPACTION_CYCLE_MS;
      return TOMBSTONE_FLOOR + (TOMBSTONE_CYCLE_RISE * cycle) / COMPACTION_CYCLE_MS;
    };
    if (effects.tombstonesSince === undefined) return healthy(atMs);
    const since = effects.tombstonesSince;
    const climbed =
      healthy(since) + (FAULT_EFFECTS.tombstoneClimbPerMinute * Math.max(0, atMs - since)) / MINUTE;
    return Math.min(FAULT_EFFECTS.tombstoneCeiling, climbed);
  }

  /** Every signal of the interval (fromMs, toMs] under the given effects. */
  generate(fromMs: number, toMs: number, effects: Effects): DemoSignal[] {
    const seconds = Math.max(0, toMs - fromMs) / 1000;
    const out: DemoSignal[] = [];
    this.advancePipeline(seconds, effects);
    const requestCount = this.serve(fromMs, toMs, seconds, effects, out);
    this.features(fromMs, toMs, effects, out);
    this.nullRates(requestCount, toMs, effects, out);
    this.drift(seconds, toMs, effects, out);
    this.recall(fromMs, toMs, seconds, effects, out);
    this.indexStats(toMs, effects, out);
    this.streams(toMs, effects, out);
    return out;
  }

  private advancePipeline(seconds: number, effects: Effects): void {
    if (effects.stalled) this.backlogSeconds += seconds;
    else this.backlogSeconds = Math.max(0, this.backlogSeconds - (DRAIN_FACTOR - 1) * seconds);
  }

  /** A time in (fromMs, toMs]. */
  private timeIn(fromMs: number, toMs: number): number {
    const span = toMs - fromMs;
    return span <= 1 ? toMs : fromMs + 1 + this.rng.int(span);
  }

  private vectorSearchFactor(toMs: number, effects: Effects): number {
    let worst = 0;
    for (const index of this.model.indexes)
      worst = Math.max(worst, this.tombstoneRatio(index.index, toMs, effects));
    return 1 + TOMBSTONE_SLOWDOWN * Math.max(0, worst - (TOMBSTONE_FLOOR + TOMBSTONE_CYCLE_RISE));
  }

  /** Requests: per-component latency, the end-to-end latency their sum, and pre-aggregated histograms. */
  private serve(fromMs: number, toMs: number, seconds: number, effects: Effects, out: DemoSignal[]): number {
    const { model, rng } = this;
    const n = this.requests.take(model.requestsPerSecond * seconds);
    const medians = model.components.map((c) => {
      let factor = effects.componentFactors.get(c.component) ?? 1;
      if (c.component === VECTOR_SEARCH_COMPONENT) factor *= this.vectorSearchFactor(toMs, effects);
      return c.medianSeconds * factor;
    });
    const histograms = model.components.map(() => ({
      counts: new Array<number>(BUCKET_MULTIPLES.length + 1).fill(0),
      sum: 0,
    }));
    for (let i = 0; i < n; i++) {
      let total = 0;
      if (model.components.length === 0) total = rng.lognormal(model.fallbackMedianSeconds, LATENCY_SIGMA);
      for (let j = 0; j < medians.length; j++) {
        const latency = round(rng.lognormal(medians[j]!, LATENCY_SIGMA), 6);
        total += latency;
        const histogram = histograms[j]!;
        const bounds = this.bounds.get(model.components[j]!.component)!.values;
        let bucket = 0;
        while (bucket < bounds.length && latency > bounds[bucket]!) bucket++;
        histogram.counts[bucket]!++;
        histogram.sum += latency;
      }
      out.push({
        type: 'request',
        service: model.service,
        ok: !rng.chance(effects.errorRate),
        seconds: round(total, 6),
        ts: this.timeIn(fromMs, toMs),
      });
    }
    if (n === 0) return 0;
    model.components.forEach((c, j) => {
      const histogram = histograms[j]!;
      const keys = this.bounds.get(c.component)!.keys;
      const buckets: Record<string, number> = {};
      keys.forEach((key, b) => (buckets[key] = histogram.counts[b]!));
      const signal: ComponentLatencySignal = {
        type: 'component_latency',
        service: model.service,
        component: c.component,
        buckets,
        count: n,
        sum: round(histogram.sum, 6),
        ts: toMs,
      };
      out.push(signal);
    });
    return n;
  }

  /**
   * The feature pipeline writes each feature every `periodMs`, stamped with the event time of the data
   * it processed: a few seconds of pipeline delay plus its backlog. Stalled, it writes nothing, so the
   * newest event time stops advancing; recovering, it works through the backlog oldest first.
   */
  private features(fromMs: number, toMs: number, effects: Effects, out: DemoSignal[]): void {
    for (const feature of this.model.freshness) {
      let next = this.nextEventAt.get(feature.feature) ?? fromMs;
      for (; next <= toMs; next += feature.periodMs) {
        if (effects.stalled) continue;
        const delayMs = this.rng.uniform(1000, 4000) + this.backlogSeconds * 1000;
        out.push({
          type: 'feature_value',
          service: this.model.service,
          feature: feature.feature,
          eventTime: Math.round(next - delayMs),
          ts: next,
        });
      }
      this.nextEventAt.set(feature.feature, next);
    }
  }

  /** Every request looks up every feature; a few lookups return null (new entities, cold start). */
  private nullRates(lookups: number, toMs: number, effects: Effects, out: DemoSignal[]): void {
    if (lookups === 0) return;
    for (const feature of this.model.nullFeatures) {
      const rate = feature === effects.nullFeature ? FAULT_EFFECTS.schemaNullRate : HEALTHY_NULL_RATE;
      out.push({
        type: 'null_rate',
        service: this.model.service,
        feature,
        nulls: this.rng.binomial(lookups, rate),
        total: lookups,
        ts: toMs,
      });
    }
  }

  private distributionSignals(inputs: number[], predictions: number[], atMs: number): DistributionSignal[] {
    const [input, prediction] = this.model.driftFeatures;
    const base = { type: 'distribution' as const, service: this.model.service, ts: atMs };
    return [
      ...(input !== undefined ? [{ ...base, feature: input, values: inputs }] : []),
      ...(prediction !== undefined ? [{ ...base, feature: prediction, values: predictions }] : []),
    ];
  }

  private drift(seconds: number, toMs: number, effects: Effects, out: DemoSignal[]): void {
    if (this.model.driftFeatures.length === 0) return;
    const n = this.values.take(VALUES_PER_SECOND * seconds);
    if (n === 0) return;
    const { inputs, predictions } = drawDistribution(this.rng, n, effects.driftShift);
    out.push(...this.distributionSignals(inputs, predictions, toMs));
  }

  /** Asks for a recall verification sweep of every index with the next step (after a compaction). */
  requestRecallSweep(): void {
    if (this.model.indexes.length > 0) this.sweepProbes = VERIFICATION_SWEEP_PROBES;
  }

  /** Recall probes: sampled queries run exactly and through the ANN index, each exact id missed at a rate. */
  private recall(fromMs: number, toMs: number, seconds: number, effects: Effects, out: DemoSignal[]): void {
    const { rng } = this;
    const sweep = this.sweepProbes;
    this.sweepProbes = 0;
    for (const index of this.model.indexes) {
      const count = this.probes.get(index.index)!.take(PROBES_PER_SECOND * seconds) + sweep;
      for (let p = 0; p < count; p++) {
        const exactSet = new Set<number>();
        while (exactSet.size < index.k) exactSet.add(rng.int(index.vectors));
        const exact = [...exactSet];
        const retrieved = exact.map((id) => {
          if (!rng.chance(effects.recallMissRate)) return id;
          let other = rng.int(index.vectors);
          while (exactSet.has(other)) other = rng.int(index.vectors);
          return other;
        });
        const probe: RecallProbeSignal = {
          type: 'recall_probe',
          service: this.model.service,
          index: index.index,
          k: index.k,
          retrieved,
          exact,
          ts: this.timeIn(fromMs, toMs),
        };
        out.push(probe);
      }
    }
  }

  private indexStats(toMs: number, effects: Effects, out: DemoSignal[]): void {
    const hours = Math.max(0, toMs - this.startMs) / HOUR;
    for (const index of this.model.indexes) {
      const vectors = Math.round(index.vectors * (1 + INDEX_GROWTH_PER_HOUR * hours));
      out.push({
        type: 'index_stats',
        service: this.model.service,
        index: index.index,
        vectors,
        tombstones: Math.round(vectors * this.tombstoneRatio(index.index, toMs, effects)),
        dimensions: index.dimensions,
        m: index.m,
        ts: toMs,
      });
    }
  }

  /**
   * Consumer groups keep a fraction of a second of lag and consume a little faster than messages arrive,
   * so the lag keeps draining. Stalled, they consume nothing and the lag grows with the backlog.
   */
  private streams(toMs: number, effects: Effects, out: DemoSignal[]): void {
    const { rng } = this;
    for (const stream of this.model.streams) {
      const phase = this.streamPhase.get(stream.consumerGroup)!;
      const wave = 1 + 0.1 * Math.sin((2 * Math.PI * toMs) / (15 * MINUTE) + phase);
      const produceRate = stream.produceRate * wave * (1 + 0.02 * rng.normal());
      const lag = produceRate * (rng.uniform(0.2, 0.6) + this.backlogSeconds);
      const consumeRate = effects.stalled
        ? 0
        : produceRate * (this.backlogSeconds > 0 ? DRAIN_FACTOR : rng.uniform(1.05, 1.15));
      out.push({
        type: 'stream',
        service: this.model.service,
        consumerGroup: stream.consumerGroup,
        lag: Math.round(lag),
        consumeRate: round(consumeRate, 2),
        produceRate: round(produceRate, 2),
        ts: toMs,
      });
    }
  }
}

/**
 * An input feature standardised to N(0, 1) (shifted under drift) and the model's prediction, whose
 * logit depends on it, so a drifting input moves the predictions too.
 */
function drawDistribution(rng: Rng, n: number, shift: number): { inputs: number[]; predictions: number[] } {
  const inputs: number[] = [];
  const predictions: number[] = [];
  for (let i = 0; i < n; i++) {
    const input = rng.normal() + shift;
    inputs.push(round(input, 4));
    predictions.push(round(sigmoid(-1 + 0.8 * input + 0.6 * rng.normal()), 4));
  }
  return { inputs, predictions };
}
