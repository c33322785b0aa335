// One series at one resolution, in memory: sorted bucket ends with their values in typed arrays that
// grow by doubling, so the common append is O(1) amortised and a window sum at most two searches
// (recent windows over steady data none: see `firstAfter`).
//
// Counters keep left-fold prefix sums from the first retained bucket; gauge and max series keep each
// value's sample time, and max series the index of the largest value so far. The prefix sums are
// always folded from the first retained bucket in order, never patched by adding a delta, so a store
// reopened from SQLite (which folds the same values the same way) answers with the same bits.
import type { SeriesType } from './types.js';

/** Bucket widths, finest first: 10 s, 1 min, 1 h. Each is a multiple of the one before. */
export const RESOLUTIONS_MS = [10_000, 60_000, 3_600_000] as const;

/** End of the bucket of width `resolutionMs` holding time `t`: a bucket holds samples in (end − r, end]. */
export function bucketEnd(t: number, resolutionMs: number): number {
  // `+ 0` turns −0 (times just below zero) into 0, as SQLite stores it.
  return Math.ceil(t / resolutionMs) * resolutionMs + 0;
}

/** A value with a time: a bucket's content, or a series' running total / latest / largest value. */
export interface Cell {
  value: number;
  t: number;
}

/**
 * Whether a gauge or max sample (value, t) replaces the one held: a gauge keeps the newest sample (a
 * later update wins a tie), a max series the largest value (the earlier sample wins a tie, so that
 * `latest` finds it from the first moment it existed).
 */
export function replaces(
  type: 'gauge' | 'max',
  value: number,
  t: number,
  heldValue: number,
  heldT: number,
): boolean {
  if (type === 'gauge') return t >= heldT;
  return value > heldValue || (value === heldValue && t < heldT);
}

/** Folds a sample into a cell: counters add (and keep the newest time), gauge and max as `replaces`. */
export function mergeCell(type: SeriesType, cell: Cell, value: number, t: number): void {
  if (type === 'counter') {
    cell.value += value;
    if (t > cell.t) cell.t = t;
  } else if (replaces(type, value, t, cell.value, cell.t)) {
    cell.value = value;
    cell.t = t;
  }
}

const INITIAL_CAPACITY = 8;

type Doubles = Float64Array<ArrayBuffer>;

/** The buckets of one series at one resolution. */
export class BucketColumn {
  private ends = new Float64Array(INITIAL_CAPACITY);
  private values = new Float64Array(INITIAL_CAPACITY);
  /** Sample time of each value (gauge and max). */
  private times: Doubles | undefined;
  /** prefix[i] = values[head] + … + values[i], folded left (counters). */
  private prefix: Doubles | undefined;
  /** best[i] = index in [head, i] of the largest value by `replaces` (max). */
  private best: Int32Array | undefined;
  /** Live buckets are [head, tail); pruning advances head, and space is reclaimed when the arrays fill. */
  private head = 0;
  private tail = 0;

  constructor(
    readonly type: SeriesType,
    readonly resolutionMs: number,
  ) {
    if (type === 'counter') this.prefix = new Float64Array(INITIAL_CAPACITY);
    else this.times = new Float64Array(INITIAL_CAPACITY);
    if (type === 'max') this.best = new Int32Array(INITIAL_CAPACITY);
  }

  /** Number of buckets held. */
  get size(): number {
    return this.tail - this.head;
  }

  /** End of the oldest bucket held, or undefined when empty. */
  get firstEnd(): number | undefined {
    return this.tail > this.head ? this.ends[this.head] : undefined;
  }

  /** The buckets in time order (tests, diagnostics). */
  *buckets(): IterableIterator<{ end: number; value: number; t: number | undefined }> {
    for (let i = this.head; i < this.tail; i++) {
      yield { end: this.ends[i]!, value: this.values[i]!, t: this.times?.[i] };
    }
  }

