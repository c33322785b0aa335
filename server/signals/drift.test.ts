import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignCategories,
  binCounts,
  binIndex,
  jsDistance,
  psi,
  quantileEdges,
  sampleReference,
} from './drift.js';

/** A small deterministic PRNG (mulberry32), so the uniform-data tests never flake. */
function uniform(seed: number, n: number): number[] {
  let state = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

const counts = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 8 });
const countPair = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.nat({ max: 1000 }), { minLength: n, maxLength: n }),
      fc.array(fc.nat({ max: 1000 }), { minLength: n, maxLength: n }),
    ),
  )
  .filter(([a, b]) => a.some((x) => x > 0) && b.some((x) => x > 0));

describe('quantileEdges', () => {
  it('cuts 1000 distinct values into ten bins of 100', () => {
    const reference = Array.from({ length: 1000 }, (_, i) => i);
    const edges = quantileEdges(reference);
    expect(edges).toEqual([99, 199, 299, 399, 499, 599, 699, 799, 899]);
    expect(binCounts(reference, edges)).toEqual(Array(10).fill(100));
  });

  it('gives about equal bin mass to fresh uniform data', () => {
    const edges = quantileEdges(uniform(1, 10_000));
    const current = binCounts(uniform(2, 10_000), edges);
    expect(current).toHaveLength(10);
    for (const count of current) {
      // Standard error of a 10% share over 10,000 draws is 0.3%; 2% is far outside chance.
      expect(count / 10_000).toBeGreaterThan(0.08);
      expect(count / 10_000).toBeLessThan(0.12);
    }
    expect(psi(binCounts(uniform(1, 10_000), edges), current)).toBeLessThan(0.01);
  });

  it('gives exactly equal mass on a reference of distinct values whose size divides evenly (property)', () => {
    const case_ = fc
      .tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 30 }))
      .chain(([bins, per]) =>
        fc.tuple(
          fc.constant(bins),
          fc.constant(per),
          fc.uniqueArray(fc.integer({ min: -1e6, max: 1e6 }), {
            minLength: bins * per,
            maxLength: bins * per,
          }),
        ),
      );
    fc.assert(
      fc.property(case_, ([bins, per, reference]) => {
        const edges = quantileEdges(reference, bins);
        expect(edges).toHaveLength(bins - 1);
        expect(binCounts(reference, edges)).toEqual(Array(bins).fill(per));
      }),
    );
  });

  it('returns strictly increasing edges taken from the reference (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 2, max: 20 }),
        (reference, bins) => {
          const edges = quantileEdges(reference, bins);
          expect(edges.length).toBeGreaterThanOrEqual(1);
          expect(edges.length).toBeLessThanOrEqual(bins - 1);
          for (let i = 1; i < edges.length; i++) expect(edges[i]).toBeGreaterThan(edges[i - 1] as number);
          for (const edge of edges) expect(reference).toContain(edge);
        },
      ),
    );
  });

  it('puts each edge at the smallest value with at least i/bins of the reference at or below it (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 2, max: 20 }),
        (reference, bins) => {
          const n = reference.length;
          for (const edge of quantileEdges(reference, bins)) {
            const atOrBelow = reference.filter((v) => v <= edge).length;
            const below = reference.filter((v) => v < edge).length;
            // Some quantile i/bins is reached at this edge and not before it (integers avoid rounding).
            const reached = Array.from({ length: bins - 1 }, (_, j) => j + 1).some(
              (i) => atOrBelow * bins >= i * n && below * bins < i * n,
            );
            expect(reached).toBe(true);
          }
          if (new Set(reference).size === n && n >= bins) {
            expect(quantileEdges(reference, bins)).toHaveLength(bins - 1);
          }
        },
      ),
    );
  });

  it('de-duplicates edges of a reference with heavy ties', () => {
    expect(quantileEdges([1, 1, 1, 1, 1, 1, 1, 1, 1, 2])).toEqual([1]);
    expect(quantileEdges([7])).toEqual([7]);
  });

  it('rejects an empty reference, non-finite values and bad bin counts, saying where', () => {
    expect(() => quantileEdges([])).toThrow('reference distribution is empty');
    expect(() => quantileEdges([1, NaN])).toThrow('reference[1] is NaN');
    expect(() => quantileEdges([Infinity])).toThrow('reference[0] is Infinity');
    expect(() => quantileEdges([1, 2], 1)).toThrow('bins must be an integer >= 2, got 1');
    expect(() => quantileEdges([1, 2], 2.5)).toThrow('bins must be an integer >= 2, got 2.5');
  });
});

