// What each expression of the compiled rules computes, over slactl's store instead of Prometheus' TSDB.
// Every function mirrors one expression of compile/promql.ts (errorRatioExpr, signalParts), guards
// included: no traffic gives no sample rather than NaN, a missing error counter counts as zero.
// Counters are read as exact increases over (at − window, at]; Prometheus' rate() over scrapes aligned
// with the evaluations gives the same ratios.
//
// Cost: the selections of each SLI and signal are made once (bindings, cached per plan object) and
// each value is computed at most once per cycle, however many rules and status fields read it.
import type { SignalReader } from '../collector/derived.js';
import type { Signal, Sli } from '../compile/ir.js';
import { METRICS } from '../compile/metrics.js';
import { formatNumber } from '../lib/units.js';
import { histogramQuantile, type Bucket } from '../signals/histogram.js';
import type { SeriesRef } from '../store/types.js';
import type { SeriesCache, Selection } from './series.js';

/** One sample of a signal's value expression, with whether its guard (`and …`) holds. */
export interface Reading {
  /** Labels the value takes from the data (`feature` for per-feature signals); empty otherwise. */
  labels: Record<string, string>;
  value: number;
  guard: boolean;
}

/** Counter increases behind a recall@k value over its window. */
export interface RecallCounts {
  hits?: number;
  expected?: number;
  probes?: number;
}

type StreamState = NonNullable<ReturnType<SignalReader['stream']>>;
type IndexState = NonNullable<ReturnType<SignalReader['index']>>;
type DriftEntry = ReturnType<SignalReader['drift']>[number];

/** The derived values the evaluator reads from the collector (what `/metrics` exports as gauges). */
export type DerivedSignals = Pick<SignalReader, 'featureAge' | 'stream' | 'index' | 'drift'>;

type RecallSignal = Extract<Signal, { kind: 'recall' }>;
type QuantileSignal = Extract<Signal, { kind: 'component-quantile' }>;
type NullRateSignal = Extract<Signal, { kind: 'null-rate' }>;

/** What ReaderResults answers for a result not read yet this cycle. */
const NOT_READ = Symbol('not read');

/**
 * Reader results of one kind by service and subject (a feature, a consumer group, an index), valid
 * in the cycle they are stamped with: shared by the rules, status fields and SLAs of a service, and
 * found without building a key string, nor dropping and remaking entries every cycle.
 */
class ReaderResults {
  private readonly byService = new Map<string, Map<string, { cycle: number; value: unknown }>>();

  /** The result read in `cycle`, or NOT_READ. */
  get(service: string, subject: string, cycle: number): unknown {
    const entry = this.byService.get(service)?.get(subject);
    return entry !== undefined && entry.cycle === cycle ? entry.value : NOT_READ;
  }

  set<T>(service: string, subject: string, cycle: number, value: T): T {
    let bySubject = this.byService.get(service);
    if (bySubject === undefined) {
      bySubject = new Map();
      this.byService.set(service, bySubject);
    }
    const entry = bySubject.get(subject);
    if (entry === undefined) bySubject.set(subject, { cycle, value });
    else {
      entry.cycle = cycle;
      entry.value = value;
    }
    return value;
  }
}

/** Bucket series grouped by upper bound, ascending (derived once per selection). */
interface BucketLayout {
  /** One per bound; counts are overwritten by each computation. */
  buckets: Bucket[];
  groups: SeriesRef[][];
}

/** Series grouped by their `feature` label, sorted by feature. */
interface FeatureGroups {
  features: string[];
  groups: Map<string, SeriesRef[]>;
}

/** The selections behind an SLI or a signal, and its value in the current cycle. */
interface Binding {
  selections: Selection[];
  cycle: number;
  value: unknown;
}

/**
 * The error ratios of an SLI computed in the current cycle, by window: an SLI is read over a few
 * windows (its burn-rate tiers', the SLA window, an hour), so a short scan of arrays kept across
 * cycles beats a map made every cycle.
 */
interface SliBinding {
  selections: [total: Selection, other: Selection];
  cycle: number;
  /** The first `count` entries are this cycle's. */
  count: number;
  windowsMs: number[];
  ratios: Array<number | undefined>;
}

function bucketBound(ref: SeriesRef): number {
  const text = ref.labels.le;
  if (text === undefined || text.trim() === '') return NaN;
  return text === '+Inf' ? Infinity : Number(text);
}

