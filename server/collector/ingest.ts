// The collector: validates a whole batch (every problem with its position), maps it to series updates,
// checks the per-service series cap and the time bounds, then applies it to the store in one call.
// A batch is all or nothing: a rejected body leaves the store exactly as it was.
//
// Group commit (`submitBody`): the HTTP route validates and maps each request at once (a rejected body
// is answered at once), then queues its updates; every request queued in one turn of the event loop is
// applied in one store transaction on the next (setImmediate), and each is answered only after that
// commit. Concurrent batches touching the same series then share their SQL statements. A failed commit
// fails every request of its group (503) and makes the mapper forget what it believed the group stored.
import type { SlaPlan } from '../compile/ir.js';
import type { Clock } from '../lib/clock.js';
import { diskFullMessage, DISK_FULL_RETRY_AFTER_SECONDS, isDiskFull } from '../store/errors.js';
import type { SampleUpdate, SeriesStore } from '../store/types.js';
import { IngestError, ProblemList } from './errors.js';
import {
  bucketLayout,
  checkSeriesCap,
  SignalMapper,
  type BucketLayout,
  type MappedBatch,
  type PendingReference,
} from './map.js';
import { OtlpMapping, type OtlpState } from './otlp.js';
import { batchTooLarge, parseSignalsBody, type RawBatch } from './parse.js';
import { timeProblem, type TimeBounds } from './time-bounds.js';
import { fastSignal } from './fast-signal.js';
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

/** The answer to an accepted batch. */
export interface IngestResult {
  accepted: number;
}

/** A request waiting for its group's commit. */
interface Waiter {
  accepted: number;
  resolve: (result: IngestResult) => void;
  reject: (error: IngestError) => void;
}

/** Batches accepted in one turn of the event loop, committed together. */
interface Group {
  updates: SampleUpdate[];
  references: PendingReference[];
  /** Series the group will create, per service (each counted once: the mapper knows them now). */
  newSeries: Map<string, number>;
  waiters: Waiter[];
}

