// Signals → series updates, under the metric names and labels of docs/metrics.md. A batch is mapped in
// one pass into per-series accumulators, so the store receives a few dozen updates for a thousand
// request signals. Series objects and their label sets are built once and cached.
//
// Aggregation within a batch is exactly what the store does anyway: samples of one series that fall in
// the same finest store bucket (10 s) are merged with the store's own rule (counters add, gauges keep
// the newest, max series the largest), so the result is the same as applying them one by one.
import type { SlaPlan } from '../compile/ir.js';
import { METRICS } from '../compile/metrics.js';
import { formatNumber } from '../lib/units.js';
import { indexMemoryBytes } from '../signals/capacity.js';
import { binIndex, sampleReference } from '../signals/drift.js';
import { bucketBounds, bucketIndex } from '../signals/histogram.js';
import { recallAtK } from '../signals/recall.js';
import { bucketEnd, mergeCell, RESOLUTIONS_MS, type Cell } from '../store/buckets.js';
import type { Labels, ReferenceDistribution, SampleUpdate, SeriesStore, SeriesType } from '../store/types.js';
import { IngestError, ProblemList } from './errors.js';
import { referenceModel, ReferenceCache, sameReference, type ReferenceModel } from './reference.js';
import { fieldLabel, parseBucketBound, type Signal, type SignalPosition } from './schema.js';

/** Series the collector writes beyond the public contract of METRICS (listed in docs/api.md). */
export const COLLECTOR_METRICS = {
  /** Max series: newest feature event time seen, in unix seconds, labels {service, feature}. */
  featureNewestEvent: 'slactl_feature_newest_event_timestamp_seconds',
  /** Gauge: estimated HNSW memory in bytes, vectors × (dimensions × 4 + m × 8), labels {service, index}. */
  indexMemory: 'slactl_index_memory_bytes',
  /** Counter: observations per bin of the current reference, labels {service, feature, reference, bin}. */
  distributionObservations: 'slactl_distribution_observations_total',
} as const;

/** Histogram bucket bounds in seconds, ascending and finite; `+Inf` is always added. */
export interface BucketLayout {
  request: number[];
  component: number[];
}

/**
 * The bucket bounds the loaded SLAs need: the default latency buckets plus every latency threshold
 * (p99, p999) for the request histogram and every component budget for the component histogram.
 */
export function bucketLayout(plans: readonly SlaPlan[]): BucketLayout {
  const request: number[] = [];
  const component: number[] = [];
  for (const plan of plans) {
    for (const objective of plan.objectives) {
      if (objective.sli.kind === 'latency' || objective.sli.kind === 'custom-histogram') {
        request.push(objective.sli.thresholdSeconds);
      }
    }
    for (const alert of plan.thresholds) {
      if (alert.signal.kind === 'component-quantile') component.push(alert.threshold);
    }
  }
  return { request: bucketBounds(request), component: bucketBounds(component) };
}

/** The `le` label of a bucket bound: `0.1`, `0.035`, `+Inf`. */
export function leLabel(bound: number): string {
  return formatNumber(bound);
}

/** Identity of a series: its name and sorted labels, with separators no label value can contain. */
export function seriesKey(name: string, labels: Labels): string {
  let out = name;
  for (const key of Object.keys(labels).sort()) out += `\u0000${key}\u0001${labels[key]}`;
  return out;
}

/** A family of simple series: name, type and the label names after `service`. */
interface Family {
  readonly name: string;
  readonly type: SeriesType;
  readonly labels: readonly string[];
}

