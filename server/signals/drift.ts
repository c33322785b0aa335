// Distribution drift: bins from the reference's quantiles, then PSI and Jensen-Shannon distance between
// the reference and the current window. docs/metrics.md ("How drift is measured") describes the method.

/** Default number of quantile bins (deciles). */
const DEFAULT_BINS = 10;
/** Proportion that stands in for an empty bin, so PSI stays finite. */
const DEFAULT_EPSILON = 1e-4;
/** Default size of a stored reference sample. */
const DEFAULT_REFERENCE_MAX = 10_000;

function assertFinite(values: readonly number[], what: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RangeError(`${what}[${i}] is ${String(value)}; values must be finite numbers`);
    }
  }
}

function sortedCopy(values: readonly number[]): Float64Array {
  // A typed array sorts numerically without a comparator, and fast.
  return Float64Array.from(values).sort();
}

/**
 * Returns the interior cut points at the reference's 1/bins … (bins−1)/bins quantiles, de-duplicated and
 * strictly increasing, so `e` edges make the `e + 1` bins (−∞, e0], (e0, e1], …, (e_last, +∞).
 */
export function quantileEdges(reference: readonly number[], bins: number = DEFAULT_BINS): number[] {
  if (!Number.isInteger(bins) || bins < 2) {
    throw new RangeError(`bins must be an integer >= 2, got ${bins}`);
  }
  if (reference.length === 0) {
    throw new RangeError('reference distribution is empty: quantile bins need at least one value');
  }
  assertFinite(reference, 'reference');
  const sorted = sortedCopy(reference);
  const n = sorted.length;
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    // Inverse of the empirical CDF: the smallest value with at least i/bins of the reference at or
    // below it. Edges are then actual reference values, so each bin holds 1/bins of the reference under
    // the `<=` convention (ties permitting). Integer arithmetic keeps i·n/bins exact.
    const rank = Math.ceil((i * n) / bins);
    const edge = sorted[Math.max(0, rank - 1)] as number;
    if (edges.length === 0 || edge > (edges[edges.length - 1] as number)) edges.push(edge);
  }
  return edges;
}

/**
 * Returns the bin of `value` for the given edges: the index of the first edge `>= value`, or
 * `edges.length` for the open top bin. Throws on NaN, which belongs to no bin.
 */
export function binIndex(edges: readonly number[], value: number): number {
  if (Number.isNaN(value)) throw new RangeError('cannot bin NaN');
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Counts `values` per bin of `edges`; the result has `edges.length + 1` entries. */
export function binCounts(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isNaN(value)) throw new RangeError(`values[${i}] is NaN and belongs to no bin`);
    const bin = binIndex(edges, value);
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}

/** Normalises a count vector to proportions; NaN entries when the total is 0. */
function proportions(counts: readonly number[], what: string): { shares: number[]; total: number } {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (!Number.isFinite(count) || count < 0) {
      throw new RangeError(`${what}[${i}] is ${count}; counts must be finite and >= 0`);
    }
    total += count;
  }
  return { shares: counts.map((count) => count / total), total };
}

function assertSameLength(reference: readonly number[], current: readonly number[]): void {
  if (reference.length !== current.length) {
    throw new RangeError(
      `reference has ${reference.length} bins and current has ${current.length}; they must be binned alike`,
    );
  }
}

/**
 * Population stability index of two count vectors over the same bins: Σ (c − r) · ln(c / r) over the
 * proportions, with a zero proportion replaced by `epsilon`; NaN when either side has no observations.
 */
export function psi(
  reference: readonly number[],
  current: readonly number[],
  epsilon: number = DEFAULT_EPSILON,
): number {
  assertSameLength(reference, current);
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must be in (0, 1), got ${epsilon}`);
  const r = proportions(reference, 'reference');
  const c = proportions(current, 'current');
  if (r.total === 0 || c.total === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < r.shares.length; i++) {
    const rs = (r.shares[i] as number) || epsilon;
    const cs = (c.shares[i] as number) || epsilon;
    // Each term is >= 0: (c − r) and ln(c / r) always share a sign.
    sum += (cs - rs) * Math.log(cs / rs);
  }
  return sum;
}

/**
 * Jensen-Shannon distance of two count vectors over the same bins: the square root of the JS divergence
 * with log base 2, so 0 for equal distributions and 1 for disjoint ones; NaN when either side is empty.
 */
export function jsDistance(reference: readonly number[], current: readonly number[]): number {
  assertSameLength(reference, current);
  const p = proportions(reference, 'reference');
  const q = proportions(current, 'current');
  if (p.total === 0 || q.total === 0) return NaN;
  let divergence = 0;
  for (let i = 0; i < p.shares.length; i++) {
    const a = p.shares[i] as number;
    const b = q.shares[i] as number;
    if (a === 0 && b === 0) continue;
    // With m = (a + b) / 2: a·log2(a/m) + b·log2(b/m). A share that is 0 contributes nothing, and the
    // other one contributes its share times log2(2) = 1.
    if (a === 0 || b === 0) {
      divergence += a + b;
      continue;
    }
    // log1p of one shared x = (a − b) / (a + b) keeps nearly equal shares from cancelling to noise.
    const x = (a - b) / (a + b);
    divergence += Math.max(0, (a * Math.log1p(x) + b * Math.log1p(-x)) / Math.LN2);
  }
  return Math.sqrt(Math.min(1, Math.max(0, divergence / 2)));
}

/** Aligns two categorical count maps over the sorted union of their categories (0 where absent). */
export function alignCategories(
  reference: Readonly<Record<string, number>>,
  current: Readonly<Record<string, number>>,
): { categories: string[]; reference: number[]; current: number[] } {
  const categories = [...new Set([...Object.keys(reference), ...Object.keys(current)])].sort(
    // Code-unit order, not locale order, so the result is the same on every machine.
    (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  );
  const pick = (counts: Readonly<Record<string, number>>, category: string): number =>
    Object.hasOwn(counts, category) ? (counts[category] as number) : 0;
  return {
    categories,
    reference: categories.map((category) => pick(reference, category)),
    current: categories.map((category) => pick(current, category)),
  };
}

/**
 * Deterministically down-samples a reference to at most `max` values that keep its distribution: sorts
 * it and takes the order statistic at the middle of each of `max` equal-mass strata. Returns a sorted
 * copy when it is already small enough.
 */
export function sampleReference(values: readonly number[], max: number = DEFAULT_REFERENCE_MAX): number[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  assertFinite(values, 'values');
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n <= max) return Array.from(sorted);
  const sample = new Array<number>(max);
  for (let i = 0; i < max; i++) {
    // Stratum i covers ranks [i·n/max, (i+1)·n/max); its midpoint, in exact integer arithmetic.
    sample[i] = sorted[Math.floor(((2 * i + 1) * n) / (2 * max))] as number;
  }
  return sample;
}
