// The embedded store: SQLite (WAL) for durability, an in-memory mirror of every series for queries.
//
// Writes go to SQLite first, in one transaction per `apply`, and reach the mirror only after the
// commit, so memory never holds what the disk does not. At open the mirror is rebuilt from SQLite
// with the same folds, so a reopened store answers every query exactly as before. One process owns a
// database's series at a time: another process may add and revoke tokens (read from SQLite on every
// lookup), but series written elsewhere are not seen until the next open.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { bucketEnd, mergeCell, RESOLUTIONS_MS, type Cell } from './buckets.js';
import { Documents } from './documents.js';
import { StoreError } from './errors.js';
import { migrate } from './migrations.js';
import { resolveRetention, RETENTION_FIELDS, type RetentionOptions } from './retention.js';
import { canonicalLabels, SeriesIndex, seriesKey } from './series-index.js';
import { Coverage, SeriesMirror } from './series-mirror.js';
import type {
  Labels,
  ReferenceDistribution,
  SampleUpdate,
  SeriesRef,
  SeriesStore,
  SeriesType,
  TokenRecord,
  TokenStore,
} from './types.js';
import { checkFinite, checkTimes, describeSeries, updateProblem } from './validate.js';

export { StoreError } from './errors.js';
export { DEFAULT_RETENTION, type RetentionOptions } from './retention.js';

export interface StoreOptions {
  /** Database file (its directory is created when missing), or ':memory:'. */
  path: string;
  retention?: Partial<RetentionOptions>;
}

/** The series and token store over one SQLite database. */
export interface Store extends SeriesStore, TokenStore {
  /** SeriesStore's optional multi-window increase: this store always has it. */
  increases: NonNullable<SeriesStore['increases']>;

  /**
   * The open database, for the other table groups of server/store/ (audit rows, remediation runs) to
   * share one file and one WAL. Only server/store/ may use it: no other layer runs SQL.
   */
  sqlite(): Sqlite.Database;
}

/** Opens (creating and migrating as needed) the database at `options.path` and loads the mirror. */
export function openStore(options: StoreOptions): Store {
  return SqliteStore.open(options);
}

/** Table per resolution, in the order of RESOLUTIONS_MS. */
const SAMPLE_TABLES = ['samples_10s', 'samples_1m', 'samples_1h'] as const;

/** Charts never need more points than this (Prometheus' own limit for range queries). */
const MAX_RANGE_POINTS = 11_000;

const BUSY_TIMEOUT_MS = 5_000;

/** Ids up to this (a bit mask) are looked up in an array on the read path; larger ones in the index. */
const MAX_FAST_ID = 2 ** 24 - 1;

/** A time the read path accepts without calling `checkTimes` (which names what is wrong). */
function isTime(t: unknown): t is number {
  return typeof t === 'number' && !Number.isNaN(t);
}

/** An array or a Float64Array: what `increases` takes window starts in and writes answers to. */
function isNumberList(value: unknown): boolean {
  return Array.isArray(value) || value instanceof Float64Array;
}

type Statement = Sqlite.Statement<unknown[]>;

/** One series' share of a batch, coalesced per bucket before anything is written. */
interface PendingSeries {
  key: string;
  firstIndex: number;
  name: string;
  labels: Labels;
  type: SeriesType;
  mirror: SeriesMirror | undefined;
  /** The first 10 s bucket of the batch and its merged cell: most series have no other. */
  firstEnd: number;
  firstCell: Cell;
  /** 10 s bucket end → merged cell, once the batch touches a second bucket (then it holds the first). */
  cells: Map<number, Cell> | undefined;
  /** The cell last touched: consecutive updates of a series mostly share a bucket. */
  lastEnd: number;
  lastCell: Cell;
  /**
   * The buckets to write, filled by `fold`: per bucket its resolution index, end, value and sample
   * time, flat, finest resolution first (buckets a resolution has pruned past are left out).
   */
  rows: number[];
  /** The batch's contribution to the series' running state. */
  state: Cell;
}

