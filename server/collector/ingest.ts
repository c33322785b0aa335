// The collector: validates a whole batch (every problem with its position), maps it to series updates,
// checks the per-service series cap and the time bounds, then applies it to the store in one call.
// A batch is all or nothing: a rejected body leaves the store exactly as it was.
import type { SlaPlan } from '../compile/ir.js';
import type { Clock } from '../lib/clock.js';
import type { SeriesStore } from '../store/types.js';
import { IngestError, ProblemList } from './errors.js';
import { bucketLayout, checkSeriesCap, SignalMapper, type BucketLayout, type MappedBatch } from './map.js';
import { OtlpMapping, type OtlpState } from './otlp.js';
import { batchTooLarge, parseSignalsBody, type RawSignal } from './parse.js';
import { timeProblem, type TimeBounds } from './time-bounds.js';
import { fieldLabel, validateSignal, type Signal, type SignalPosition } from './schema.js';

export interface CollectorOptions {
  /** Largest body in bytes (413 above). */
  maxBodyBytes: number;
  /** Most signals in one batch (413 above). */
  maxBatch: number;
  /** Most series one service may have (429 `series_limit` above). */
  maxSeriesPerService: number;
  /** How far `ts` may be ahead of the server clock. */
  maxFutureMs: number;
  /** How far back `ts` may be: the store's longest retention. */
  retentionMs: number;
}

export const DEFAULT_COLLECTOR_OPTIONS: Readonly<CollectorOptions> = Object.freeze({
  maxBodyBytes: 10 * 1024 * 1024,
  maxBatch: 10_000,
  maxSeriesPerService: 20_000,
  maxFutureMs: 5 * 60_000,
  retentionMs: 35 * 24 * 3_600_000,
});

export interface CollectorDeps {
  store: SeriesStore;
  clock: Clock;
  plans: readonly SlaPlan[];
}

function validateOptions(options: Partial<CollectorOptions>): CollectorOptions {
  const merged = { ...DEFAULT_COLLECTOR_OPTIONS, ...options };
  for (const [field, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(
        `collector option ${field} must be a positive finite number, got ${String(value)}`,
      );
    }
  }
  for (const field of ['maxBatch', 'maxSeriesPerService'] as const) {
    if (!Number.isInteger(merged[field])) {
      throw new RangeError(`collector option ${field} must be an integer, got ${merged[field]}`);
    }
  }
  return merged;
}

/** Ingests signal batches and OTLP metrics into the store. */
export class Collector {
  readonly options: Readonly<CollectorOptions>;
  readonly layout: BucketLayout;
  private readonly store: SeriesStore;
  private readonly clock: Clock;
  private readonly mapper: SignalMapper;
  private readonly otlp: OtlpMapping;

  constructor(deps: CollectorDeps, options: Partial<CollectorOptions> = {}) {
    this.options = validateOptions(options);
    this.store = deps.store;
    this.clock = deps.clock;
    this.layout = bucketLayout(deps.plans);
    this.mapper = new SignalMapper(deps.store, this.layout);
    this.otlp = new OtlpMapping(deps.clock.now());
  }

  /** Ingests a request body (application/json or application/x-ndjson). */
  ingestBody(text: string, contentType: string | undefined): { accepted: number } {
    return this.ingest(parseSignalsBody(text, contentType, this.options));
  }

  /** Ingests already-parsed signals (the `signals` list of a JSON body). */
  ingestSignals(raw: readonly unknown[]): { accepted: number } {
    if (!Array.isArray(raw))
      throw new IngestError(400, 'invalid_body', 'signals: expected a list of signals');
    if (raw.length > this.options.maxBatch) throw batchTooLarge(raw.length, this.options.maxBatch);
    const wrapped = new Array<RawSignal>(raw.length);
    for (let i = 0; i < raw.length; i++) wrapped[i] = { value: raw[i] };
    return this.ingest(wrapped);
  }

  /** Ingests an OTLP/HTTP JSON ExportMetricsServiceRequest; unknown metric names are counted, not stored. */
  ingestOtlp(body: unknown): { accepted: number; ignored: number } {
    const bounds = this.bounds();
    const { points, ignored } = this.otlp.read(body, bounds);
    this.mapper.begin();
    let batch: MappedBatch;
    let state: OtlpState;
    try {
      state = this.otlp.feed(points, this.mapper);
      batch = this.mapper.finish();
      this.applyBatch(batch);
    } catch (error) {
      this.mapper.abort();
      throw error;
    }
    this.mapper.commit();
    this.otlp.commit(state);
    return { accepted: points.length, ignored };
  }

  private bounds(): TimeBounds {
    return {
      now: this.clock.now(),
      maxFutureMs: this.options.maxFutureMs,
      retentionMs: this.options.retentionMs,
    };
  }

  private ingest(raw: readonly RawSignal[]): { accepted: number } {
    const bounds = this.bounds();
    const signals = this.validate(raw, bounds);
    const positionOf = (i: number): SignalPosition => ({ index: i, line: raw[i]?.line });
    const batch = this.mapper.mapBatch(signals, bounds.now, positionOf);
    try {
      this.applyBatch(batch);
    } catch (error) {
      this.mapper.abort();
      throw error;
    }
    this.mapper.commit();
    return { accepted: signals.length };
  }

  /** Validates every signal and its times; throws one IngestError listing the problems. */
  private validate(raw: readonly RawSignal[], bounds: TimeBounds): Signal[] {
    const signals = new Array<Signal>(raw.length);
    const problems = new ProblemList();
    let invalid = false;
    // One position object for the whole batch: problems copy what they need from it.
    const pos: SignalPosition = { index: 0, line: undefined };
    for (let i = 0; i < raw.length; i++) {
      const item = raw[i]!;
      pos.index = i;
      pos.line = item.line;
      const result = validateSignal(item.value, pos);
      if (!result.ok) {
        invalid = true;
        for (const p of result.problems) problems.add(p);
        continue;
      }
      const s = result.signal;
      if (s.ts !== undefined) {
        const message = timeProblem(s.ts, bounds);
        if (message !== undefined) problems.add(this.timeIssue(pos, 'ts', message));
      }
      // A future event time would hold the feature's age at zero for as long as it stays the newest.
      if (s.type === 'feature_value' && s.eventTime > bounds.now + bounds.maxFutureMs) {
        const message = timeProblem(s.eventTime, { ...bounds, retentionMs: Infinity })!;
        problems.add(this.timeIssue(pos, 'eventTime', message));
      }
      signals[i] = s;
    }
    problems.throwIfAny(400, invalid ? 'invalid_signal' : 'ts_out_of_range');
    return signals;
  }

  private timeIssue(pos: SignalPosition, field: string, message: string) {
    return {
      message: `${fieldLabel(pos, field)}: ${message}`,
      index: pos.index,
      ...(pos.line === undefined ? {} : { line: pos.line }),
      field,
    };
  }

  /** Series cap, then one store call; the references of the batch after it. */
  private applyBatch(batch: MappedBatch): void {
    checkSeriesCap(
      batch.newSeries,
      (service) => this.store.seriesCount(service),
      this.options.maxSeriesPerService,
    );
    if (batch.updates.length > 0) this.store.apply(batch.updates);
    for (const ref of batch.references)
      this.store.setReference(ref.service, ref.feature, ref.reference, ref.atMs);
  }
}