  /** Folds a sample (a counter delta or a gauge/max value at time t) into the bucket ending at `end`. */
  merge(end: number, value: number, t: number): void {
    if (this.tail === this.head || end > this.ends[this.tail - 1]!) {
      this.makeRoom();
      this.write(this.tail, end, value, t);
      this.tail++;
      this.refresh(this.tail - 1);
      return;
    }
    // Most merges land in the newest bucket: no search needed.
    let i = end === this.ends[this.tail - 1] ? this.tail - 1 : this.upperBound(end) - 1;
    if (i >= this.head && this.ends[i] === end) {
      if (this.mergeAt(i, value, t)) this.refresh(i);
      return;
    }
    // A late sample for a bucket not held yet: insert it in order.
    i++;
    if (i === this.head && this.head > 0) {
      this.head--;
      i = this.head;
    } else {
      const offset = i - this.head;
      this.makeRoom();
      i = this.head + offset;
      this.ends.copyWithin(i + 1, i, this.tail);
      this.values.copyWithin(i + 1, i, this.tail);
      this.times?.copyWithin(i + 1, i, this.tail);
      this.tail++;
    }
    this.write(i, end, value, t);
    this.refresh(i);
  }

  /** Sum of the buckets with end in (loEnd, hiEnd] (counters). */
  sum(loEnd: number, hiEnd: number): number {
    if (!(hiEnd > loEnd)) return 0;
    return this.sumThrough(loEnd, hiEnd, this.lastThrough(hiEnd));
  }

  /** Index of the newest bucket with end <= `end` (head − 1 when none): `sumThrough`'s `j`. */
  lastThrough(end: number): number {
    const tail = this.tail;
    // Windows mostly end at or after the newest bucket: no search needed.
    if (tail > this.head && this.ends[tail - 1]! <= end) return tail - 1;
    return this.upperBound(end, tail) - 1;
  }

  /**
   * `sum(loEnd, hiEnd)` given j = lastThrough(hiEnd), so that windows ending at the same time share
   * that search.
   */
  sumThrough(loEnd: number, hiEnd: number, j: number): number {
    if (!(hiEnd > loEnd)) return 0;
    const i = this.firstAfter(loEnd, hiEnd, j);
    if (j < i) return 0;
    const prefix = this.prefix!;
    return i === this.head ? prefix[j]! : prefix[j]! - prefix[i - 1]!;
  }

  /**
   * Gauge: the held value with the newest sample time <= at. Within the bucket holding `at` only that
   * bucket's newest sample is known; when it is later than `at` the answer comes from the bucket before.
   */
  newestAt(at: number): Cell | undefined {
    const j = this.lastAt(at);
    return j === undefined ? undefined : { value: this.values[j]!, t: this.times![j]! };
  }

  /** Max: the largest held value with sample time <= at (same bucket caveat as `newestAt`). */
  largestAt(at: number): Cell | undefined {
    const j = this.lastAt(at);
    if (j === undefined) return undefined;
    const b = this.best![j]!;
    return { value: this.values[b]!, t: this.times![b]! };
  }

  /** Drops the buckets with end <= cutoff; returns how many. */
  dropThrough(cutoff: number): number {
    const k = this.upperBound(cutoff);
    const dropped = k - this.head;
    if (dropped === 0) return 0;
    this.head = k;
    const capacity = this.ends.length;
    if (this.size * 4 <= capacity && capacity > INITIAL_CAPACITY) {
      this.relocate(Math.max(INITIAL_CAPACITY, this.size * 2));
    }
    this.refresh(this.head);
    return dropped;
  }

  /** Index of the newest bucket whose held sample is at or before `at`, or undefined. */
  private lastAt(at: number): number | undefined {
    let j = this.upperBound(bucketEnd(at, this.resolutionMs)) - 1;
    // Only the bucket holding `at` can hold a sample after `at`.
    if (j >= this.head && this.times![j]! > at) j--;
    return j >= this.head ? j : undefined;
  }