const SERIES_TYPES: readonly SeriesType[] = ['counter', 'gauge', 'max'];

/** Rows in one statement at most; a shorter tail is written with the powers of two below it. */
const ROWS_PER_STATEMENT = 64;

/**
 * Multi-row upserts into one table for one series type: one statement writes up to 64 rows, which
 * costs SQLite far less per row than a statement per row. Statements are prepared per row count (64,
 * 32, …, 1) on first use.
 */
class Upsert {
  private readonly statements = new Map<number, Statement>();
  /** Parameters of the rows not yet written, `width` per row. */
  private readonly pending: number[] = [];

  constructor(
    private readonly db: Sqlite.Database,
    /** `INSERT INTO table (columns) VALUES`. */
    private readonly head: string,
    /** `ON CONFLICT … DO UPDATE …`. */
    private readonly tail: string,
    /** Parameters per row. */
    readonly width: number,
  ) {}

  /** Queues one row; a full statement's worth is written at once. Call only inside a transaction. */
  add(a: number, b: number, c: number, d?: number): void {
    const pending = this.pending;
    pending.push(a, b, c);
    if (this.width === 4) pending.push(d!);
    if (pending.length === ROWS_PER_STATEMENT * this.width) {
      this.statement(ROWS_PER_STATEMENT).run(pending);
      pending.length = 0;
    }
  }

  /** Writes the queued rows. */
  flush(): void {
    const { pending, width } = this;
    let offset = 0;
    for (let rows = ROWS_PER_STATEMENT; rows >= 1; rows >>= 1) {
      while (pending.length - offset >= rows * width) {
        this.statement(rows).run(pending.slice(offset, offset + rows * width));
        offset += rows * width;
      }
    }
    pending.length = 0;
  }

  /** Drops queued rows (the transaction failed). */
  clear(): void {
    this.pending.length = 0;
  }

  private statement(rows: number): Statement {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      const row = `(${new Array<string>(this.width).fill('?').join(', ')})`;
      statement = this.db.prepare(
        `${this.head} ${new Array<string>(rows).fill(row).join(', ')} ${this.tail}`,
      );
      this.statements.set(rows, statement);
    }
    return statement;
  }
}

function bucketUpsert(db: Sqlite.Database, table: string, type: SeriesType): Upsert {
  const conflict = `ON CONFLICT (series_id, bucket_end) DO UPDATE SET`;
  switch (type) {
    case 'counter':
      return new Upsert(
        db,
        `INSERT INTO ${table} (series_id, bucket_end, value) VALUES`,
        `${conflict} value = value + excluded.value`,
        3,
      );
    case 'gauge':
      return new Upsert(
        db,
        `INSERT INTO ${table} (series_id, bucket_end, value, t) VALUES`,
        `${conflict} value = excluded.value, t = excluded.t WHERE excluded.t >= ${table}.t`,
        4,
      );
    case 'max':
      return new Upsert(
        db,
        `INSERT INTO ${table} (series_id, bucket_end, value, t) VALUES`,
        `${conflict} value = excluded.value, t = excluded.t ` +
          `WHERE excluded.value > ${table}.value OR (excluded.value = ${table}.value AND excluded.t < ${table}.t)`,
        4,
      );
  }
}

function totalsUpsert(db: Sqlite.Database, type: SeriesType): Upsert {
  const head = 'INSERT INTO series_totals (series_id, value, t) VALUES';
  const conflict = 'ON CONFLICT (series_id) DO UPDATE SET';
  switch (type) {
    case 'counter':
      return new Upsert(db, head, `${conflict} value = value + excluded.value, t = max(t, excluded.t)`, 3);
    case 'gauge':
      return new Upsert(
        db,
        head,
        `${conflict} value = excluded.value, t = excluded.t WHERE excluded.t >= series_totals.t`,
        3,
      );
    case 'max':
      return new Upsert(
        db,
        head,
        `${conflict} value = excluded.value, t = excluded.t WHERE excluded.value > series_totals.value ` +
          'OR (excluded.value = series_totals.value AND excluded.t < series_totals.t)',
        3,
      );
  }
}

