import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catchUpSeconds, isStalled } from './stream.js';

describe('catchUpSeconds', () => {
  it.each([
    // lag, consume, produce, seconds
    [0, 0, 100, 0],
    [0, 50, 50, 0],
    [1000, 60, 50, 100],
    [100_000, 50_000, 0, 2],
    [500, 10, 10, Infinity],
    [500, 5, 10, Infinity],
    [500, 0, 0, Infinity],
  ])('lag %d at %d/s consumed and %d/s produced takes %d s', (lag, consume, produce, seconds) => {
    expect(catchUpSeconds(lag, consume, produce)).toBe(seconds);
  });

  it('is lag / net drain rate whenever the lag drains (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (lag, consume, produce) => {
          const seconds = catchUpSeconds(lag, consume, produce);
          if (consume > produce) expect(seconds).toBe(lag / (consume - produce));
          else expect(seconds).toBe(Infinity);
        },
      ),
    );
  });

  it('rejects negative or non-finite inputs, naming them', () => {
    expect(() => catchUpSeconds(-1, 1, 0)).toThrow('lag must be a finite number >= 0, got -1');
    expect(() => catchUpSeconds(1, NaN, 0)).toThrow('consumeRate must be a finite number >= 0, got NaN');
    expect(() => catchUpSeconds(1, 1, Infinity)).toThrow(
      'produceRate must be a finite number >= 0, got Infinity',
    );
  });
});

describe('isStalled', () => {
  it.each([
    [10, 0, true],
    [10, 0.5, false],
    [0, 0, false],
    [0, 5, false],
  ])('lag %d consumed at %d/s: stalled %s', (lag, consume, stalled) => {
    expect(isStalled(lag, consume)).toBe(stalled);
  });
});
