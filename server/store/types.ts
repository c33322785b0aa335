// The store's contract with the collector, the evaluator and the HTTP layer. The store is the only
// module that speaks SQL; everyone else sees time series (Prometheus-style: a metric name and labels)
// and a few documents (distribution references, tokens).
//
// Time series are kept at three resolutions (10 s, 1 min, 1 h buckets) in SQLite, and mirrored in
// memory so that window queries (a 30-day error ratio) answer in microseconds without raw events.

/** Label set of a series. `service` is always present for signal series. */
export type Labels = Readonly<Record<string, string>>;

/**
 * How a series aggregates within a bucket and across time:
 * - `counter`: updates are non-negative deltas; a bucket holds their sum; `increase` sums buckets.
 * - `gauge`: updates are values at a time; a bucket holds the value with the newest sample time;
 *   `latest` answers the newest value at or before a time (it stays until replaced, as a scraped
 *   prom-client gauge does).
 * - `max`: like `gauge`, but a bucket keeps the largest value and `latest` the largest value so far
 *   (the newest feature event time: late, older events never move it back).
 */
export type SeriesType = 'counter' | 'gauge' | 'max';

/** One change to one series, as the collector derives it from a signal. */
export interface SampleUpdate {
  name: string;
  labels: Labels;
  type: SeriesType;
  /** Sample time, ms since the epoch. */
  t: number;
  /** A delta for counters, the value for gauge and max series. */
  value: number;
}

/** A stored series: a stable id plus its identity. */
export interface SeriesRef {
  readonly id: number;
  readonly name: string;
  readonly labels: Labels;
  readonly type: SeriesType;
}

/** A numeric or categorical reference distribution for drift (the training/baseline data). */
export type ReferenceDistribution =
  { kind: 'numeric'; values: number[] } | { kind: 'categorical'; counts: Record<string, number> };

export interface SeriesStore {
  /**
   * Applies every update in one SQLite transaction and in memory. All or nothing: when it throws,
   * nothing was written. Durable when it returns (WAL; survives a killed process).
   */
  apply(updates: readonly SampleUpdate[]): void;

  /** Series with this name whose labels include every pair of `match` (exact equality). */
  select(name: string, match?: Labels): SeriesRef[];

  /** Number of distinct series carrying `service="<service>"` (for the per-service cardinality cap). */
  seriesCount(service: string): number;

  /**
   * Sum of counter deltas with sample time in (from, to]. Uses the finest resolution still retained
   * at each end of the range. 0 for a series with no samples in range.
   */
  increase(ref: SeriesRef, fromMs: number, toMs: number): number;

  /**
   * `out[k]` = increase(ref, fromsMs[k], toMs) for each of the `fromsMs.length` windows, the same
   * numbers bit for bit, for about the cost of one `increase`: windows ending at the same time share
   * their searches. Optional: a store without it is read window by window.
   */
  increases?(ref: SeriesRef, fromsMs: ArrayLike<number>, toMs: number, out: Float64Array | number[]): void;

  /** For gauge/max series: the latest value with sample time <= at (see SeriesType), or undefined. */
  latest(ref: SeriesRef, atMs: number): { t: number; value: number } | undefined;

  /** Cumulative counter total since the series was created (for /metrics exposition), up to `atMs`. */
  total(ref: SeriesRef, atMs?: number): number;

  /**
   * Points for charts: for counters the increase per step, for gauges the latest value at each step
   * end. Steps end at from+step, from+2·step, … <= to.
   */
  range(ref: SeriesRef, fromMs: number, toMs: number, stepMs: number): Array<{ t: number; value: number }>;

  /** Drops buckets older than each resolution's retention. */
  prune(nowMs: number): void;

  /** Distribution references (replaced whole by a new reference). */
  setReference(service: string, feature: string, reference: ReferenceDistribution, atMs: number): void;
  getReference(
    service: string,
    feature: string,
  ): { reference: ReferenceDistribution; atMs: number } | undefined;
  listReferences(): Array<{ service: string; feature: string; atMs: number }>;

  /** Flushes and closes the database (graceful shutdown). */
  close(): void;
}

export type Scope = 'read' | 'ingest' | 'operate' | 'admin';

/** An API token as stored: only a SHA-256 hash of the secret, never the secret itself. */
export interface TokenRecord {
  id: string;
  name: string;
  /** Hex SHA-256 of the token secret. */
  hash: string;
  scopes: Scope[];
  createdAt: number;
  revokedAt?: number;
}

export interface TokenStore {
  addToken(token: TokenRecord): void;
  /** The live (not revoked) token with this hash. */
  findTokenByHash(hash: string): TokenRecord | undefined;
  listTokens(): TokenRecord[];
  /** Marks a token revoked; false when no such live token. */
  revokeToken(id: string, atMs: number): boolean;
}
