// Classic Prometheus histograms: bucket layout for the collector and `histogram_quantile` for the
// evaluator, so the embedded evaluator computes the same P99 that Prometheus computes from the rules.

/**
 * One cumulative bucket, as in a Prometheus `_bucket` series: `count` observations were `<= le`.
 * @see https://prometheus.io/docs/concepts/metric_types/#histogram
 */
export interface Bucket {
  le: number;
  count: number;
}

/** Prometheus' own tolerance for float noise in cumulative bucket counts (promql/quantile.go). */
const PRECISION_TOLERANCE = 1e-12;

/**
 * Computes the q-quantile of a classic histogram with Prometheus' `histogram_quantile` semantics:
 * linear interpolation inside the bucket, 0 as the lower bound of a positive first bucket, the last
 * finite bound when the rank lands in +Inf, NaN without data or without a +Inf bucket.
 * @see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  // Prometheus produces no sample at all for a histogram without buckets; NaN is our "no answer".
  if (buckets.length === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;

  // Work on a sorted copy: Prometheus sorts by upper bound and never trusts the input order.
  const sorted = buckets.map((b) => ({ le: b.le, count: b.count })).sort((a, b) => a.le - b.le);
  if (sorted[sorted.length - 1]?.le !== Infinity) return NaN;

  const merged = coalesce(sorted);
  correctPrecisionErrors(merged, PRECISION_TOLERANCE);
  ensureMonotonic(merged);

  if (merged.length < 2) return NaN;
  const observations = at(merged, merged.length - 1).count;
  if (observations === 0) return NaN;

  let rank = q * observations;
  // Smallest bucket (the +Inf one excluded) whose cumulative count reaches the rank.
  let lo = 0;
  let hi = merged.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(merged, mid).count >= rank) hi = mid;
    else lo = mid + 1;
  }
  const b = lo;

  if (b === merged.length - 1) return at(merged, merged.length - 2).le;
  const first = at(merged, 0);
  if (b === 0 && first.le <= 0) return first.le;

  let bucketStart = 0;
  const bucketEnd = at(merged, b).le;
  let count = at(merged, b).count;
  if (b > 0) {
    const previous = at(merged, b - 1);
    bucketStart = previous.le;
    count -= previous.count;
    rank -= previous.count;
  }
  // An empty target bucket gives 0/0 = NaN here, exactly as in Prometheus (e.g. q=0, empty first bucket).
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

function at(buckets: readonly Bucket[], i: number): Bucket {
  const bucket = buckets[i];
  if (bucket === undefined) throw new RangeError(`bucket index ${i} out of range 0..${buckets.length - 1}`);
  return bucket;
}

/** Merges buckets with the same upper bound (input sorted by `le`), adding their counts. */
function coalesce(sorted: readonly Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const bucket of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && last.le === bucket.le) last.count += bucket.count;
    else out.push({ le: bucket.le, count: bucket.count });
  }
  return out;
}

/** Flattens relative differences within `tolerance` between neighbouring counts, as Prometheus does. */
function correctPrecisionErrors(buckets: Bucket[], tolerance: number): void {
  let previous = at(buckets, 0).count;
  for (let i = 1; i < buckets.length; i++) {
    const bucket = at(buckets, i);
    const delta = Math.abs(bucket.count - previous);
    if (delta === 0) continue;
    if (delta / bucket.count <= tolerance) bucket.count = previous;
    else previous = bucket.count;
  }
}

/**
 * Raises any count that is below an earlier one to that earlier count (the "envelope"), because
 * buckets scraped or rated at slightly different moments can break monotonicity and the binary
 * search needs it.
 */
function ensureMonotonic(buckets: Bucket[]): void {
  let max = at(buckets, 0).count;
  for (let i = 1; i < buckets.length; i++) {
    const bucket = at(buckets, i);
    if (bucket.count > max) max = bucket.count;
    else if (bucket.count < max) bucket.count = max;
  }
}

/** The collector's default latency buckets in seconds, 1 ms to 10 s. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Rounds float noise away so `35 / 1000` and `0.035` are the same bucket bound. */
function normaliseBound(seconds: number): number {
  return Number(seconds.toPrecision(12));
}

/**
 * Returns the sorted, de-duplicated union of the default latency buckets and `extraSeconds` (SLA
 * thresholds and component budgets), keeping finite positive bounds only.
 */
export function bucketBounds(extraSeconds: readonly number[]): number[] {
  const bounds = new Set<number>();
  for (const seconds of [...DEFAULT_LATENCY_BUCKETS, ...extraSeconds]) {
    if (Number.isFinite(seconds) && seconds > 0) bounds.add(normaliseBound(seconds));
  }
  return [...bounds].sort((a, b) => a - b);
}

/**
 * Returns the index of the smallest bound `>= seconds` (`le` semantics: a value equal to a bound is in
 * that bucket), or `bounds.length` for the +Inf bucket; `bounds` must be sorted ascending. NaN goes to
 * +Inf, as in the Prometheus client libraries.
 */
export function bucketIndex(bounds: readonly number[], seconds: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((bounds[mid] as number) >= seconds) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
