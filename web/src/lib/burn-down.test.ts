import { describe, expect, it } from 'vitest';
import { burnDown, firstTraffic } from './burn-down';

describe('error budget burn-down', () => {
  it('counts requests and failures from the first step with traffic', () => {
    // 10 requests/s for 10 s steps; a 99% target allows 1 failure in 100.
    const rate: Array<[number, number | null]> = [
      [10_000, 0],
      [20_000, 10],
      [30_000, 10],
      [40_000, 10],
    ];
    const errors: Array<[number, number | null]> = [
      [10_000, null],
      [20_000, 0],
      [30_000, 0.01],
      [40_000, 0.02],
    ];
    const points = burnDown(rate, errors, 10_000, 0.99);
    expect(points.map(([t]) => t)).toEqual([20_000, 30_000, 40_000]);
    expect(points.map(([, v]) => Number(v!.toFixed(4)))).toEqual([1, 0.5, 0]);
  });

  it('goes below zero once the budget is overspent', () => {
    const points = burnDown([[10_000, 1]], [[10_000, 0.5]], 10_000, 0.9);
    expect(points).toHaveLength(1);
    expect(points[0]![1]).toBeCloseTo(-4);
  });

  it('has nothing to say about a target of 100%', () => {
    expect(burnDown([[10_000, 1]], [[10_000, 0]], 10_000, 1)).toEqual([]);
  });

  it('finds where traffic starts', () => {
    expect(
      firstTraffic(
        [
          [10_000, null],
          [20_000, 0],
          [30_000, 2],
        ],
        10_000,
      ),
    ).toBe(20_000);
    expect(firstTraffic([[10_000, 0]], 10_000)).toBeUndefined();
  });
});
