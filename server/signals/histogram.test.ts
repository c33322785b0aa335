import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bucket } from './histogram.js';
import { DEFAULT_LATENCY_BUCKETS, bucketBounds, bucketIndex, histogramQuantile } from './histogram.js';

// Expected values below are worked by hand from Prometheus' bucketQuantile (promql/quantile.go).
const HIST: Bucket[] = [
  { le: 0.1, count: 10 },
  { le: 0.2, count: 30 },
  { le: 0.5, count: 90 },
  { le: Infinity, count: 100 },
];

describe('histogramQuantile', () => {
  it.each([
    // rank 50 lands in (0.2, 0.5] holding 60: 0.2 + 0.3 × (50 − 30) / 60
    [0.5, 0.3],
    // rank 5 lands in the first bucket, whose lower bound is 0: 0.1 × 5 / 10
    [0.05, 0.05],
    // rank 10 is exactly the first bucket's count: its upper bound
    [0.1, 0.1],
    // rank 90 is exactly the count at 0.5: the end of that bucket, not the +Inf one
    [0.9, 0.5],
    // rank 95 is only reached by +Inf: the last finite bound
    [0.95, 0.5],
    [0.99, 0.5],
    [1, 0.5],
    // rank 0: the start of the first bucket
    [0, 0],
  ])('q=%d gives %d', (q, expected) => {
    expect(histogramQuantile(q, HIST)).toBeCloseTo(expected, 12);
  });

  it('answers the out-of-range quantiles like Prometheus', () => {
    expect(histogramQuantile(-0.1, HIST)).toBe(-Infinity);
    expect(histogramQuantile(1.1, HIST)).toBe(Infinity);
    expect(histogramQuantile(NaN, HIST)).toBeNaN();
  });

  it('is NaN without data, without a +Inf bucket, or with fewer than two buckets', () => {
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(0.5, [{ le: Infinity, count: 10 }])).toBeNaN();
    expect(
      histogramQuantile(0.5, [
        { le: 0.1, count: 5 },
        { le: 1, count: 10 },
      ]),
    ).toBeNaN();
    expect(
      histogramQuantile(0.5, [
        { le: 0.1, count: 0 },
        { le: 1, count: 0 },
        { le: Infinity, count: 0 },
      ]),
    ).toBeNaN();
  });

  it('is NaN for q=0 when the lowest bucket is empty (0/0 in Prometheus too)', () => {
    const buckets = [
      { le: 0.1, count: 0 },
      { le: 1, count: 4 },
      { le: Infinity, count: 4 },
    ];
    expect(histogramQuantile(0, buckets)).toBeNaN();
    // rank 2 in (0.1, 1] holding 4: 0.1 + 0.9 × 2 / 4
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.55, 12);
  });

  it('returns the upper bound of a first bucket at or below 0 instead of interpolating', () => {
    const zeroFirst = [
      { le: 0, count: 10 },
      { le: 1, count: 20 },
      { le: Infinity, count: 20 },
    ];
    expect(histogramQuantile(0.25, zeroFirst)).toBe(0);
    const negativeFirst = [
      { le: -0.5, count: 4 },
      { le: 0.5, count: 8 },
      { le: Infinity, count: 8 },
    ];
    expect(histogramQuantile(0.25, negativeFirst)).toBe(-0.5);
    // rank 6 in (−0.5, 0.5] holding 4: −0.5 + 1 × (6 − 4) / 4
    expect(histogramQuantile(0.75, negativeFirst)).toBeCloseTo(0, 12);
  });

  it('forces non-monotonic cumulative counts up to their running maximum', () => {
    const broken = [
      { le: 0.1, count: 10 },
      { le: 0.2, count: 5 },
      { le: 0.5, count: 20 },
      { le: Infinity, count: 20 },
    ];
    // Envelope [10, 10, 20, 20]: rank 15 in (0.2, 0.5] holding 10: 0.2 + 0.3 × 5 / 10. Without the
    // envelope the bucket would hold 15 and the answer would be 0.4.
    expect(histogramQuantile(0.75, broken)).toBeCloseTo(0.35, 12);
    expect(histogramQuantile(0.5, broken)).toBeCloseTo(0.1, 12);
  });

  it('flattens float noise between neighbouring counts before searching', () => {
    const noisy = [
      { le: 1, count: 100 },
      { le: 2, count: 100.00000000001 },
      { le: Infinity, count: 100.00000000001 },
    ];
    // All counts become 100, so the full rank is reached at le=1 (2 without the correction).
    expect(histogramQuantile(1, noisy)).toBe(1);
  });

  it('sorts its input and merges buckets with the same bound', () => {
    const shuffled = [HIST[3], HIST[1], HIST[0], HIST[2]] as Bucket[];
    expect(histogramQuantile(0.5, shuffled)).toBe(histogramQuantile(0.5, HIST));
    const duplicated = [
      { le: 0.1, count: 5 },
      { le: 0.1, count: 5 },
      { le: Infinity, count: 20 },
    ];
    // Merged to [{0.1, 10}, {+Inf, 20}]: rank 5 in the first bucket, 0.1 × 5 / 10
    expect(histogramQuantile(0.25, duplicated)).toBeCloseTo(0.05, 12);
  });

  it('does not modify its input', () => {
    const input = [
      { le: Infinity, count: 20 },
      { le: 0.2, count: 5 },
      { le: 0.1, count: 10 },
    ];
    const copy = structuredClone(input);
    histogramQuantile(0.5, input);
    expect(input).toEqual(copy);
  });

  const histogram = fc
    .tuple(
      fc.uniqueArray(fc.double({ min: 0.001, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat({ max: 1000 }), { minLength: 13, maxLength: 13 }),
    )
    .map(([les, perBucket]) => {
      const sorted = [...les].sort((a, b) => a - b);
      let cumulative = 0;
      const buckets: Bucket[] = sorted.map((le, i) => ({ le, count: (cumulative += perBucket[i] ?? 0) }));
      buckets.push({ le: Infinity, count: cumulative + (perBucket[12] ?? 0) });
      return buckets;
    })
    .filter((buckets) => (buckets[buckets.length - 1]?.count ?? 0) > 0);

  it('stays between 0 and the last finite bound and never decreases with q (property)', () => {
    fc.assert(
      fc.property(
        histogram,
        fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true }),
        fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true }),
        (buckets, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const lastFinite = buckets[buckets.length - 2]?.le ?? NaN;
          const qLo = histogramQuantile(lo, buckets);
          const qHi = histogramQuantile(hi, buckets);
          expect(qLo).toBeGreaterThanOrEqual(0);
          expect(qHi).toBeLessThanOrEqual(lastFinite);
          expect(qLo).toBeLessThanOrEqual(qHi + 1e-9 * lastFinite);
        },
      ),
    );
  });
});

