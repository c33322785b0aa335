// A series in memory: its buckets at every resolution plus its running state (counter total, newest
// gauge value, largest max value), and the queries that combine resolutions.
//
// Precision of `increase(from, to)`. Resolution r holds every sample with time > its cutoff (set by
// `prune`; −∞ before the first prune). (from, to] is split into parts, newest first: the finest
// resolution answers from `to` down to its cutoff, the next coarser one below that, and so on. A part
// (a, b] at resolution r counts whole buckets, the samples in (ceil_r(a), ceil_r(b)]. The seams between
// parts are multiples of the coarser resolution, so parts neither overlap nor leave gaps. Hence:
// - from and to multiples of 10 s, from at or after the 10 s cutoff: exact;
// - reaching back past the 10 s cutoff: exact to 10 s at `to`; `from` is exact when it is a multiple
//   of the resolution that still holds it (a minute within 8 days, an hour within 35 days, by default)
//   and otherwise rounded up to that resolution's bucket end;
// - `to` within a minute above the 10 s cutoff (or an hour above the minute cutoff) rounds up to the
//   coarser bucket, since the seam sits on the coarser boundary;
// - before the hour cutoff only what is still held counts (the running total keeps everything).
// `latest` is exact at bucket ends; between them, only the newest (gauge) or largest (max) sample of
// the bucket holding `at` is known, and when that sample is after `at`, the bucket before answers.
// Each part is a difference of prefix sums: the newest bucket in it is usually the column's newest (no
// search), and its first bucket is found from the window's width, with one comparison when no bucket
// is missing and a search back from the newest otherwise: O(1) to O(log n) per resolution.
// `increases` answers several windows ending at the same time, sharing what depends on that time.
import { BucketColumn, bucketEnd, replaces, RESOLUTIONS_MS, type Cell } from './buckets.js';
import type { SeriesRef } from './types.js';

// Scratch of `SeriesMirror.increases`, per resolution (filled and read within one call, never re-entered).
const SHARED_HI = new Float64Array(RESOLUTIONS_MS.length);
const SHARED_HI_END = new Float64Array(RESOLUTIONS_MS.length);
const SHARED_LAST = new Int32Array(RESOLUTIONS_MS.length);
const SHARED_SEAM = new Float64Array(RESOLUTIONS_MS.length);
const SHARED_SEAM_ADDS = new Uint8Array(RESOLUTIONS_MS.length);

/** Which resolution answers which part of time, derived from the prune cutoffs. */
export class Coverage {
  /** Per resolution, finest first: it holds every sample with time > cutoffs[i] (made monotone). */
  readonly cutoffs: readonly number[];
  /** Per resolution: below its cutoff, it answers only (seams[i], …]; a multiple of the next coarser. */
  readonly seams: readonly number[];

  /** `pruned[i]`: the cutoff of the last prune at resolution i (−Infinity when never pruned). */
  constructor(readonly pruned: readonly number[]) {
    const n = RESOLUTIONS_MS.length;
    const cutoffs = new Array<number>(n);
    const seams = new Array<number>(n);
    // A finer resolution pruned less far than a coarser one would leave the coarser one a gap to fill
    // (after a retention change); treating the finer one as pruned as far keeps the parts contiguous.
    let floor = -Infinity;
    for (let i = n - 1; i >= 0; i--) {
      floor = Math.max(floor, pruned[i] ?? -Infinity);
      cutoffs[i] = floor;
    }
    let seam = -Infinity;
    seams[n - 1] = seam;
    for (let i = n - 2; i >= 0; i--) {
      seam = Math.max(seam, bucketEnd(cutoffs[i]!, RESOLUTIONS_MS[i + 1]!));
      seams[i] = seam;
    }
    this.cutoffs = cutoffs;
    this.seams = seams;
  }
}

/** The in-memory mirror of one stored series. */
export class SeriesMirror {
  readonly columns: readonly BucketColumn[];
  /** Counter: cumulative total and newest sample time; gauge: newest sample; max: largest sample. */
  state: Cell | undefined;

