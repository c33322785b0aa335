// Values derived from the stored series at a time: feature age, stream catch-up, index hygiene and
// distribution drift. The single implementation of each: `/metrics` exports them and the evaluator
// alerts on them, so both always agree.
import { METRICS } from '../compile/metrics.js';
import { alignCategories, jsDistance, psi } from '../signals/drift.js';
import { tombstoneRatio } from '../signals/capacity.js';
import { featureAgeSeconds } from '../signals/freshness.js';
import { catchUpSeconds, isStalled } from '../signals/stream.js';
import type { Labels, SeriesRef, SeriesStore } from '../store/types.js';
import { COLLECTOR_METRICS } from './map.js';
import { ReferenceCache } from './reference.js';

export interface SignalReaderOptions {
  /** The current window that drift compares with the reference (default 1 h). */
  driftWindowMs?: number;
  /** Fewer observations than this in the window give no drift value (default 100). */
  driftMinObservations?: number;
}

/** A consumer group's state at a time. */
export interface StreamState {
  lag: number;
  consumeRate: number;
  produceRate: number;
  /** lag / (consume − produce); 0 without lag; Infinity when the lag is not draining. */
  catchUpSeconds: number;
  /** Lag while nothing is consumed. */
  stalled: boolean;
}

/** A vector index's state at a time. */
export interface IndexState {
  vectors: number;
  tombstones: number;
  /** tombstones / vectors; absent for an empty index. */
  tombstoneRatio?: number;
  /** vectors × (dimensions × 4 + m × 8), when the index reported dimensions and m. */
  memoryBytes?: number;
}

/** Drift of one feature's current window against its reference. */
export interface DriftEntry {
  feature: string;
  psi: number;
  js: number;
  /** Observations in the current window. */
  observations: number;
}

const HOUR = 3_600_000;

/** Reads derived signal values from the store. */
export class SignalReader {
  readonly driftWindowMs: number;
  readonly driftMinObservations: number;
  private readonly references: ReferenceCache;

  constructor(
    private readonly store: SeriesStore,
    options: SignalReaderOptions = {},
  ) {
    this.driftWindowMs = options.driftWindowMs ?? HOUR;
    this.driftMinObservations = options.driftMinObservations ?? 100;
    if (!(this.driftWindowMs > 0) || !Number.isFinite(this.driftWindowMs)) {
      throw new RangeError(
        `driftWindowMs must be a positive number of milliseconds, got ${this.driftWindowMs}`,
      );
    }
    if (!(this.driftMinObservations >= 0) || !Number.isFinite(this.driftMinObservations)) {
      throw new RangeError(`driftMinObservations must be a number ≥ 0, got ${this.driftMinObservations}`);
    }
    this.references = new ReferenceCache(store);
  }

  private one(name: string, match: Labels): SeriesRef | undefined {
    return this.store.select(name, match)[0];
  }

  private latest(name: string, match: Labels, at: number): number | undefined {
    const ref = this.one(name, match);
    return ref === undefined ? undefined : this.store.latest(ref, at)?.value;
  }

  private labelValues(names: readonly string[], service: string, label: string): string[] {
    const values = new Set<string>();
    for (const name of names) {
      for (const ref of this.store.select(name, { service })) {
        const value = ref.labels[label];
        if (value !== undefined) values.add(value);
      }
    }
    return [...values].sort(compare);
  }

  /** Seconds since the newest event time of a feature at `at`; undefined before any event. */
  featureAge(service: string, feature: string, at: number): number | undefined {
    const newest = this.latest(COLLECTOR_METRICS.featureNewestEvent, { service, feature }, at);
    return newest === undefined ? undefined : featureAgeSeconds(at, newest * 1000);
  }

  /** Features of a service that have event times, lookups or a reference, sorted. */
  features(service: string): string[] {
    const names = [COLLECTOR_METRICS.featureNewestEvent, METRICS.featureLookups];
    const features = new Set(this.labelValues(names, service, 'feature'));
    for (const ref of this.store.listReferences()) if (ref.service === service) features.add(ref.feature);
    return [...features].sort(compare);
  }

  /** A consumer group's lag, rates, catch-up time and stall at `at`; undefined until all three are known. */
  stream(service: string, consumerGroup: string, at: number): StreamState | undefined {
    const match = { service, consumer_group: consumerGroup };
    const lag = this.latest(METRICS.streamLag, match, at);
    const consumeRate = this.latest(METRICS.streamConsumeRate, match, at);
    const produceRate = this.latest(METRICS.streamProduceRate, match, at);
    if (lag === undefined || consumeRate === undefined || produceRate === undefined) return undefined;
    return {
      lag,
      consumeRate,
      produceRate,
      catchUpSeconds: catchUpSeconds(lag, consumeRate, produceRate),
      stalled: isStalled(lag, consumeRate),
    };
  }

  /** Consumer groups of a service, sorted. */
  streams(service: string): string[] {
    return this.labelValues([METRICS.streamLag], service, 'consumer_group');
  }

  /** An index's vectors, tombstones, tombstone ratio and memory estimate at `at`. */
  index(service: string, index: string, at: number): IndexState | undefined {
    const match = { service, index };
    const vectors = this.latest(METRICS.indexVectors, match, at);
    const tombstones = this.latest(METRICS.indexTombstones, match, at);
    if (vectors === undefined || tombstones === undefined) return undefined;
    const state: IndexState = { vectors, tombstones };
    const ratio = tombstoneRatio(vectors, tombstones);
    if (ratio !== undefined) state.tombstoneRatio = ratio;
    const memory = this.latest(COLLECTOR_METRICS.indexMemory, match, at);
    if (memory !== undefined) state.memoryBytes = memory;
    return state;
  }

  /** Indexes of a service (from index stats and recall probes), sorted. */
  indexes(service: string): string[] {
    return this.labelValues([METRICS.indexVectors, METRICS.recallProbes], service, 'index');
  }

  /**
   * PSI and Jensen-Shannon distance per feature of a service at `at`: the observations of the current
   * reference over (at − window, at] against the reference's own bin counts. Features with fewer
   * observations than the minimum are left out. Sorted by feature.
   */
  drift(service: string, at: number): DriftEntry[] {
    const out: DriftEntry[] = [];
    const references = this.store
      .listReferences()
      .filter((r) => r.service === service)
      .sort((a, b) => compare(a.feature, b.feature));
    for (const { feature, atMs } of references) {
      const model = this.references.get(service, feature, atMs);
      if (model === undefined) continue;
      const series = this.store.select(COLLECTOR_METRICS.distributionObservations, {
        service,
        feature,
        reference: String(model.atMs),
      });
      const from = at - this.driftWindowMs;
      let reference: readonly number[];
      let current: number[];
      if (model.kind === 'numeric') {
        reference = model.counts;
        current = new Array<number>(model.counts.length).fill(0);
        for (const ref of series) {
          const bin = Number(ref.labels.bin);
          if (Number.isInteger(bin) && bin >= 0 && bin < current.length) {
            current[bin]! += this.store.increase(ref, from, at);
          }
        }
      } else {
        const counts: Record<string, number> = {};
        for (const ref of series) {
          const category = ref.labels.bin;
          if (category !== undefined)
            counts[category] = (counts[category] ?? 0) + this.store.increase(ref, from, at);
        }
        const aligned = alignCategories(model.counts, counts);
        reference = aligned.reference;
        current = aligned.current;
      }
      let observations = 0;
      for (const c of current) observations += c;
      if (observations === 0 || observations < this.driftMinObservations) continue;
      out.push({ feature, psi: psi(reference, current), js: jsDistance(reference, current), observations });
    }
    return out;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