function bucketLayout(refs: readonly SeriesRef[]): BucketLayout {
  const byBound = new Map<number, SeriesRef[]>();
  for (const ref of refs) {
    const le = bucketBound(ref);
    if (Number.isNaN(le)) continue;
    const group = byBound.get(le);
    if (group === undefined) byBound.set(le, [ref]);
    else group.push(ref);
  }
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return { buckets: bounds.map((le) => ({ le, count: 0 })), groups: bounds.map((b) => byBound.get(b)!) };
}

function featureGroups(refs: readonly SeriesRef[]): FeatureGroups {
  const groups = new Map<string, SeriesRef[]>();
  for (const ref of refs) {
    const feature = ref.labels.feature ?? '';
    const group = groups.get(feature);
    if (group === undefined) groups.set(feature, [ref]);
    else group.push(ref);
  }
  return { features: [...groups.keys()].sort(), groups };
}

/** Signal values of one evaluation cycle, each computed once. */
export class Measurements {
  private readonly bindings = new WeakMap<object, Binding>();
  private readonly sliBindings = new WeakMap<Sli, SliBinding>();
  /** Readings of derived signals per signal object (their counters, if any, are in `bindings`). */
  private readonly readingBindings = new WeakMap<Signal, Binding>();
  /** Reader results of the cycle, by service and subject (shared by SLAs of the same service). */
  private readonly ages = new ReaderResults();
  private readonly streams = new ReaderResults();
  private readonly indexes = new ReaderResults();
  private readonly drifts = new ReaderResults();
  private cycle = 0;

  constructor(
    private readonly series: SeriesCache,
    private readonly reader: DerivedSignals,
  ) {}

  /** Starts a cycle at `at`. */
  begin(at: number): void {
    this.series.begin(at);
    this.cycle++;
  }

  private get at(): number {
    return this.series.now;
  }

  // Call sites look a binding up and make it (`?? this.bind(…)`) without a closure: these run tens of
  // thousands of times a cycle, and a closure made at each call was garbage of every cycle.

  private bind(of: object, selections: Selection[]): Binding {
    const binding: Binding = { selections, cycle: -1, value: undefined };
    this.bindings.set(of, binding);
    return binding;
  }

  /** Whether the binding's value is this cycle's; if not, the caller computes it and calls `settle`. */
  private fresh(binding: Binding): boolean {
    return binding.cycle === this.cycle;
  }

  private settle<T>(binding: Binding, value: T): T {
    binding.value = value;
    binding.cycle = this.cycle;
    return value;
  }

  /**
   * The share of bad events of an SLI over a window (errorRatioExpr), or undefined when Prometheus
   * would record no sample: no traffic, no such series, or a custom SLI slactl cannot see.
   */
  errorRatio(sli: Sli, windowMs: number): number | undefined {
    if (sli.kind === 'custom-ratio' || sli.kind === 'custom-histogram') return undefined;
    const binding = this.sliBindings.get(sli) ?? this.bindSli(sli);
    if (binding.cycle !== this.cycle) {
      binding.count = 0;
      binding.cycle = this.cycle;
    }
    const { windowsMs, ratios } = binding;
    for (let k = 0; k < binding.count; k++) if (windowsMs[k] === windowMs) return ratios[k];
    const [totalSelection, otherSelection] = binding.selections;
    const total = this.series.sumIncrease(totalSelection, windowMs);
    let ratio: number | undefined;
    if (total !== undefined && total > 0) {
      const other = this.series.sumIncrease(otherSelection, windowMs);
      if (sli.kind === 'requests') {
        // `or vector(0)`: the error counter may not exist before the first error.
        ratio = (other ?? 0) / total;
      } else if (other !== undefined) {
        ratio = 1 - other / total;
      }
    }
    windowsMs[binding.count] = windowMs;
    ratios[binding.count] = ratio;
    binding.count++;
    return ratio;
  }

  private bindSli(sli: Exclude<Sli, { kind: 'custom-ratio' | 'custom-histogram' }>): SliBinding {
    const selections: [Selection, Selection] =
      sli.kind === 'requests'
        ? [
            this.series.selection(sli.service, METRICS.requests),
            this.series.selection(sli.service, METRICS.requestErrors),
          ]
        : [
            this.series.selection(sli.service, `${METRICS.requestDuration}_count`),
            // The collector writes `le` with formatNumber, the spelling leMatcher matches.
            this.series.selection(sli.service, `${METRICS.requestDuration}_bucket`, {
              le: formatNumber(sli.thresholdSeconds),
            }),
          ];
    const binding: SliBinding = { selections, cycle: -1, count: 0, windowsMs: [], ratios: [] };
    this.sliBindings.set(sli, binding);
    return binding;
  }