  /** `ref` and its identity (seriesKey of name and canonical labels). */
  constructor(
    readonly ref: SeriesRef,
    readonly key: string,
  ) {
    this.columns = RESOLUTIONS_MS.map((ms) => new BucketColumn(ref.type, ms));
  }

  /** Sum of counter deltas in (from, to], resolutions from `finest` on (see the precision note above). */
  increase(coverage: Coverage, fromMs: number, toMs: number, finest = 0): number {
    let sum = 0;
    let hi = toMs;
    for (let i = finest; i < this.columns.length && hi > fromMs; i++) {
      const column = this.columns[i]!;
      const r = column.resolutionMs;
      if (fromMs >= coverage.cutoffs[i]!) {
        sum += column.sum(bucketEnd(fromMs, r), bucketEnd(hi, r));
        break;
      }
      const seam = coverage.seams[i]!;
      if (seam < hi) sum += column.sum(seam, bucketEnd(hi, r));
      hi = Math.min(hi, seam);
    }
    return sum;
  }

  /**
   * `out[k]` = increase(coverage, fromsMs[k], toMs) for every k, the same numbers bit for bit. The
   * terms that depend on `toMs` alone (per resolution: the end of its part, the newest bucket in it,
   * and its seam part) are found once, so each further window costs one search.
   */
  increases(
    coverage: Coverage,
    fromsMs: ArrayLike<number>,
    toMs: number,
    out: Float64Array | number[],
  ): void {
    const columns = this.columns;
    const { cutoffs, seams } = coverage;
    // Resolutions below `known` have their shared terms in the scratch arrays.
    let known = 0;
    for (let k = 0; k < fromsMs.length; k++) {
      const fromMs = fromsMs[k]!;
      let sum = 0;
      // The loop of `increase`, term for term and in the same order.
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i]!;
        if (i === known) {
          const hi = i === 0 ? toMs : Math.min(SHARED_HI[i - 1]!, seams[i - 1]!);
          const hiEnd = bucketEnd(hi, column.resolutionMs);
          const last = column.lastThrough(hiEnd);
          const seam = seams[i]!;
          SHARED_HI[i] = hi;
          SHARED_HI_END[i] = hiEnd;
          SHARED_LAST[i] = last;
          SHARED_SEAM_ADDS[i] = seam < hi ? 1 : 0;
          SHARED_SEAM[i] = seam < hi ? column.sumThrough(seam, hiEnd, last) : 0;
          known++;
        }
        if (!(SHARED_HI[i]! > fromMs)) break;
        if (fromMs >= cutoffs[i]!) {
          sum += column.sumThrough(
            bucketEnd(fromMs, column.resolutionMs),
            SHARED_HI_END[i]!,
            SHARED_LAST[i]!,
          );
          break;
        }
        if (SHARED_SEAM_ADDS[i] === 1) sum += SHARED_SEAM[i]!;
      }
      out[k] = sum;
    }
  }

  /** Counter total of deltas with time <= at (to the bucket holding `at`), or of all when omitted. */
  total(coverage: Coverage, atMs?: number): number {
    const state = this.state;
    if (state === undefined) return 0;
    if (atMs === undefined || atMs >= state.t) return state.value;
    // Totals survive pruning, so subtract what came after `at` rather than adding what came before.
    return Math.max(0, state.value - this.increase(coverage, atMs, state.t));
  }

  /** Gauge/max: the latest value at `at` (see SeriesType), resolutions from `finest` on. */
  latest(atMs: number, finest = 0): Cell | undefined {
    const state = this.state;
    // The running state is exact and survives pruning: it answers whenever its sample is old enough.
    if (state !== undefined && atMs >= state.t) return { value: state.value, t: state.t };
    if (this.ref.type === 'gauge') {
      for (let i = finest; i < this.columns.length; i++) {
        const found = this.columns[i]!.newestAt(atMs);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    // Max: the finest resolution knows recent samples, coarser ones may still know older, larger ones.
    let best: Cell | undefined;
    for (let i = finest; i < this.columns.length; i++) {
      const found = this.columns[i]!.largestAt(atMs);
      if (
        found !== undefined &&
        (best === undefined || replaces('max', found.value, found.t, best.value, best.t))
      ) {
        best = found;
      }
    }
    return best;
  }
}