describe('bucketBounds', () => {
  it('is the defaults when nothing is added', () => {
    expect(bucketBounds([])).toEqual([...DEFAULT_LATENCY_BUCKETS]);
  });

  it('adds thresholds and budgets once each, ignoring float noise and unusable bounds', () => {
    const bounds = bucketBounds([35 / 1000, 0.035, 0.1, 0.1 + 0.2, 0.3, 0, -1, NaN, Infinity, 30]);
    expect(bounds).toEqual([
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.035, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30,
    ]);
  });

  it('is strictly increasing and contains every usable input (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-6, max: 1e4, noNaN: true })), (extra) => {
        const bounds = bucketBounds(extra);
        for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeGreaterThan(bounds[i - 1] ?? -Infinity);
        for (const seconds of extra) {
          expect(bounds).toContain(Number(seconds.toPrecision(12)));
        }
      }),
    );
  });
});

describe('bucketIndex', () => {
  const bounds = [0.01, 0.1, 1];

  it.each([
    [0, 0],
    [0.01, 0],
    [0.010001, 1],
    [0.1, 1],
    [1, 2],
    [1.5, 3],
    [Infinity, 3],
    [NaN, 3],
    [-1, 0],
  ])('puts %d in bucket %d', (seconds, index) => {
    expect(bucketIndex(bounds, seconds)).toBe(index);
  });

  it('agrees with a linear scan (property)', () => {
    const boundsArb = fc
      .uniqueArray(fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }), { maxLength: 20 })
      .map((values) => [...values].sort((a, b) => a - b));
    fc.assert(
      fc.property(boundsArb, fc.double({ noNaN: true }), fc.nat(), (sorted, value, pick) => {
        // Half the time probe an exact bound, where `le` semantics matter.
        const probe = sorted.length > 0 && pick % 2 === 0 ? (sorted[pick % sorted.length] as number) : value;
        const linear = sorted.findIndex((bound) => bound >= probe);
        expect(bucketIndex(sorted, probe)).toBe(linear === -1 ? sorted.length : linear);
      }),
    );
  });
});
