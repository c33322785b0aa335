import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BucketColumn, bucketEnd, replaces, type Cell } from './buckets.js';
import type { SeriesType } from './types.js';

const R = 10_000;

describe('bucketEnd', () => {
  it('puts a sample in the bucket (end − r, end]', () => {
    expect(bucketEnd(0, R)).toBe(0);
    expect(bucketEnd(1, R)).toBe(R);
    expect(bucketEnd(R, R)).toBe(R);
    expect(bucketEnd(R + 1, R)).toBe(2 * R);
    expect(bucketEnd(1_735_689_600_000, 3_600_000)).toBe(1_735_689_600_000);
    expect(bucketEnd(1_735_689_600_001, 3_600_000)).toBe(1_735_693_200_000);
  });
});

describe('BucketColumn', () => {
  it('sums counter buckets by their ends, appended or late', () => {
    const column = new BucketColumn('counter', R);
    column.merge(3 * R, 3, 0);
    column.merge(5 * R, 5, 0);
    column.merge(1 * R, 1, 0); // older than everything held
    column.merge(4 * R, 4, 0); // between held buckets
    column.merge(3 * R, 30, 0); // into an existing bucket
    expect([...column.buckets()].map((b) => [b.end / R, b.value])).toEqual([
      [1, 1],
      [3, 33],
      [4, 4],
      [5, 5],
    ]);
    expect(column.sum(0, 5 * R)).toBe(43);
    expect(column.sum(R, 4 * R)).toBe(37);
    expect(column.sum(3 * R, 3 * R)).toBe(0);
    expect(column.sum(5 * R, 9 * R)).toBe(0);
  });

  it('drops buckets through a cutoff and keeps summing what remains', () => {
    const column = new BucketColumn('counter', R);
    for (let i = 1; i <= 100; i++) column.merge(i * R, i, 0);
    expect(column.dropThrough(90 * R)).toBe(90);
    expect(column.firstEnd).toBe(91 * R);
    expect(column.sum(0, 100 * R)).toBe(91 + 92 + 93 + 94 + 95 + 96 + 97 + 98 + 99 + 100);
    column.merge(80 * R, 7, 0); // a late bucket before the first held one reuses the freed slot
    expect(column.sum(0, 91 * R)).toBe(7 + 91);
    expect(column.dropThrough(200 * R)).toBe(11);
    expect(column.size).toBe(0);
    column.merge(300 * R, 1, 0);
    expect(column.sum(0, Infinity)).toBe(1);
  });

  it('keeps the newest gauge sample per bucket, a later update winning a tie', () => {
    const column = new BucketColumn('gauge', R);
    column.merge(R, 1, 5_000);
    column.merge(R, 2, 4_000); // older: ignored
    column.merge(R, 3, 5_000); // same time, later update: wins
    expect(column.newestAt(R)).toEqual({ value: 3, t: 5_000 });
    expect(column.newestAt(5_000)).toEqual({ value: 3, t: 5_000 });
    // The bucket's newest sample is after 4_999, and only it is kept: nothing is known before.
    expect(column.newestAt(4_999)).toBeUndefined();
    column.merge(2 * R, 9, 12_000);
    expect(column.newestAt(11_999)).toEqual({ value: 3, t: 5_000 });
    expect(column.newestAt(12_000)).toEqual({ value: 9, t: 12_000 });
  });

  it('keeps the largest max value per bucket and so far, the earlier sample winning a tie', () => {
    const column = new BucketColumn('max', R);
    column.merge(R, 5, 3_000);
    column.merge(R, 5, 2_000);
    column.merge(2 * R, 4, 15_000);
    column.merge(3 * R, 7, 25_000);
    expect(column.largestAt(R)).toEqual({ value: 5, t: 2_000 });
    expect(column.largestAt(19_999)).toEqual({ value: 5, t: 2_000 });
    expect(column.largestAt(25_000)).toEqual({ value: 7, t: 25_000 });
    expect(column.largestAt(24_999)).toEqual({ value: 5, t: 2_000 });
    expect(column.largestAt(1_999)).toBeUndefined();
  });

  const TYPES: SeriesType[] = ['counter', 'gauge', 'max'];
  const op = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('merge' as const),
        t: fc.integer({ min: 1, max: 400_000 }),
        value: fc.integer({ min: -50, max: 50 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('drop' as const), cutoff: fc.integer({ min: 0, max: 40 }) }),
    },
  );

  it.each(TYPES)('answers like a plain list of buckets (%s, any order of merges and drops)', (type) => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 200 }),
        fc.array(fc.integer({ min: 0, max: 420_000 }), { maxLength: 10 }),
        (ops, probes) => {
          const column = new BucketColumn(type, R);
          const model = new Map<number, Cell>();
          for (const o of ops) {
            if (o.kind === 'merge') {
              const value = type === 'counter' ? Math.abs(o.value) : o.value;
              const end = bucketEnd(o.t, R);
              column.merge(end, value, o.t);
              const cell = model.get(end);
              if (cell === undefined) model.set(end, { value, t: o.t });
              else if (type === 'counter') cell.value += value;
              else if (replaces(type, value, o.t, cell.value, cell.t)) model.set(end, { value, t: o.t });
            } else {
              column.dropThrough(o.cutoff * R);
              for (const end of model.keys()) if (end <= o.cutoff * R) model.delete(end);
            }
          }
          const sorted = [...model.entries()].sort((a, b) => a[0] - b[0]);
          expect([...column.buckets()].map((b) => [b.end, b.value])).toEqual(
            sorted.map(([end, c]) => [end, c.value]),
          );
          for (const a of probes) {
            for (const b of probes) {
              if (type !== 'counter') continue;
              const expected = sorted
                .filter(([end]) => end > a && end <= b)
                .reduce((s, [, c]) => s + c.value, 0);
              expect(column.sum(a, b)).toBe(expected);
            }
            const known = sorted.filter(([end, c]) => end <= bucketEnd(a, R) && c.t <= a).map(([, c]) => c);
            if (type === 'gauge') expect(column.newestAt(a)).toEqual(known.at(-1));
            if (type === 'max') {
              const best = known.reduce<Cell | undefined>(
                (acc, c) => (acc === undefined || replaces('max', c.value, c.t, acc.value, acc.t) ? c : acc),
                undefined,
              );
              expect(column.largestAt(a)).toEqual(best && { ...best });
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('BucketColumn window sums', () => {
  /** What a search from the oldest bucket answers: the column's own left fold, differenced. */
  function searched(column: BucketColumn, lo: number, hi: number): number {
    if (!(hi > lo)) return 0;
    const held = [...column.buckets()];
    const prefix: number[] = [];
    let acc = 0;
    for (const b of held) prefix.push((acc += b.value));
    const i = held.findIndex((b) => b.end > lo);
    let j = -1;
    held.forEach((b, k) => {
      if (b.end <= hi) j = k;
    });
    if (i === -1 || j < i) return 0;
    return i === 0 ? prefix[j]! : prefix[j]! - prefix[i - 1]!;
  }

  // Dense runs (one guess finds the start), gaps (a gallop back from the newest bucket), ends off the
  // width's multiples (the guess is wrong and a search takes over), and pruned heads.
  const columns = fc.record({
    runs: fc.array(
      fc.record({
        gap: fc.nat(40),
        length: fc.integer({ min: 1, max: 60 }),
        offset: fc.constantFrom(0, 0, 0, 3_333),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    // Decimal fractions make the order of additions visible in the bits of the answer.
    values: fc.array(
      fc.integer({ min: 0, max: 1e9 }).map((n) => n / 1_000),
      { minLength: 1, maxLength: 50 },
    ),
    // Ends anywhere, as a column not written by this store's bucketing could hold.
    strays: fc.array(fc.integer({ min: 0, max: 60 * R }), { maxLength: 40 }),
    cutoff: fc.option(fc.nat(200), { nil: undefined }),
  });
  const edge = fc.oneof(
    fc.integer({ min: -5, max: 400 }).map((n) => n * R),
    fc.integer({ min: -5 * R, max: 400 * R }),
    fc.constantFrom(-Infinity, Infinity),
  );
  /** Windows anywhere, and short ones among the strays (where they can hold more ends than widths). */
  const window = fc.oneof(
    fc.tuple(edge, edge),
    fc
      .tuple(fc.integer({ min: 0, max: 60 * R }), fc.integer({ min: 1, max: 5 * R }))
      .map(([lo, width]): [number, number] => [lo, lo + width]),
  );

  it('answers as a search from the oldest bucket would, bit for bit', () => {
    fc.assert(
      fc.property(columns, fc.array(window, { minLength: 1, maxLength: 20 }), (spec, windows) => {
        const column = new BucketColumn('counter', R);
        let end = 0;
        let n = 0;
        for (const run of spec.runs) {
          end += run.gap * R;
          for (let k = 0; k < run.length; k++, n++) {
            end += R;
            column.merge(end + run.offset, spec.values[n % spec.values.length]!, 0);
          }
        }
        spec.strays.forEach((stray, k) => column.merge(stray, spec.values[k % spec.values.length]!, 0));
        if (spec.cutoff !== undefined) column.dropThrough(spec.cutoff * R);
        for (const [lo, hi] of windows) {
          const expected = searched(column, lo, hi);
          expect(Object.is(column.sum(lo, hi), expected), `(${lo}, ${hi}]`).toBe(true);
          expect(Object.is(column.sumThrough(lo, hi, column.lastThrough(hi)), expected)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('finds the newest bucket through an end, and none before the first', () => {
    const column = new BucketColumn('counter', R);
    expect(column.lastThrough(5 * R)).toBe(-1);
    for (const k of [2, 3, 5, 8]) column.merge(k * R, k, 0);
    expect([1, 2, 4, 5, 7, 8, 100].map((k) => column.lastThrough(k * R))).toEqual([-1, 0, 1, 2, 2, 3, 3]);
    expect(column.sumThrough(2 * R, 5 * R, column.lastThrough(5 * R))).toBe(3 + 5);
    expect(column.sumThrough(5 * R, 5 * R, column.lastThrough(5 * R))).toBe(0);
  });
});