/** A promise rejected with what a synchronous step threw (an IngestError, or an Error). */
function rejected(error: unknown): Promise<never> {
  return Promise.reject(error instanceof Error ? error : new Error(String(error)));
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
  private group: Group | undefined;

  constructor(deps: CollectorDeps, options: Partial<CollectorOptions> = {}) {
    this.options = validateOptions(options);
    this.store = deps.store;
    this.clock = deps.clock;
    this.layout = bucketLayout(deps.plans);
    this.mapper = new SignalMapper(deps.store, this.layout);
    this.otlp = new OtlpMapping(deps.clock.now());
  }

  /** Ingests a request body (application/json or application/x-ndjson), stored when this returns. */
  ingestBody(text: string, contentType: string | undefined): IngestResult {
    this.flush();
    return this.ingest(parseSignalsBody(text, contentType, this.options), true);
  }

  /** Ingests already-parsed signals (the `signals` list of a JSON body), stored when this returns. */
  ingestSignals(raw: readonly unknown[]): IngestResult {
    this.flush();
    return this.ingest(this.wrap(raw), false);
  }

  /**
   * Ingests a request body with group commit: rejects at once (IngestError) when the body is invalid,
   * and resolves once the batch is committed with the others of this turn of the event loop, or
   * rejects with a 503 `store_unavailable` when that commit fails (then nothing of it was stored).
   */
  submitBody(text: string, contentType: string | undefined): Promise<IngestResult> {
    try {
      return this.submit(parseSignalsBody(text, contentType, this.options), true);
    } catch (error) {
      return rejected(error);
    }
  }

  /** `submitBody` for already-parsed signals. */
  submitSignals(raw: readonly unknown[]): Promise<IngestResult> {
    try {
      return this.submit(this.wrap(raw), false);
    } catch (error) {
      return rejected(error);
    }
  }

  /**
   * Commits the batches waiting for group commit now (at shutdown, and before any synchronous ingest,
   * so batches are stored in the order they were accepted). Never throws: a failure rejects the group.
   */
  flush(): void {
    const group = this.group;
    if (group === undefined) return;
    this.group = undefined;
    try {
      this.write(group.updates, group.references);
    } catch (error) {
      const full = isDiskFull(error);
      const failure = new IngestError(
        503,
        'store_unavailable',
        full
          ? `the store could not commit this batch: ${diskFullMessage('its samples were not stored and it is not acknowledged')}`
          : 'the store could not commit this batch: its samples were not stored and it is not acknowledged; retry shortly',
        { retryAfterSeconds: full ? DISK_FULL_RETRY_AFTER_SECONDS : 1, cause: error },
      );
      for (const waiter of group.waiters) waiter.reject(failure);
      return;
    }
    for (const waiter of group.waiters) waiter.resolve({ accepted: waiter.accepted });
  }

  /** Ingests an OTLP/HTTP JSON ExportMetricsServiceRequest; unknown metric names are counted, not stored. */
  ingestOtlp(body: unknown): { accepted: number; ignored: number } {
    this.flush();
    const bounds = this.bounds();
    const { points, ignored } = this.otlp.read(body, bounds);
    this.mapper.begin();
    let batch: MappedBatch;
    let state: OtlpState;
    try {
      state = this.otlp.feed(points, this.mapper);
      batch = this.mapper.finish();
      this.checkCap(batch);
    } catch (error) {
      this.mapper.abort();
      throw error;
    }
    this.write(batch.updates, batch.references);
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

  private wrap(raw: readonly unknown[]): RawBatch {
    if (!Array.isArray(raw))
      throw new IngestError(400, 'invalid_body', 'signals: expected a list of signals');
    if (raw.length > this.options.maxBatch) throw batchTooLarge(raw.length, this.options.maxBatch);
    return { values: raw };
  }

  private ingest(raw: RawBatch, plainJson: boolean): IngestResult {
    const batch = this.map(raw, plainJson);
    this.write(batch.updates, batch.references);
    this.mapper.commit();
    return { accepted: raw.values.length };
  }

  /** Validates and maps a batch, and checks the series cap counting the group's new series too. */
  private map(raw: RawBatch, plainJson: boolean): MappedBatch {
    const bounds = this.bounds();
    const signals = this.validate(raw, bounds, plainJson);
    const positionOf = (i: number): SignalPosition => ({ index: i, line: raw.lines?.[i] });
    const batch = this.mapper.mapBatch(signals, bounds.now, positionOf);
    try {
      this.checkCap(batch);
    } catch (error) {
      this.mapper.abort();
      throw error;
    }
    return batch;
  }

  /** The per-service series cap, counting the series of the waiting group as existing. */
  private checkCap(batch: MappedBatch): void {
    const pending = this.group?.newSeries;
    checkSeriesCap(
      batch.newSeries,
      (service) => this.store.seriesCount(service) + (pending?.get(service) ?? 0),
      this.options.maxSeriesPerService,
    );
  }

  /** Maps a batch and queues it for the next group commit. */
  private submit(raw: RawBatch, plainJson: boolean): Promise<IngestResult> {
    const batch = this.map(raw, plainJson);
    // From here the mapper treats the batch as stored; a failed group commit resets it.
    this.mapper.commit();
    let group = this.group;
    if (group === undefined) {
      group = { updates: [], references: [], newSeries: new Map(), waiters: [] };
      this.group = group;
      setImmediate(() => this.flush());
    }
    // The mapper hands out a new list per batch: the group's list grows from the first one.
    if (group.updates.length === 0) group.updates = batch.updates;
    else for (const update of batch.updates) group.updates.push(update);
    for (const ref of batch.references) group.references.push(ref);
    for (const [service, added] of batch.newSeries)
      if (added > 0) group.newSeries.set(service, (group.newSeries.get(service) ?? 0) + added);
    const target = group;
    return new Promise<IngestResult>((resolve, reject) => {
      target.waiters.push({ accepted: raw.values.length, resolve, reject });
    });
  }

  /**
   * Validates every signal and its times; throws one IngestError listing the problems. `plainJson`:
   * the values come straight from JSON.parse, so the hand-written check may take the common case.
   */
  private validate(raw: RawBatch, bounds: TimeBounds, plainJson: boolean): Signal[] {
    const { values, lines } = raw;
    const signals = new Array<Signal>(values.length);
    const problems = new ProblemList();
    let invalid = false;
    // One position object for the whole batch: problems copy what they need from it.
    const pos: SignalPosition = { index: 0, line: undefined };
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      pos.index = i;
      pos.line = lines?.[i];
      let s = plainJson ? fastSignal(value) : undefined;
      if (s === undefined) {
        const result = validateSignal(value, pos);
        if (!result.ok) {
          invalid = true;
          for (const p of result.problems) problems.add(p);
          continue;
        }
        s = result.signal;
      }
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

  /**
   * Stores mapped batches: their references, then every sample in one store call (one transaction).
   * Only references can be left stored by a failure, and a reference is replaced whole, so storing it
   * again is harmless: retrying a failed batch never counts a sample twice. On a failure the mapper
   * forgets what it believed stored (series, references) and reads the store again.
   */
  private write(updates: readonly SampleUpdate[], references: readonly PendingReference[]): void {
    try {
      for (const ref of references)
        this.store.setReference(ref.service, ref.feature, ref.reference, ref.atMs);
      if (updates.length > 0) this.store.apply(updates);
    } catch (error) {
      this.mapper.reset();
      throw error;
    }
  }
}