const FAMILIES = {
  requests: { name: METRICS.requests, type: 'counter', labels: [] },
  requestErrors: { name: METRICS.requestErrors, type: 'counter', labels: [] },
  featureNewest: { name: COLLECTOR_METRICS.featureNewestEvent, type: 'max', labels: ['feature'] },
  lookups: { name: METRICS.featureLookups, type: 'counter', labels: ['feature'] },
  nulls: { name: METRICS.featureNulls, type: 'counter', labels: ['feature'] },
  lag: { name: METRICS.streamLag, type: 'gauge', labels: ['consumer_group'] },
  consume: { name: METRICS.streamConsumeRate, type: 'gauge', labels: ['consumer_group'] },
  produce: { name: METRICS.streamProduceRate, type: 'gauge', labels: ['consumer_group'] },
  probes: { name: METRICS.recallProbes, type: 'counter', labels: ['index', 'k'] },
  hits: { name: METRICS.recallHits, type: 'counter', labels: ['index', 'k'] },
  expected: { name: METRICS.recallExpected, type: 'counter', labels: ['index', 'k'] },
  vectors: { name: METRICS.indexVectors, type: 'gauge', labels: ['index'] },
  tombstones: { name: METRICS.indexTombstones, type: 'gauge', labels: ['index'] },
  memory: { name: COLLECTOR_METRICS.indexMemory, type: 'gauge', labels: ['index'] },
  observations: {
    name: COLLECTOR_METRICS.distributionObservations,
    type: 'counter',
    labels: ['feature', 'reference', 'bin'],
  },
} as const satisfies Record<string, Family>;

/** Series with one subject label that OTLP metrics map onto directly. */
export type SingleSeries =
  'featureNewest' | 'lookups' | 'nulls' | 'lag' | 'consume' | 'produce' | 'vectors' | 'tombstones';

/** Every series name the collector writes (histograms as their `_bucket`, `_count`, `_sum` series). */
export const WRITTEN_SERIES_NAMES: readonly string[] = [
  ...Object.values(FAMILIES).map((f) => f.name),
  ...[METRICS.requestDuration, METRICS.componentLatency].flatMap((h) => [
    `${h}_bucket`,
    `${h}_count`,
    `${h}_sum`,
  ]),
];

/** The store's finest bucket: samples within one merge exactly as the store would merge them. */
const GROUP_MS = RESOLUTIONS_MS[0];

/** One series and what the current batch adds to it (itself a Cell: value and newest time). */
class Slot implements Cell {
  /** Batch that last touched this series. */
  epoch = 0;
  /** End of the store bucket that `t` and `value` belong to. */
  group = 0;
  t = 0;
  value = 0;
  /** Further store buckets in the same batch (signals with their own `ts`). */
  more: Map<number, Cell> | undefined = undefined;

  constructor(
    readonly key: string,
    readonly name: string,
    readonly labels: Labels,
    readonly type: SeriesType,
    readonly service: string,
    public known: boolean,
  ) {}
}

/** Non-cumulative observations per bucket at one sample time. */
interface HistogramBatch {
  t: number;
  counts: Float64Array;
  count: number;
  sum: number;
}

/** A classic histogram of one service (and component): its bucket, count and sum series. */
class Histogram {
  epoch = 0;
  /** Store bucket of `pending`. */
  group = 0;
  readonly pending: HistogramBatch;
  more: Map<number, HistogramBatch> | undefined = undefined;

  constructor(
    readonly bounds: readonly number[],
    readonly buckets: readonly Slot[],
    readonly count: Slot,
    readonly sum: Slot,
  ) {
    this.pending = { t: 0, counts: new Float64Array(bounds.length + 1), count: 0, sum: 0 };
  }
}

interface RequestGroup {
  requests: Slot;
  errors: Slot;
  histogram: Histogram;
}

/** A reference distribution sent in the batch, merged per feature, stored after the batch is applied. */
export interface PendingReference {
  service: string;
  feature: string;
  reference: ReferenceDistribution;
  atMs: number;
}

/** The outcome of mapping a batch. */
export interface MappedBatch {
  updates: SampleUpdate[];
  /** Series the batch would create, per service. */
  newSeries: ReadonlyMap<string, number>;
  references: PendingReference[];
}

interface ReferenceDraft {
  service: string;
  feature: string;
  kind: 'numeric' | 'categorical';
  values: number[];
  counts: Record<string, number>;
  atMs: number;
  reference?: ReferenceDistribution;
  model?: ReferenceModel;
}