  /** Recall counters of a recall signal over its window. */
  recallCounts(signal: RecallSignal): RecallCounts {
    const binding = this.bindings.get(signal) ?? this.bindRecall(signal);
    if (this.fresh(binding)) return binding.value as RecallCounts;
    const [hits, expected, probes] = binding.selections as [Selection, Selection, Selection];
    const out: RecallCounts = {};
    const values = {
      hits: this.series.sumIncrease(hits, signal.windowMs),
      expected: this.series.sumIncrease(expected, signal.windowMs),
      probes: this.series.sumIncrease(probes, signal.windowMs),
    };
    if (values.hits !== undefined) out.hits = values.hits;
    if (values.expected !== undefined) out.expected = values.expected;
    if (values.probes !== undefined) out.probes = values.probes;
    return this.settle(binding, out);
  }

  private bindRecall(signal: RecallSignal): Binding {
    const match = { index: signal.index, k: formatNumber(signal.k) };
    return this.bind(
      signal,
      [METRICS.recallHits, METRICS.recallExpected, METRICS.recallProbes].map((name) =>
        this.series.selection(signal.service, name, match),
      ),
    );
  }

  /** Derived feature age in seconds (the `slactl_feature_age_seconds` gauge). */
  featureAge(service: string, feature: string): number | undefined {
    const known = this.ages.get(service, feature, this.cycle);
    if (known !== NOT_READ) return known as number | undefined;
    return this.ages.set(service, feature, this.cycle, this.reader.featureAge(service, feature, this.at));
  }

  /** Derived state of a consumer group (the `slactl_stream_*` gauges). */
  stream(service: string, consumerGroup: string): StreamState | undefined {
    const known = this.streams.get(service, consumerGroup, this.cycle);
    if (known !== NOT_READ) return known as StreamState | undefined;
    const state = this.reader.stream(service, consumerGroup, this.at);
    return this.streams.set(service, consumerGroup, this.cycle, state);
  }

  /** Derived state of a vector index (the `slactl_index_*` gauges). */
  index(service: string, index: string): IndexState | undefined {
    const known = this.indexes.get(service, index, this.cycle);
    if (known !== NOT_READ) return known as IndexState | undefined;
    return this.indexes.set(service, index, this.cycle, this.reader.index(service, index, this.at));
  }

  /** Derived drift per feature (the `slactl_distribution_*` gauges). */
  drift(service: string): DriftEntry[] {
    const known = this.drifts.get(service, '', this.cycle);
    if (known !== NOT_READ) return known as DriftEntry[];
    return this.drifts.set(service, '', this.cycle, this.reader.drift(service, this.at));
  }

  /** The samples of a signal's value expression (signalParts' `value`), with their guards. */
  readings(signal: Signal): Reading[] {
    switch (signal.kind) {
      case 'component-quantile':
        return this.componentQuantile(signal);
      case 'null-rate':
        return this.nullRates(signal);
      default: {
        // Rules and status read the same signal several times a cycle: compute it once.
        let binding = this.readingBindings.get(signal);
        if (binding === undefined) {
          binding = { selections: [], cycle: -1, value: undefined };
          this.readingBindings.set(signal, binding);
        }
        if (this.fresh(binding)) return binding.value as Reading[];
        return this.settle(binding, this.derivedReadings(signal));
      }
    }
  }

