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
  /** Per-window values of an SLI in the current cycle. */
  windows?: Map<number, number | undefined>;
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
  /** Readings of derived signals per signal object (their counters, if any, are in `bindings`). */
  private readonly readingBindings = new WeakMap<Signal, Binding>();
  /** Reader results of the cycle, by service and subject (shared by SLAs of the same service). */
  private readonly derived = new Map<string, unknown>();
  private cycle = 0;

  constructor(
    private readonly series: SeriesCache,
    private readonly reader: DerivedSignals,
  ) {}

  /** Starts a cycle at `at`. */
  begin(at: number): void {
    this.series.begin(at);
    this.derived.clear();
    this.cycle++;
  }

  private get at(): number {
    return this.series.now;
  }

  private binding(of: object, select: () => Selection[]): Binding {
    let binding = this.bindings.get(of);
    if (binding === undefined) {
      binding = { selections: select(), cycle: -1, value: undefined };
      this.bindings.set(of, binding);
    }
    return binding;
  }

  /** The binding's value this cycle, computed on first use. */
  private current<T>(binding: Binding, compute: (selections: Selection[]) => T): T {
    if (binding.cycle !== this.cycle) {
      binding.value = compute(binding.selections);
      binding.cycle = this.cycle;
    }
    return binding.value as T;
  }

  private once<T>(key: string, compute: () => T): T {
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const value = compute();
    this.derived.set(key, value);
    return value;
  }

  /**
   * The share of bad events of an SLI over a window (errorRatioExpr), or undefined when Prometheus
   * would record no sample: no traffic, no such series, or a custom SLI slactl cannot see.
   */
  errorRatio(sli: Sli, windowMs: number): number | undefined {
    if (sli.kind === 'custom-ratio' || sli.kind === 'custom-histogram') return undefined;
    const binding = this.binding(sli, () =>
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
          ],
    );
    if (binding.cycle !== this.cycle) {
      binding.windows = new Map();
      binding.cycle = this.cycle;
    }
    const windows = binding.windows!;
    if (windows.has(windowMs)) return windows.get(windowMs);
    const [totalSelection, otherSelection] = binding.selections as [Selection, Selection];
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
    windows.set(windowMs, ratio);
    return ratio;
  }

  /** Recall counters of a recall signal over its window. */
  recallCounts(signal: RecallSignal): RecallCounts {
    const binding = this.binding(signal, () => {
      const match = { index: signal.index, k: formatNumber(signal.k) };
      return [METRICS.recallHits, METRICS.recallExpected, METRICS.recallProbes].map((name) =>
        this.series.selection(signal.service, name, match),
      );
    });
    return this.current(binding, ([hits, expected, probes]) => {
      const out: RecallCounts = {};
      const sum = (selection: Selection | undefined) =>
        selection === undefined ? undefined : this.series.sumIncrease(selection, signal.windowMs);
      const values = { hits: sum(hits), expected: sum(expected), probes: sum(probes) };
      if (values.hits !== undefined) out.hits = values.hits;
      if (values.expected !== undefined) out.expected = values.expected;
      if (values.probes !== undefined) out.probes = values.probes;
      return out;
    });
  }

  /** Derived feature age in seconds (the `slactl_feature_age_seconds` gauge). */
  featureAge(service: string, feature: string): number | undefined {
    return this.once(`age\u0000${service}\u0000${feature}`, () =>
      this.reader.featureAge(service, feature, this.at),
    );
  }

  /** Derived state of a consumer group (the `slactl_stream_*` gauges). */
  stream(service: string, consumerGroup: string): StreamState | undefined {
    return this.once(`stream\u0000${service}\u0000${consumerGroup}`, () =>
      this.reader.stream(service, consumerGroup, this.at),
    );
  }

  /** Derived state of a vector index (the `slactl_index_*` gauges). */
  index(service: string, index: string): IndexState | undefined {
    return this.once(`index\u0000${service}\u0000${index}`, () => this.reader.index(service, index, this.at));
  }

  /** Derived drift per feature (the `slactl_distribution_*` gauges). */
  drift(service: string): DriftEntry[] {
    return this.once(`drift\u0000${service}`, () => this.reader.drift(service, this.at));
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
        return this.current(binding, () => this.derivedReadings(signal));
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
    const binding = this.binding(signal, () => {
      const match = { component: signal.component };
      return [
        this.series.selection(signal.service, `${METRICS.componentLatency}_bucket`, match),
        this.series.selection(signal.service, `${METRICS.componentLatency}_count`, match),
      ];
    });
    return this.current(binding, ([bucketSelection, countSelection]): Reading[] => {
      const refs = this.series.refs(bucketSelection!);
      // histogram_quantile over an empty vector is empty.
      if (refs.length === 0) return [];
      // and on() (sum(rate(count[w])) > 0): without traffic no rule or status reads the value.
      const count = this.series.sumIncrease(countSelection!, signal.windowMs);
      if (count === undefined || !(count > 0)) return [{ labels: {}, value: NaN, guard: false }];
      const layout = (bucketSelection!.derived ??= bucketLayout(refs)) as BucketLayout;
      for (let i = 0; i < layout.buckets.length; i++) {
        let sum = 0;
        for (const ref of layout.groups[i]!) sum += this.series.increase(ref, signal.windowMs);
        layout.buckets[i]!.count = sum;
      }
      return [{ labels: {}, value: histogramQuantile(signal.quantile, layout.buckets), guard: true }];
    });
  }

  private nullRates(signal: NullRateSignal): Reading[] {
    const binding = this.binding(signal, () => [
      this.series.selection(signal.service, METRICS.featureNulls),
      this.series.selection(signal.service, METRICS.featureLookups),
    ]);
    return this.current(binding, ([nullSelection, lookupSelection]): Reading[] => {
      // sum by (feature) (nulls) / (sum by (feature) (lookups) > 0): one-to-one on `feature`.
      const groups = (selection: Selection): FeatureGroups => {
        // refs() first: it drops `derived` when the series changed.
        const refs = this.series.refs(selection);
        return (selection.derived ??= featureGroups(refs)) as FeatureGroups;
      };
      const nulls = groups(nullSelection!);
      const lookups = groups(lookupSelection!);
      const sum = (refs: readonly SeriesRef[]) => {
        let total = 0;
        for (const ref of refs) total += this.series.increase(ref, signal.windowMs);
        return total;
      };
      const out: Reading[] = [];
      for (const feature of lookups.features) {
        const nullRefs = nulls.groups.get(feature);
        if (nullRefs === undefined) continue;
        const total = sum(lookups.groups.get(feature)!);
        if (!(total > 0)) continue;
        out.push({ labels: { feature }, value: sum(nullRefs) / total, guard: true });
      }
      return out;
    });
  }
}