describe('binIndex and binCounts', () => {
  it('puts a value equal to an edge in the bin that edge closes', () => {
    const edges = [1, 2, 3];
    expect([0, 1, 1.5, 2, 3, 3.5, -Infinity, Infinity].map((v) => binIndex(edges, v))).toEqual([
      0, 0, 1, 1, 2, 3, 0, 3,
    ]);
    expect(binIndex([], 42)).toBe(0);
  });

  it('agrees with a linear scan (property)', () => {
    const edgesArb = fc
      .uniqueArray(fc.double({ min: -100, max: 100, noNaN: true }), { maxLength: 15 })
      .map((values) => [...values].sort((a, b) => a - b));
    fc.assert(
      fc.property(edgesArb, fc.double({ noNaN: true }), fc.nat(), (edges, value, pick) => {
        const probe = edges.length > 0 && pick % 2 === 0 ? (edges[pick % edges.length] as number) : value;
        const linear = edges.findIndex((edge) => edge >= probe);
        expect(binIndex(edges, probe)).toBe(linear === -1 ? edges.length : linear);
      }),
    );
  });

  it('counts every value once into edges.length + 1 bins (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true })),
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { maxLength: 10 }),
        (values, rawEdges) => {
          const edges = [...rawEdges].sort((a, b) => a - b);
          const result = binCounts(values, edges);
          expect(result).toHaveLength(edges.length + 1);
          expect(result.reduce((a, b) => a + b, 0)).toBe(values.length);
        },
      ),
    );
  });

  it('rejects NaN, which belongs to no bin', () => {
    expect(() => binIndex([1], NaN)).toThrow('cannot bin NaN');
    expect(() => binCounts([0, NaN], [1])).toThrow('values[1] is NaN');
  });
});