  private derivedReadings(signal: Signal): Reading[] {
    switch (signal.kind) {
      case 'component-quantile':
      case 'null-rate':
        throw new Error(`${signal.kind} is not a derived signal`);
      case 'feature-age': {
        const age = this.featureAge(signal.service, signal.feature);
        return age === undefined ? [] : [{ labels: {}, value: age, guard: true }];
      }
      case 'recall': {
        const { hits, expected, probes } = this.recallCounts(signal);
        // hits / (expected > 0), and on() (sum(increase(probes)) >= minProbes)
        if (hits === undefined || expected === undefined || !(expected > 0)) return [];
        return [
          { labels: {}, value: hits / expected, guard: probes !== undefined && probes >= signal.minProbes },
        ];
      }
      case 'tombstone-ratio': {
        // tombstones / (vectors > 0): the reader leaves the ratio out for an empty index.
        const ratio = this.index(signal.service, signal.index)?.tombstoneRatio;
        return ratio === undefined ? [] : [{ labels: {}, value: ratio, guard: true }];
      }
      case 'drift-psi': {
        // max by (feature) (slactl_distribution_psi{service})
        const max = new Map<string, number>();
        for (const entry of this.drift(signal.service)) {
          const seen = max.get(entry.feature);
          if (seen === undefined || entry.psi > seen || Number.isNaN(seen)) max.set(entry.feature, entry.psi);
        }
        return [...max.keys()].sort().map((feature) => ({
          labels: { feature },
          value: max.get(feature)!,
          guard: true,
        }));
      }
      case 'stream-catchup': {
        const state = this.stream(signal.service, signal.consumerGroup);
        return state === undefined ? [] : [{ labels: {}, value: state.catchUpSeconds, guard: true }];
      }
      case 'stream-stalled': {
        const state = this.stream(signal.service, signal.consumerGroup);
        // lag … and on(service, consumer_group) consume_rate == 0
        return state === undefined ? [] : [{ labels: {}, value: state.lag, guard: state.consumeRate === 0 }];
      }
    }
  }

  private componentQuantile(signal: QuantileSignal): Reading[] {
    const binding = this.bindings.get(signal) ?? this.bindQuantile(signal);
    if (this.fresh(binding)) return binding.value as Reading[];
    const [bucketSelection, countSelection] = binding.selections as [Selection, Selection];
    return this.settle(binding, this.quantileReadings(signal, bucketSelection, countSelection));
  }

  private bindQuantile(signal: QuantileSignal): Binding {
    const match = { component: signal.component };
    return this.bind(signal, [
      this.series.selection(signal.service, `${METRICS.componentLatency}_bucket`, match),
      this.series.selection(signal.service, `${METRICS.componentLatency}_count`, match),
    ]);
  }

  private quantileReadings(
    signal: QuantileSignal,
    bucketSelection: Selection,
    countSelection: Selection,
  ): Reading[] {
    const refs = this.series.refs(bucketSelection);
    // histogram_quantile over an empty vector is empty.
    if (refs.length === 0) return [];
    // and on() (sum(rate(count[w])) > 0): without traffic no rule or status reads the value.
    const count = this.series.sumIncrease(countSelection, signal.windowMs);
    if (count === undefined || !(count > 0)) return [{ labels: {}, value: NaN, guard: false }];
    const layout = (bucketSelection.derived ??= bucketLayout(refs)) as BucketLayout;
    for (let i = 0; i < layout.buckets.length; i++) {
      layout.buckets[i]!.count = this.series.sumIncreaseOf(layout.groups[i]!, signal.windowMs);
    }
    return [{ labels: {}, value: histogramQuantile(signal.quantile, layout.buckets), guard: true }];
  }

  private nullRates(signal: NullRateSignal): Reading[] {
    const binding =
      this.bindings.get(signal) ??
      this.bind(signal, [
        this.series.selection(signal.service, METRICS.featureNulls),
        this.series.selection(signal.service, METRICS.featureLookups),
      ]);
    if (this.fresh(binding)) return binding.value as Reading[];
    const [nullSelection, lookupSelection] = binding.selections as [Selection, Selection];
    return this.settle(binding, this.nullRateReadings(signal, nullSelection, lookupSelection));
  }

  private nullRateReadings(
    signal: NullRateSignal,
    nullSelection: Selection,
    lookupSelection: Selection,
  ): Reading[] {
    // sum by (feature) (nulls) / (sum by (feature) (lookups) > 0): one-to-one on `feature`.
    const nulls = this.featureGroupsOf(nullSelection);
    const lookups = this.featureGroupsOf(lookupSelection);
    const out: Reading[] = [];
    for (const feature of lookups.features) {
      const nullRefs = nulls.groups.get(feature);
      if (nullRefs === undefined) continue;
      const total = this.series.sumIncreaseOf(lookups.groups.get(feature)!, signal.windowMs);
      if (!(total > 0)) continue;
      out.push({
        labels: { feature },
        value: this.series.sumIncreaseOf(nullRefs, signal.windowMs) / total,
        guard: true,
      });
    }
    return out;
  }

  private featureGroupsOf(selection: Selection): FeatureGroups {
    // refs() first: it drops `derived` when the series changed.
    const refs = this.series.refs(selection);
    return (selection.derived ??= featureGroups(refs)) as FeatureGroups;
  }
}
