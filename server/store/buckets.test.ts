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