function perType(make: (type: SeriesType) => Upsert): Record<SeriesType, Upsert> {
  return { counter: make('counter'), gauge: make('gauge'), max: make('max') };
}

class SqliteStore implements Store {
  private readonly index = new SeriesIndex();
  private readonly retentionMs: readonly number[];
  /** Per resolution, the cutoff of the last prune (buckets with end <= it are gone). */
  private pruned: number[];
  private coverage: Coverage;
  private closed = false;
  /** Mirrors by id, filled as the read path finds them: an array index instead of a Map lookup. */
  private readonly mirrorsById: Array<SeriesMirror | undefined> = [];

  private readonly insertSeries: Statement;
  private readonly upsertBucket: ReadonlyArray<Record<SeriesType, Upsert>>;
  private readonly upsertTotal: Record<SeriesType, Upsert>;
  private readonly deleteThrough: readonly Statement[];
  private readonly setCutoff: Statement;
  private readonly documents: Documents;

  static open(options: StoreOptions): SqliteStore {
    const file = options.path;
    if (typeof file !== 'string' || file === '') {
      throw new StoreError(`path must be a database file or ':memory:', got ${JSON.stringify(file)}`);
    }
    const retention = resolveRetention(options.retention);
    const inMemory = file === ':memory:';
    let db: Sqlite.Database;
    try {
      if (!inMemory) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      // `timeout` is SQLite's busy timeout: wait for another connection's write lock, then fail.
      db = new Sqlite(file, { timeout: BUSY_TIMEOUT_MS });
    } catch (error) {
      throw new StoreError(`cannot open database at ${file}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (!inMemory && mode !== 'wal') {
        throw new StoreError(
          `database at ${file} cannot use WAL journaling (got ${String(mode)}); is it on a network filesystem?`,
        );
      }
      // NORMAL in WAL mode: a commit survives a killed process (not necessarily a power cut), at a
      // fraction of FULL's fsync cost.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
      return new SqliteStore(db, file, retention);
    } catch (error) {
      db.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError(`cannot open database at ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  private constructor(
    private readonly db: Sqlite.Database,
    private readonly file: string,
    retention: RetentionOptions,
  ) {
    this.retentionMs = RETENTION_FIELDS.map((field) => retention[field]);
    this.insertSeries = db.prepare('INSERT INTO series (name, labels, type) VALUES (?, ?, ?)');
    this.upsertBucket = SAMPLE_TABLES.map((table) => perType((type) => bucketUpsert(db, table, type)));
    this.upsertTotal = perType((type) => totalsUpsert(db, type));
    this.deleteThrough = SAMPLE_TABLES.map((table) =>
      db.prepare(`DELETE FROM ${table} WHERE series_id = ? AND bucket_end <= ?`),
    );
    this.setCutoff = db.prepare(
      'INSERT INTO prune_cutoffs (resolution_ms, cutoff_ms) VALUES (?, ?) ' +
        'ON CONFLICT (resolution_ms) DO UPDATE SET cutoff_ms = excluded.cutoff_ms',
    );
    this.documents = new Documents(db);

    this.pruned = RESOLUTIONS_MS.map(() => -Infinity);
    this.load();
    this.coverage = new Coverage(this.pruned);
  }

  /** Rebuilds the mirror from SQLite, in key order, so every column is built by appends. */
  private load(): void {
    const rows = (sql: string): IterableIterator<unknown[]> =>
      (this.db.prepare(sql).raw(true) as Sqlite.Statement<unknown[], unknown[]>).iterate();
    for (const [id, name, labelsJson, type] of rows(
      'SELECT id, name, labels, type FROM series ORDER BY id',
    )) {
      const labels = Object.freeze(JSON.parse(labelsJson as string) as Record<string, string>);
      const ref: SeriesRef = Object.freeze({
        id: id as number,
        name: name as string,
        labels,
        type: type as SeriesType,
      });
      this.index.add(new SeriesMirror(ref, seriesKey(ref.name, labelsJson as string)));
    }
    SAMPLE_TABLES.forEach((table, i) => {
      let mirror: SeriesMirror | undefined;
      for (const [id, end, value, t] of rows(
        `SELECT series_id, bucket_end, value, t FROM ${table} ORDER BY series_id, bucket_end`,
      )) {
        if (mirror?.ref.id !== id) mirror = this.index.byRefId(id as number);
        mirror?.columns[i]!.merge(end as number, value as number, (t as number | null) ?? 0);
      }
    });
    for (const [id, value, t] of rows('SELECT series_id, value, t FROM series_totals')) {
      const mirror = this.index.byRefId(id as number);
      if (mirror) mirror.state = { value: value as number, t: t as number };
    }
    for (const [resolutionMs, cutoffMs] of rows('SELECT resolution_ms, cutoff_ms FROM prune_cutoffs')) {
      const i = RESOLUTIONS_MS.indexOf(resolutionMs as (typeof RESOLUTIONS_MS)[number]);
      if (i !== -1) this.pruned[i] = cutoffMs as number;
    }
  }

  apply(updates: readonly SampleUpdate[]): void {
    this.assertOpen();
    if (!Array.isArray(updates)) throw new StoreError('apply() takes an array of updates');
    if (updates.length === 0) return;
    const batch = this.coalesce(updates);
    for (const pending of batch) this.fold(pending);
    const ids = this.write(batch);
    // Committed: now, and only now, the mirror.
    for (let i = 0; i < batch.length; i++) {
      const pending = batch[i]!;
      let mirror = pending.mirror;
      if (mirror === undefined) {
        const labelsJson = canonicalLabels(pending.labels);
        const labels = Object.freeze(JSON.parse(labelsJson) as Record<string, string>);
        const ref = Object.freeze({ id: ids[i]!, name: pending.name, labels, type: pending.type });
        mirror = new SeriesMirror(ref, pending.key);
        this.index.add(mirror);
      }
      const rows = pending.rows;
      for (let j = 0; j < rows.length; j += 4) {
        mirror.columns[rows[j]!]!.merge(rows[j + 1]!, rows[j + 2]!, rows[j + 3]!);
      }
      if (mirror.state === undefined) mirror.state = { ...pending.state };
      else mergeCell(pending.type, mirror.state, pending.state.value, pending.state.t);
    }
  }

  /** Validates every update and merges those of the same series and 10 s bucket; writes nothing. */
  private coalesce(updates: readonly SampleUpdate[]): PendingSeries[] {
    // Keyed by the stored series' mirror, or by identity for a series not stored yet.
    const batch = new Map<SeriesMirror | string, PendingSeries>();
    const out: PendingSeries[] = [];
    const fine = RESOLUTIONS_MS[0];
    for (let i = 0; i < updates.length; i++) {
      const update = updates[i]!;
      const problem = updateProblem(update);
      if (problem !== undefined) {
        const where = typeof update?.name === 'string' && update.name !== '' ? ` (${update.name})` : '';
        throw new StoreError(`update ${i}${where}: ${problem}; nothing was written`);
      }
      const { name, labels, type, t, value } = update;
      const mirror = this.index.find(name, labels);
      const key = mirror === undefined ? seriesKey(name, canonicalLabels(labels)) : mirror.key;
      const end = bucketEnd(t, fine);
      let pending = batch.get(mirror ?? key);
      if (pending === undefined) {
        if (mirror !== undefined && mirror.ref.type !== type) {
          throw new StoreError(
            `update ${i}: ${describeSeries(name, labels)} is a ${mirror.ref.type} series, ` +
              `not a ${type} (a series' type never changes); nothing was written`,
          );
        }
        const cell = { value, t };
        pending = {
          key,
          firstIndex: i,
          name,
          labels,
          type,
          mirror,
          firstEnd: end,
          firstCell: cell,
          cells: undefined,
          lastEnd: end,
          lastCell: cell,
          rows: [],
          state: { value, t },
        };
        batch.set(mirror ?? key, pending);
        out.push(pending);
        continue;
      }
      if (pending.type !== type) {
        throw new StoreError(
          `update ${i}: ${describeSeries(name, labels)} is a ${pending.type} series in update ` +
            `${pending.firstIndex}, not a ${type} (a series' type never changes); nothing was written`,
        );
      }
      mergeCell(type, pending.state, value, t);
      let cell: Cell | undefined;
      if (end === pending.lastEnd) cell = pending.lastCell;
      else if (pending.cells === undefined) {
        pending.cells = new Map([[pending.firstEnd, pending.firstCell]]);
      } else {
        cell = pending.cells.get(end);
      }
      if (cell === undefined) {
        cell = { value, t };
        pending.cells!.set(end, cell);
      } else {
        mergeCell(type, cell, value, t);
      }
      pending.lastEnd = end;
      pending.lastCell = cell;
    }
    return out;
  }

  /**
   * Fills `pending.rows`: the 10 s cells, and the minute and hour cells folded from them (each 10 s
   * bucket lies in one coarser bucket), leaving out buckets a resolution has already pruned past.
   */
  private fold(pending: PendingSeries): void {
    const rows = pending.rows;
    if (pending.cells === undefined) {
      // One 10 s bucket: each coarser bucket holds exactly its cell.
      const { value, t } = pending.firstCell;
      for (let i = 0; i < RESOLUTIONS_MS.length; i++) {
        const end = i === 0 ? pending.firstEnd : bucketEnd(pending.firstEnd, RESOLUTIONS_MS[i]!);
        if (end > this.pruned[i]!) rows.push(i, end, value, t);
      }
      return;
    }
    for (let i = 0; i < RESOLUTIONS_MS.length; i++) {
      const r = RESOLUTIONS_MS[i]!;
      const cutoff = this.pruned[i]!;
      const out = new Map<number, Cell>();
      for (const [fineEnd, cell] of pending.cells) {
        const end = i === 0 ? fineEnd : bucketEnd(fineEnd, r);
        if (end <= cutoff) continue;
        const held = out.get(end);
        if (held === undefined) out.set(end, { value: cell.value, t: cell.t });
        else mergeCell(pending.type, held, cell.value, cell.t);
      }
      for (const [end, cell] of out) rows.push(i, end, cell.value, cell.t);
    }
  }

  /** Writes a coalesced batch in one transaction; returns the series ids, parallel to the batch. */
  private write(batch: readonly PendingSeries[]): number[] {
    const transaction = this.db.transaction(() => {
      const ids = new Array<number>(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const pending = batch[i]!;
        const { type, rows } = pending;
        const id =
          pending.mirror?.ref.id ??
          Number(this.insertSeries.run(pending.name, canonicalLabels(pending.labels), type).lastInsertRowid);
        ids[i] = id;
        for (let j = 0; j < rows.length; j += 4) {
          const upsert = this.upsertBucket[rows[j]!]![type];
          if (type === 'counter') upsert.add(id, rows[j + 1]!, rows[j + 2]!);
          else upsert.add(id, rows[j + 1]!, rows[j + 2]!, rows[j + 3]);
        }
        this.upsertTotal[type].add(id, pending.state.value, pending.state.t);
      }
      for (const byType of this.upsertBucket) for (const type of SERIES_TYPES) byType[type].flush();
      for (const type of SERIES_TYPES) this.upsertTotal[type].flush();
      return ids;
    });
    try {
      return transaction.immediate();
    } catch (error) {
      for (const byType of this.upsertBucket) for (const type of SERIES_TYPES) byType[type].clear();
      for (const type of SERIES_TYPES) this.upsertTotal[type].clear();
      const message = `writing ${batch.length} series to ${this.file} failed: ${(error as Error).message}`;
      throw new StoreError(message, { cause: error });
    }
  }

  select(name: string, match?: Labels): SeriesRef[] {
    this.assertOpen();
    return this.index.select(name, match).map((mirror) => mirror.ref);
  }

  seriesCount(service: string): number {
    this.assertOpen();
    return this.index.countService(service);
  }

  increase(ref: SeriesRef, fromMs: number, toMs: number): number {
    const mirror = this.counterMirror(ref, 'increase');
    if (!(isTime(fromMs) && isTime(toMs))) checkTimes('increase', fromMs, toMs);
    return mirror.increase(this.coverage, fromMs, toMs);
  }

  increases(ref: SeriesRef, fromsMs: ArrayLike<number>, toMs: number, out: Float64Array | number[]): void {
    const mirror = this.counterMirror(ref, 'increases');
    if (!isTime(toMs)) checkTimes('increases', toMs);
    if (!isNumberList(fromsMs)) {
      throw new StoreError('increases(): the window starts must be an array of times (ms since the epoch)');
    }
    if (!isNumberList(out)) {
      throw new StoreError('increases(): out must be an array or a Float64Array to hold the answers');
    }
    for (let k = 0; k < fromsMs.length; k++) {
      if (!isTime(fromsMs[k])) checkTimes('increases', fromsMs[k]!);
    }
    if (out instanceof Float64Array && out.length < fromsMs.length) {
      throw new StoreError(
        `increases(): out holds ${out.length} values, fewer than the ${fromsMs.length} windows asked for`,
      );
    }
    mirror.increases(this.coverage, fromsMs, toMs, out);
  }

  latest(ref: SeriesRef, atMs: number): { t: number; value: number } | undefined {
    let mirror = this.ownMirror(ref);
    if (mirror === undefined || ref.type === 'counter') mirror = this.mirrorOf(ref, 'latest', 'gauge', 'max');
    if (!isTime(atMs)) checkTimes('latest', atMs);
    return mirror.latest(atMs);
  }

  total(ref: SeriesRef, atMs?: number): number {
    const mirror = this.counterMirror(ref, 'total');
    if (atMs !== undefined) checkTimes('total', atMs);
    return mirror.total(this.coverage, atMs);
  }

  range(ref: SeriesRef, fromMs: number, toMs: number, stepMs: number): Array<{ t: number; value: number }> {
    const mirror = this.mirrorOf(ref, 'range', 'counter', 'gauge', 'max');
    checkTimes('range', fromMs, toMs);
    if (!(Number.isFinite(stepMs) && stepMs > 0)) {
      throw new StoreError(`range(): step must be a positive number of milliseconds, got ${stepMs}`);
    }
    const count = Math.max(0, Math.floor((toMs - fromMs) / stepMs));
    if (count > MAX_RANGE_POINTS) {
      throw new StoreError(
        `range(): ${count} points from ${fromMs} to ${toMs} every ${stepMs} ms exceeds ${MAX_RANGE_POINTS}; use a longer step`,
      );
    }
    // The coarsest resolution no coarser than the step (10 s for shorter steps); finer ones add nothing
    // a step can show. Coarser ones still answer where it is pruned.
    let finest = 0;
    while (finest + 1 < RESOLUTIONS_MS.length && RESOLUTIONS_MS[finest + 1]! <= stepMs) finest++;
    const points: Array<{ t: number; value: number }> = [];
    for (let k = 1; k <= count; k++) {
      const t = fromMs + k * stepMs;
      if (t > toMs) break;
      if (mirror.ref.type === 'counter') {
        const previous = fromMs + (k - 1) * stepMs;
        points.push({ t, value: mirror.increase(this.coverage, previous, t, finest) });
      } else {
        const found = mirror.latest(t, finest);
        if (found !== undefined) points.push({ t, value: found.value });
      }
    }
    return points;
  }

  prune(nowMs: number): void {
    this.assertOpen();
    checkFinite('prune', nowMs);
    const next = RESOLUTIONS_MS.map((r, i) =>
      Math.max(this.pruned[i]!, Math.floor((nowMs - this.retentionMs[i]!) / r) * r),
    );
    const changed = next.flatMap((cutoff, i) => (cutoff > this.pruned[i]! ? [i] : []));
    if (changed.length === 0) return;
    const work: Array<{ mirror: SeriesMirror; r: number }> = [];
    for (const mirror of this.index.all()) {
      for (const r of changed) {
        const first = mirror.columns[r]!.firstEnd;
        if (first !== undefined && first <= next[r]!) work.push({ mirror, r });
      }
    }
    const transaction = this.db.transaction(() => {
      for (const { mirror, r } of work) this.deleteThrough[r]!.run(mirror.ref.id, next[r]);
      for (const r of changed) this.setCutoff.run(RESOLUTIONS_MS[r], next[r]);
    });
    try {
      transaction.immediate();
    } catch (error) {
      throw new StoreError(`pruning ${this.file} failed: ${(error as Error).message}`, { cause: error });
    }
    for (const { mirror, r } of work) mirror.columns[r]!.dropThrough(next[r]!);
    this.pruned = next;
    this.coverage = new Coverage(next);
  }

  setReference(service: string, feature: string, reference: ReferenceDistribution, atMs: number): void {
    this.assertOpen();
    this.documents.setReference(service, feature, reference, atMs);
  }

  getReference(
    service: string,
    feature: string,
  ): { reference: ReferenceDistribution; atMs: number } | undefined {
    this.assertOpen();
    return this.documents.getReference(service, feature);
  }

  listReferences(): Array<{ service: string; feature: string; atMs: number }> {
    this.assertOpen();
    return this.documents.listReferences();
  }

  addToken(token: TokenRecord): void {
    this.assertOpen();
    this.documents.addToken(token);
  }

  findTokenByHash(hash: string): TokenRecord | undefined {
    this.assertOpen();
    return this.documents.findTokenByHash(hash);
  }

  listTokens(): TokenRecord[] {
    this.assertOpen();
    return this.documents.listTokens();
  }

  revokeToken(id: string, atMs: number): boolean {
    this.assertOpen();
    return this.documents.revokeToken(id, atMs);
  }

  sqlite(): Sqlite.Database {
    this.assertOpen();
    return this.db;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      // Fold the WAL into the main file so the database is one self-contained file at rest.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`the store at ${this.file} is closed`);
  }

  /**
   * The mirror of a ref this store handed out, found by id in an array, or undefined for any other
   * ref (then `mirrorOf` checks it): a ref that is its mirror's own object is known to the store and
   * has the type it says.
   */
  private ownMirror(ref: SeriesRef): SeriesMirror | undefined {
    const id = ref.id;
    // Ids are small positive integers (SQLite rowids); anything else takes the checked path.
    const mirror = (id & MAX_FAST_ID) === id ? this.mirrorsById[id] : undefined;
    return mirror !== undefined && mirror.ref === ref && !this.closed ? mirror : undefined;
  }

  /** `mirrorOf(ref, method, 'counter')`, without its checks for a ref this store handed out. */
  private counterMirror(ref: SeriesRef, method: string): SeriesMirror {
    const mirror = this.ownMirror(ref);
    if (mirror !== undefined && ref.type === 'counter') return mirror;
    return this.mirrorOf(ref, method, 'counter');
  }

  /** The mirror of a caller's series reference, checked to be of a type `method` works on. */
  private mirrorOf(ref: SeriesRef, method: string, ...types: SeriesType[]): SeriesMirror {
    this.assertOpen();
    const mirror = this.index.byRefId(ref.id);
    // Series are never removed, so a mirror found once stays the answer for its id.
    if (mirror !== undefined && (ref.id & MAX_FAST_ID) === ref.id) this.mirrorsById[ref.id] = mirror;
    if (mirror === undefined || (mirror.ref !== ref && mirror.ref.name !== ref.name)) {
      throw new StoreError(
        `${method}(): no series ${describeSeries(ref.name, ref.labels)} with id ${ref.id} in this store`,
      );
    }
    if (!types.includes(mirror.ref.type)) {
      throw new StoreError(
        `${method}() needs a ${types.join(' or ')} series; ${describeSeries(ref.name, ref.labels)} is a ${mirror.ref.type}`,
      );
    }
    return mirror;
  }
}
