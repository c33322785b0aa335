import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetRemaining, burnRate } from './burn.js';

describe('burnRate', () => {
  it('is the error ratio in units of the budget', () => {
    // A 99.9% target has a 0.1% budget; 1.44% errors burn it 14.4 times too fast (the page tier).
    expect(burnRate(0.0144, 0.001)).toBeCloseTo(14.4, 10);
    expect(burnRate(0.001, 0.001)).toBe(1);
    expect(burnRate(0, 0.001)).toBe(0);
    expect(burnRate(NaN, 0.001)).toBeNaN();
  });

  it.each([0, -0.1, 1.5, NaN])('rejects an error budget of %d', (budget) => {
    expect(() => burnRate(0.1, budget)).toThrow(`errorBudget must be in (0, 1] (1 − target), got ${budget}`);
  });
});

describe('budgetRemaining', () => {
  it('is 1 − ratio / budget, negative when overspent', () => {
    expect(budgetRemaining(0, 0.001)).toBe(1);
    expect(budgetRemaining(0.0005, 0.001)).toBe(0.5);
    expect(budgetRemaining(0.001, 0.001)).toBe(0);
    expect(budgetRemaining(0.002, 0.001)).toBe(-1);
  });

  it('is 1 − burn rate (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        (ratio, budget) => {
          expect(budgetRemaining(ratio, budget)).toBe(1 - burnRate(ratio, budget));
        },
      ),
    );
  });
});