  /**
   * upperBound(loEnd) knowing that buckets past j end after hiEnd: what `sumThrough` starts from.
   * Bucket ends are distinct multiples of the width, so at most ceil((hiEnd − loEnd) / width) of them
   * lie in (loEnd, hiEnd], and the answer is at least j + 1 minus that: exactly that when no bucket
   * is missing (steady traffic), found with one comparison near the newest bucket instead of a search
   * across the column. Otherwise it gallops back from j.
   */
  private firstAfter(loEnd: number, hiEnd: number, j: number): number {
    const ends = this.ends;
    const head = this.head;
    const limit = j + 1;
    const guess = Math.max(head, limit - Math.ceil((hiEnd - loEnd) / this.resolutionMs));
    // Bucket ends off the width's multiples (not written by this store) can break the bound: search.
    if (!(guess === head || ends[guess - 1]! <= loEnd)) return this.upperBoundIn(loEnd, head, guess);
    if (guess === limit || ends[guess]! > loEnd) return guess;
    // The answer is in (guess, limit]: gallop back from the newest bucket, then search the last step.
    let hi = limit;
    let step = 1;
    for (;;) {
      const k = hi - step;
      if (k <= guess) return this.upperBoundIn(loEnd, guess + 1, hi);
      if (ends[k]! <= loEnd) return this.upperBoundIn(loEnd, k + 1, hi);
      hi = k;
      step *= 2;
    }
  }

  /** First index in [head, limit) whose end is > x (limit when none); limit defaults to tail. */
  private upperBound(x: number, limit = this.tail): number {
    return this.upperBoundIn(x, this.head, limit);
  }

  /** First index in [lo, hi) whose end is > x (hi when none), given that the one before lo is <= x. */
  private upperBoundIn(x: number, lo: number, hi: number): number {
    const ends = this.ends;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private write(i: number, end: number, value: number, t: number): void {
    this.ends[i] = end;
    this.values[i] = value;
    if (this.times) this.times[i] = t;
  }

  /** Folds a sample into the bucket at index i; false when the bucket did not change. */
  private mergeAt(i: number, value: number, t: number): boolean {
    if (this.type === 'counter') {
      this.values[i] = this.values[i]! + value;
      return true;
    }
    if (!replaces(this.type, value, t, this.values[i]!, this.times![i]!)) return false;
    this.values[i] = value;
    this.times![i] = t;
    return true;
  }

  /** Recomputes prefix sums and running maxima from index `from` to the end. */
  private refresh(from: number): void {
    const { prefix, best, values, head, tail } = this;
    if (prefix) {
      let acc = from === head ? 0 : prefix[from - 1]!;
      for (let i = from; i < tail; i++) {
        acc += values[i]!;
        prefix[i] = acc;
      }
    }
    if (best) {
      const times = this.times!;
      for (let i = from; i < tail; i++) {
        if (i === head) {
          best[i] = i;
          continue;
        }
        const b = best[i - 1]!;
        best[i] = replaces('max', values[i]!, times[i]!, values[b]!, times[b]!) ? i : b;
      }
    }
  }

  /** Makes room for one more bucket at the tail: compacts when at most half is live, else doubles. */
  private makeRoom(): void {
    const capacity = this.ends.length;
    if (this.tail < capacity) return;
    this.relocate(this.size * 2 > capacity ? capacity * 2 : capacity);
  }

  /** Moves the live buckets to the start of arrays of `capacity` slots. */
  private relocate(capacity: number): void {
    const { head, tail } = this;
    this.ends = moved(this.ends, head, tail, capacity);
    this.values = moved(this.values, head, tail, capacity);
    if (this.times) this.times = moved(this.times, head, tail, capacity);
    if (this.prefix) this.prefix = moved(this.prefix, head, tail, capacity);
    if (this.best) {
      const best = new Int32Array(capacity);
      for (let i = head; i < tail; i++) best[i - head] = this.best[i]! - head;
      this.best = best;
    }
    this.head = 0;
    this.tail = tail - head;
  }
}

function moved(source: Doubles, from: number, to: number, capacity: number): Doubles {
  if (capacity === source.length) return source.copyWithin(0, from, to);
  const target = new Float64Array(capacity);
  target.set(source.subarray(from, to));
  return target;
}