describe('psi', () => {
  it('matches a worked example', () => {
    // r = (0.5, 0.3, 0.2), c = (0.3, 0.3, 0.4):
    //   (0.3 − 0.5)·ln(0.3/0.5) = −0.2 × −0.5108256 = 0.1021651
    //   (0.3 − 0.3)·ln(1)       = 0
    //   (0.4 − 0.2)·ln(2)       =  0.2 ×  0.6931472 = 0.1386294
    //   PSI = 0.2407946
    expect(psi([50, 30, 20], [30, 30, 40])).toBeCloseTo(0.2407946, 6);
  });

  it('replaces an empty bin by epsilon, so a bin the reference never saw stays finite', () => {
    // r = (1, 1e-4), c = (0.9, 0.1):
    //   (0.9 − 1)·ln(0.9)          = −0.1 × −0.1053605 = 0.0105361
    //   (0.1 − 1e-4)·ln(0.1/1e-4)  = 0.0999 × 6.9077553 = 0.6900848
    expect(psi([100, 0], [90, 10])).toBeCloseTo(0.7006208, 6);
    // A larger epsilon makes the same surprise cost less.
    expect(psi([100, 0], [90, 10], 0.01)).toBeLessThan(psi([100, 0], [90, 10]));
  });

  it('is 0 for identical distributions, whatever the sample sizes (property)', () => {
    fc.assert(
      fc.property(counts, fc.integer({ min: 1, max: 50 }), (reference, factor) => {
        fc.pre(reference.some((x) => x > 0));
        expect(psi(reference, reference)).toBe(0);
        expect(
          psi(
            reference,
            reference.map((x) => x * factor),
          ),
        ).toBeCloseTo(0, 12);
      }),
    );
  });

  it('is never negative (property)', () => {
    fc.assert(
      fc.property(countPair, ([reference, current]) => {
        const value = psi(reference, current);
        expect(Number.isFinite(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('is NaN when either side has no observations', () => {
    expect(psi([0, 0], [1, 2])).toBeNaN();
    expect(psi([1, 2], [0, 0])).toBeNaN();
    expect(psi([], [])).toBeNaN();
  });

  it('rejects vectors of different lengths, bad counts and a bad epsilon', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow('reference has 2 bins and current has 3');
    expect(() => psi([1, -2], [1, 2])).toThrow('reference[1] is -2');
    expect(() => psi([1, 2], [NaN, 2])).toThrow('current[0] is NaN');
    expect(() => psi([1, 2], [1, 2], 0)).toThrow('epsilon must be in (0, 1), got 0');
  });
});

describe('jsDistance', () => {
  it('matches a worked example', () => {
    // p = (1, 0), q = (0.5, 0.5), m = (0.75, 0.25):
    //   KL(p‖m) = log2(1/0.75)                          = 0.4150375
    //   KL(q‖m) = 0.5·log2(0.5/0.75) + 0.5·log2(0.5/0.25) = 0.2075187
    //   JS = (0.4150375 + 0.2075187) / 2 = 0.3112781, distance = √JS = 0.5579230
    expect(jsDistance([2, 0], [1, 1])).toBeCloseTo(0.557923, 6);
  });

  it('is 1 for disjoint supports', () => {
    expect(jsDistance([5, 0, 0], [0, 3, 4])).toBeCloseTo(1, 12);
    expect(jsDistance([1, 0], [0, 1])).toBe(1);
  });

  it('is symmetric and in [0, 1] (property)', () => {
    fc.assert(
      fc.property(countPair, ([a, b]) => {
        const d = jsDistance(a, b);
        expect(d).toBe(jsDistance(b, a));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is 0 exactly when the proportions are equal (property)', () => {
    fc.assert(
      fc.property(countPair, fc.integer({ min: 1, max: 20 }), ([a, b], factor) => {
        expect(
          jsDistance(
            a,
            a.map((x) => x * factor),
          ),
        ).toBe(0);
        const totalA = a.reduce((s, x) => s + x, 0);
        const totalB = b.reduce((s, x) => s + x, 0);
        // Equal proportions, compared exactly in integers: a_i / A = b_i / B ⇔ a_i·B = b_i·A.
        const equal = a.every((x, i) => x * totalB === (b[i] as number) * totalA);
        if (equal) expect(jsDistance(a, b)).toBe(0);
        else expect(jsDistance(a, b)).toBeGreaterThan(0);
      }),
    );
  });

  it('stays accurate for nearly equal distributions, where naive log2 terms cancel to noise', () => {
    // Reference value from 60-digit decimal arithmetic; log2(2a / (a + b)) per term is 10% off here.
    const d = jsDistance([30_000_000, 10_000_001, 5_000_000], [30_000_000, 10_000_000, 5_000_000]);
    expect(d / 1.7654839294663e-8).toBeCloseTo(1, 6);
  });

  it('is NaN when either side is empty and rejects mismatched vectors', () => {
    expect(jsDistance([0], [1])).toBeNaN();
    expect(jsDistance([1], [0])).toBeNaN();
    expect(() => jsDistance([1], [1, 2])).toThrow('reference has 1 bins and current has 2');
  });
});

describe('alignCategories', () => {
  it('compares over the sorted union, with 0 for a category one side never saw', () => {
    expect(alignCategories({ b: 2, a: 1 }, { c: 3, a: 4 })).toEqual({
      categories: ['a', 'b', 'c'],
      reference: [1, 2, 0],
      current: [4, 0, 3],
    });
  });

  it('does not mistake inherited properties for categories', () => {
    const aligned = alignCategories({ mobile: 10 }, { mobile: 5, toString: 5 });
    expect(aligned).toEqual({ categories: ['mobile', 'toString'], reference: [10, 0], current: [5, 5] });
    expect(Number.isFinite(psi(aligned.reference, aligned.current))).toBe(true);
  });

  it('sorts by code unit, not by locale', () => {
    expect(alignCategories({ b: 1, B: 1, a: 1 }, {}).categories).toEqual(['B', 'a', 'b']);
  });
});

describe('sampleReference', () => {
  it('returns a sorted copy when already small enough', () => {
    const values = [3, 1, 2];
    const sample = sampleReference(values);
    expect(sample).toEqual([1, 2, 3]);
    expect(values).toEqual([3, 1, 2]);
  });

  it('takes the middle order statistic of each equal-mass stratum', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => 99_999 - i);
    const sample = sampleReference(values, 1000);
    expect(sample).toHaveLength(1000);
    // Stratum i holds ranks [100i, 100i + 100); its middle rank is 100i + 50.
    expect(sample.slice(0, 3)).toEqual([50, 150, 250]);
    expect(sample[999]).toBe(99_950);
  });

  it('keeps the distribution: the sample barely drifts from the whole (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 20, max: 200 }), (seed, max) => {
        const values = uniform(seed, 5000).map((u) => u * u);
        const sample = sampleReference(values, max);
        expect(sample).toHaveLength(max);
        for (let i = 1; i < sample.length; i++)
          expect(sample[i]).toBeGreaterThanOrEqual(sample[i - 1] as number);
        const edges = quantileEdges(values);
        expect(psi(binCounts(values, edges), binCounts(sample, edges))).toBeLessThan(0.05);
      }),
      { numRuns: 30 },
    );
  });

  it('is deterministic', () => {
    const values = uniform(7, 50_000);
    expect(sampleReference(values, 500)).toEqual(sampleReference(values, 500));
  });

  it('rejects a bad max and non-finite values', () => {
    expect(() => sampleReference([1], 0)).toThrow('max must be a positive integer, got 0');
    expect(() => sampleReference([1, NaN])).toThrow('values[1] is NaN');
  });
});