// Cached series that never made it into the store (rejected batches) are dropped once there are this
// many more cached series than stored ones, so rejected garbage cannot grow memory without bound.
const UNSTORED_SLACK = 100_000;

const BIN_LABELS = Array.from({ length: 64 }, (_, i) => String(i));

const BOUND_CACHE = new Map<string, number>();
function boundOf(key: string): number {
  let bound = BOUND_CACHE.get(key);
  if (bound === undefined) {
    bound = parseBucketBound(key) ?? Infinity;
    if (BOUND_CACHE.size < 4096) BOUND_CACHE.set(key, bound);
  }
  return bound;
}

/**
 * Maps validated signals to series updates. One mapper per store: it remembers which series the
 * store holds so a batch can be checked against the per-service series cap before it is applied.
 */
export class SignalMapper {
  readonly layout: BucketLayout;
  private epoch = 0;
  private touched: Slot[] = [];
  private touchedHistograms: Histogram[] = [];
  private newSeries = new Map<string, number>();
  private drafts = new Map<string, ReferenceDraft>();
  /** Features found without a reference in this batch (so the store is asked once per batch). */
  private unreferenced = new Set<string>();
  private known: Set<string> | undefined;
  private cached = 0;
  private requestGroups = new Map<string, RequestGroup>();
  private componentHistograms = new Map<string, Map<string, Histogram>>();
  private slots = new Map<Family, Map<string, Map<string, Slot>>>();
  private readonly references: ReferenceCache;
  private readonly requestLe: string[];
  private readonly componentLe: string[];

  constructor(
    private readonly store: Pick<SeriesStore, 'select' | 'getReference'>,
    layout: BucketLayout,
  ) {
    this.layout = { request: [...layout.request], component: [...layout.component] };
    this.references = new ReferenceCache(store);
    this.requestLe = [...this.layout.request.map(leLabel), '+Inf'];
    this.componentLe = [...this.layout.component.map(leLabel), '+Inf'];
  }

