import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recallAtK } from './recall.js';

describe('recallAtK', () => {
  it.each([
    { retrieved: [1, 2, 3], exact: [1, 2, 4], k: 3, hits: 2 },
    { retrieved: ['a', 'b', 'c'], exact: ['c', 'b', 'a'], k: 3, hits: 3 },
    // Only the first k of each list count: 'x' displaced 'a' from the ANN top-1.
    { retrieved: ['x', 'a'], exact: ['a', 'y'], k: 1, hits: 0 },
    { retrieved: [9, 8, 7, 1], exact: [1, 2, 3, 4], k: 3, hits: 0 },
  ])('scores $retrieved against $exact at k=$k', ({ retrieved, exact, k, hits }) => {
    expect(recallAtK(retrieved, exact, k)).toEqual({ hits, expected: k, recall: hits / k });
  });

  it('counts a duplicated id once', () => {
    expect(recallAtK([1, 1, 1], [1, 2, 3], 3)).toEqual({ hits: 1, expected: 3, recall: 1 / 3 });
    expect(recallAtK([1, 2, 3], [1, 1, 1], 3)).toEqual({ hits: 1, expected: 3, recall: 1 / 3 });
  });

  it('expects k ids even when the lists are shorter than k', () => {
    expect(recallAtK(['a', 'b'], ['a', 'b'], 10)).toEqual({ hits: 2, expected: 10, recall: 0.2 });
    expect(recallAtK([], [], 5)).toEqual({ hits: 0, expected: 5, recall: 0 });
  });

  it('treats the number 1 and the string "1" as different ids', () => {
    expect(recallAtK([1], ['1'], 1).hits).toBe(0);
  });

  it.each([0, -1, 1.5, NaN, Infinity])('rejects k=%d', (k) => {
    expect(() => recallAtK([1], [1], k)).toThrow(`k must be a positive integer, got ${k}`);
  });

  it('is a share between 0 and 1, and 1 for the exact list itself (property)', () => {
    const ids = fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom('a', 'b', 'c')), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(ids, ids, fc.integer({ min: 1, max: 25 }), (retrieved, exact, k) => {
        const { hits, expected, recall } = recallAtK(retrieved, exact, k);
        expect(expected).toBe(k);
        expect(hits).toBeGreaterThanOrEqual(0);
        expect(hits).toBeLessThanOrEqual(Math.min(k, retrieved.length, exact.length));
        expect(recall).toBe(hits / k);
        const distinct = [...new Set(exact)];
        if (distinct.length >= k) expect(recallAtK(distinct, distinct, k).recall).toBe(1);
      }),
    );
  });
});