  /** Maps a validated batch; `now` stands in for a missing `ts`. Throws IngestError (400) on conflicts. */
  mapBatch(signals: readonly Signal[], now: number, positionOf: (i: number) => SignalPosition): MappedBatch {
    this.begin();
    try {
      const problems = new ProblemList();
      // References first, so observations in the same batch are binned against them.
      for (let i = 0; i < signals.length; i++) {
        const s = signals[i]!;
        if (s.type === 'distribution' && s.reference === true)
          this.draftReference(s, s.ts ?? now, positionOf(i), problems);
      }
      this.prepareReferences();
      for (let i = 0; i < signals.length; i++) {
        const s = signals[i]!;
        if (s.type === 'distribution') {
          if (s.reference !== true) this.observeDistribution(s, s.ts ?? now, positionOf(i), problems);
        } else {
          this.addSignal(s, s.ts ?? now);
        }
      }
      problems.throwIfAny(400, 'invalid_signal');
      return this.finish();
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Starts a batch (for callers that add signals one by one, like the OTLP mapping). */
  begin(): void {
    this.epoch++;
    this.touched = [];
    this.touchedHistograms = [];
    this.newSeries = new Map();
    this.drafts = new Map();
    this.unreferenced = new Set();
    if (this.known === undefined) this.loadKnown();
    if (this.cached > this.known!.size + UNSTORED_SLACK) this.clearCache();
  }

  /** Adds one signal other than a distribution to the batch at sample time `t`. */
  addSignal(s: Exclude<Signal, { type: 'distribution' }>, t: number): void {
    switch (s.type) {
      case 'request': {
        const group = this.requestGroup(s.service);
        this.touch(group.requests, t, 1);
        // An ok request still writes the error counter (delta 0) so the series exists from the start.
        this.touch(group.errors, t, s.ok ? 0 : 1);
        this.observe(group.histogram, t, s.seconds);
        return;
      }
      case 'component_latency': {
        const histogram = this.componentHistogram(s.service, s.component);
        if (s.seconds !== undefined) {
          this.observe(histogram, t, s.seconds);
          return;
        }
        const batch = this.histogramBatch(histogram, t);
        const buckets = s.buckets ?? {};
        for (const key in buckets) {
          const i = bucketIndex(histogram.bounds, boundOf(key));
          batch.counts[i]! += buckets[key]!;
        }
        batch.count += s.count ?? 0;
        batch.sum += s.sum ?? 0;
        return;
      }
      case 'feature_value':
        this.touch(this.slot(FAMILIES.featureNewest, s.service, s.feature), t, s.eventTime / 1000);
        return;
      case 'null_rate':
        this.touch(this.slot(FAMILIES.lookups, s.service, s.feature), t, s.total);
        this.touch(this.slot(FAMILIES.nulls, s.service, s.feature), t, s.nulls);
        return;
      case 'stream':
        this.touch(this.slot(FAMILIES.lag, s.service, s.consumerGroup), t, s.lag);
        this.touch(this.slot(FAMILIES.consume, s.service, s.consumerGroup), t, s.consumeRate);
        this.touch(this.slot(FAMILIES.produce, s.service, s.consumerGroup), t, s.produceRate);
        return;
      case 'recall_probe': {
        const k = String(s.k);
        const { hits, expected } = recallAtK(s.retrieved, s.exact, s.k);
        this.touch(this.slot(FAMILIES.probes, s.service, s.index, k), t, 1);
        this.touch(this.slot(FAMILIES.hits, s.service, s.index, k), t, hits);
        this.touch(this.slot(FAMILIES.expected, s.service, s.index, k), t, expected);
        return;
      }
      case 'index_stats':
        this.touch(this.slot(FAMILIES.vectors, s.service, s.index), t, s.vectors);
        this.touch(this.slot(FAMILIES.tombstones, s.service, s.index), t, s.tombstones);
        if (s.dimensions !== undefined && s.m !== undefined) {
          this.touch(
            this.slot(FAMILIES.memory, s.service, s.index),
            t,
            indexMemoryBytes(s.vectors, s.dimensions, s.m),
          );
        }
        return;
    }
  }

  /**
   * Adds a pre-aggregated histogram with the client's own bucket bounds (OTLP): each client bucket's
   * count goes to the smallest of our bounds >= the client's bound. For `request`, `errors` of the
   * `count` requests failed.
   */
  addHistogram(
    target:
      | { kind: 'request'; service: string; errors: number }
      | { kind: 'component'; service: string; component: string },
    t: number,
    clientBounds: readonly number[],
    counts: readonly number[],
    sum: number,
  ): void {
    let histogram: Histogram;
    let total = 0;
    for (const c of counts) total += c;
    if (target.kind === 'request') {
      const group = this.requestGroup(target.service);
      this.touch(group.requests, t, total);
      this.touch(group.errors, t, target.errors);
      histogram = group.histogram;
    } else {
      histogram = this.componentHistogram(target.service, target.component);
    }
    const batch = this.histogramBatch(histogram, t);
    for (let i = 0; i < counts.length; i++) {
      const bound = i < clientBounds.length ? clientBounds[i]! : Infinity;
      batch.counts[bucketIndex(histogram.bounds, bound)]! += counts[i]!;
    }
    batch.count += total;
    batch.sum += sum;
  }

  /** Adds one sample to a single-subject series (OTLP gauges and sums): a delta for counters. */
  addSample(series: SingleSeries, service: string, subject: string, t: number, value: number): void {
    this.touch(this.slot(FAMILIES[series], service, subject), t, value);
  }

  /** Ends the batch: the updates to apply and the series they would create. */
  finish(): MappedBatch {
    for (const histogram of this.touchedHistograms) {
      this.flushHistogram(histogram, histogram.pending);
      if (histogram.more) for (const batch of histogram.more.values()) this.flushHistogram(histogram, batch);
    }
    const updates: SampleUpdate[] = [];
    for (const slot of this.touched) {
      updates.push({ name: slot.name, labels: slot.labels, type: slot.type, t: slot.t, value: slot.value });
      if (slot.more) {
        for (const cell of slot.more.values()) {
          updates.push({
            name: slot.name,
            labels: slot.labels,
            type: slot.type,
            t: cell.t,
            value: cell.value,
          });
        }
      }
    }
    const references: PendingReference[] = [];
    for (const draft of this.drafts.values()) {
      references.push({
        service: draft.service,
        feature: draft.feature,
        reference: draft.reference!,
        atMs: draft.atMs,
      });
    }
    return { updates, newSeries: this.newSeries, references };
  }

  /**
   * Records that the batch was applied (or will be, with its group): its series now exist in the store
   * and its references are the stored ones. When a group commit then fails, `reset` undoes this.
   */
  commit(): void {
    for (const slot of this.touched) {
      if (!slot.known) {
        slot.known = true;
        this.known!.add(slot.key);
      }
    }
    for (const draft of this.drafts.values())
      this.references.remember(draft.service, draft.feature, draft.model!);
    this.drafts = new Map();
    this.touched = [];
    this.touchedHistograms = [];
  }

  /** Forgets the batch (nothing was applied). */
  abort(): void {
    this.touched = [];
    this.touchedHistograms = [];
    this.drafts = new Map();
    // A new epoch makes every slot touched by the aborted batch start afresh.
    this.epoch++;
  }

  /**
   * Forgets everything believed about the store (after a failed group commit): the known series and
   * the reference models are read from the store again, so nothing unstored is believed.
   */
  reset(): void {
    this.abort();
    this.known = undefined;
    this.clearCache();
    this.references.clear();
  }

  private loadKnown(): void {
    const known = new Set<string>();
    for (const name of WRITTEN_SERIES_NAMES) {
      for (const ref of this.store.select(name)) known.add(seriesKey(ref.name, ref.labels));
    }
    this.known = known;
  }

  private clearCache(): void {
    this.requestGroups.clear();
    this.componentHistograms.clear();
    this.slots.clear();
    this.cached = 0;
  }

  private newSlot(name: string, labels: Labels, type: SeriesType, service: string): Slot {
    const key = seriesKey(name, labels);
    this.cached++;
    // Frozen: the store then finds the series by the identity of its label set.
    return new Slot(key, name, Object.freeze(labels), type, service, this.known!.has(key));
  }

  private slot(family: Family, service: string, a: string, b?: string): Slot {
    let byService = this.slots.get(family);
    if (byService === undefined) {
      byService = new Map();
      this.slots.set(family, byService);
    }
    let bySubject = byService.get(service);
    if (bySubject === undefined) {
      bySubject = new Map();
      byService.set(service, bySubject);
    }
    const subject = b === undefined ? a : `${a}\u0000${b}`;
    let slot = bySubject.get(subject);
    if (slot === undefined) {
      const labels: Record<string, string> = { service };
      const values = b === undefined ? [a] : [a, ...b.split('\u0000')];
      family.labels.forEach((label, i) => (labels[label] = values[i]!));
      slot = this.newSlot(family.name, labels, family.type, service);
      bySubject.set(subject, slot);
    }
    return slot;
  }

  private histogram(name: string, bounds: readonly number[], le: readonly string[], base: Labels): Histogram {
    const service = base.service!;
    const buckets = le.map((value) =>
      this.newSlot(`${name}_bucket`, { ...base, le: value }, 'counter', service),
    );
    const count = this.newSlot(`${name}_count`, base, 'counter', service);
    const sum = this.newSlot(`${name}_sum`, base, 'counter', service);
    return new Histogram(bounds, buckets, count, sum);
  }

  private requestGroup(service: string): RequestGroup {
    let group = this.requestGroups.get(service);
    if (group === undefined) {
      const labels = { service };
      group = {
        requests: this.newSlot(METRICS.requests, labels, 'counter', service),
        errors: this.newSlot(METRICS.requestErrors, labels, 'counter', service),
        histogram: this.histogram(METRICS.requestDuration, this.layout.request, this.requestLe, labels),
      };
      this.requestGroups.set(service, group);
    }
    return group;
  }

  private componentHistogram(service: string, component: string): Histogram {
    let byComponent = this.componentHistograms.get(service);
    if (byComponent === undefined) {
      byComponent = new Map();
      this.componentHistograms.set(service, byComponent);
    }
    let histogram = byComponent.get(component);
    if (histogram === undefined) {
      histogram = this.histogram(METRICS.componentLatency, this.layout.component, this.componentLe, {
        service,
        component,
      });
      byComponent.set(component, histogram);
    }
    return histogram;
  }

  private touch(slot: Slot, t: number, value: number): void {
    const group = bucketEnd(t, GROUP_MS);
    if (slot.epoch !== this.epoch) {
      slot.epoch = this.epoch;
      slot.group = group;
      slot.t = t;
      slot.value = value;
      slot.more = undefined;
      this.touched.push(slot);
      if (!slot.known) this.newSeries.set(slot.service, (this.newSeries.get(slot.service) ?? 0) + 1);
      return;
    }
    if (slot.group === group) {
      mergeCell(slot.type, slot, value, t);
      return;
    }
    slot.more ??= new Map();
    const cell = slot.more.get(group);
    if (cell === undefined) slot.more.set(group, { value, t });
    else mergeCell(slot.type, cell, value, t);
  }

  private histogramBatch(histogram: Histogram, t: number): HistogramBatch {
    const pending = histogram.pending;
    const group = bucketEnd(t, GROUP_MS);
    if (histogram.epoch !== this.epoch) {
      histogram.epoch = this.epoch;
      histogram.more = undefined;
      histogram.group = group;
      pending.t = t;
      pending.counts.fill(0);
      pending.count = 0;
      pending.sum = 0;
      this.touchedHistograms.push(histogram);
      return pending;
    }
    let batch: HistogramBatch | undefined = pending;
    if (histogram.group !== group) {
      histogram.more ??= new Map();
      batch = histogram.more.get(group);
      if (batch === undefined) {
        batch = { t, counts: new Float64Array(histogram.bounds.length + 1), count: 0, sum: 0 };
        histogram.more.set(group, batch);
      }
    }
    // Counters keep the newest sample time of their bucket, as the store does.
    if (t > batch.t) batch.t = t;
    return batch;
  }

  private observe(histogram: Histogram, t: number, seconds: number): void {
    const batch = this.histogramBatch(histogram, t);
    batch.counts[bucketIndex(histogram.bounds, seconds)]!++;
    batch.count++;
    batch.sum += seconds;
  }

  /** Writes one sample time of a histogram: cumulative buckets (Prometheus `le`), count and sum. */
  private flushHistogram(histogram: Histogram, batch: HistogramBatch): void {
    let cumulative = 0;
    for (let i = 0; i < histogram.buckets.length; i++) {
      cumulative += batch.counts[i]!;
      this.touch(histogram.buckets[i]!, batch.t, cumulative);
    }
    this.touch(histogram.count, batch.t, batch.count);
    this.touch(histogram.sum, batch.t, batch.sum);
  }

  private draftReference(
    s: Extract<Signal, { type: 'distribution' }>,
    t: number,
    pos: SignalPosition,
    problems: ProblemList,
  ): void {
    const key = `${s.service}\u0000${s.feature}`;
    const kind = s.values !== undefined ? 'numeric' : 'categorical';
    let draft = this.drafts.get(key);
    if (draft === undefined) {
      draft = { service: s.service, feature: s.feature, kind, values: [], counts: {}, atMs: t };
      this.drafts.set(key, draft);
    } else if (draft.kind !== kind) {
      problems.add({
        message: `${fieldLabel(pos, kind === 'numeric' ? 'values' : 'counts')}: an earlier reference of feature "${s.feature}" in this batch is ${draft.kind}; one feature's reference is either values or counts`,
        index: pos.index,
        ...(pos.line === undefined ? {} : { line: pos.line }),
        field: kind === 'numeric' ? 'values' : 'counts',
      });
      return;
    }
    draft.atMs = Math.max(draft.atMs, t);
    if (s.values !== undefined) {
      for (const v of s.values) draft.values.push(v);
    } else if (s.counts !== undefined) {
      for (const category in s.counts)
        draft.counts[category] = (draft.counts[category] ?? 0) + s.counts[category]!;
    }
  }

  private prepareReferences(): void {
    for (const draft of this.drafts.values()) {
      const reference: ReferenceDistribution =
        draft.kind === 'numeric'
          ? { kind: 'numeric', values: sampleReference(draft.values) }
          : { kind: 'categorical', counts: draft.counts };
      // A different reference at the same time as the stored one gets the next millisecond, so its
      // observation counters (labelled with the reference time) never mix with the old one's. The
      // same reference sent again (a retry) keeps its time and its counters.
      const existing = this.references.get(draft.service, draft.feature);
      if (
        existing !== undefined &&
        existing.atMs === draft.atMs &&
        !sameReference(existing.reference, reference)
      ) {
        draft.atMs += 1;
      }
      draft.reference = reference;
      draft.model = referenceModel(reference, draft.atMs);
    }
  }

  private observeDistribution(
    s: Extract<Signal, { type: 'distribution' }>,
    t: number,
    pos: SignalPosition,
    problems: ProblemList,
  ): void {
    const key = `${s.service}\u0000${s.feature}`;
    let model = this.drafts.get(key)?.model;
    if (model === undefined && !this.unreferenced.has(key)) {
      model = this.references.get(s.service, s.feature);
      if (model === undefined) this.unreferenced.add(key);
    }
    // Observations before any reference exist cannot be binned: they are accepted and not counted.
    if (model === undefined) return;
    const kind = s.values !== undefined ? 'numeric' : 'categorical';
    if (model.kind !== kind) {
      const field = kind === 'numeric' ? 'values' : 'counts';
      problems.add({
        message: `${fieldLabel(pos, field)}: feature "${s.feature}" has a ${model.kind} reference; send ${model.kind === 'numeric' ? 'values (numbers)' : 'counts (category → count)'}`,
        index: pos.index,
        ...(pos.line === undefined ? {} : { line: pos.line }),
        field,
      });
      return;
    }
    const reference = String(model.atMs);
    if (model.kind === 'numeric' && s.values !== undefined) {
      const counts = new Array<number>(model.edges.length + 1).fill(0);
      for (const v of s.values) counts[binIndex(model.edges, v)]!++;
      for (let bin = 0; bin < counts.length; bin++) {
        if (counts[bin] === 0) continue;
        const label = BIN_LABELS[bin] ?? String(bin);
        this.touch(
          this.slot(FAMILIES.observations, s.service, s.feature, `${reference}\u0000${label}`),
          t,
          counts[bin]!,
        );
      }
    } else if (s.counts !== undefined) {
      for (const category in s.counts) {
        const count = s.counts[category]!;
        if (count === 0) continue;
        this.touch(
          this.slot(FAMILIES.observations, s.service, s.feature, `${reference}\u0000${category}`),
          t,
          count,
        );
      }
    }
  }
}

/** Throws the series-cap answer when a batch would take a service over `maxSeriesPerService`. */
export function checkSeriesCap(
  newSeries: ReadonlyMap<string, number>,
  existing: (service: string) => number,
  maxSeriesPerService: number,
): void {
  for (const [service, added] of newSeries) {
    if (added === 0) continue;
    const current = existing(service);
    if (current + added > maxSeriesPerService) {
      throw new IngestError(
        429,
        'series_limit',
        `service "${service}" would have ${current + added} series, over the limit of ${maxSeriesPerService} series per service; ` +
          'reduce the number of distinct features, components, indexes, consumer groups or categories',
      );
    }
  }
}
