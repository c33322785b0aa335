import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Accumulator, Rng, hashString, rngFor } from './random.js';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

describe('Rng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    expect(draws(new Rng(7), 50)).toEqual(draws(new Rng(7), 50));
    expect(draws(new Rng(7), 50)).not.toEqual(draws(new Rng(8), 50));
  });

  it('draws uniform numbers in [0, 1) for any seed', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 200; i++) {
          const x = rng.next();
          if (!(x >= 0 && x < 1)) return false;
        }
        return true;
      }),
    );
  });

  it('draws a standard normal and a lognormal around its median', () => {
    const rng = new Rng(1);
    const n = 20_000;
    const normals = Array.from({ length: n }, () => rng.normal());
    const mean = normals.reduce((a, b) => a + b, 0) / n;
    const variance = normals.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    const logs = Array.from({ length: n }, () => rng.lognormal(0.02, 0.15)).sort((a, b) => a - b);
    expect(logs[n / 2]!).toBeCloseTo(0.02, 3);
    expect(logs.every((x) => x > 0)).toBe(true);
  });

  it('draws binomial counts around n·p', () => {
    const rng = new Rng(3);
    const counts = Array.from({ length: 200 }, () => rng.binomial(1000, 0.3));
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(290);
    expect(mean).toBeLessThan(310);
    expect(rng.binomial(0, 0.5)).toBe(0);
  });

  it('derives independent streams per name from one seed', () => {
    expect(draws(rngFor(42, 'recommendations'), 10)).toEqual(draws(rngFor(42, 'recommendations'), 10));
    expect(draws(rngFor(42, 'recommendations'), 10)).not.toEqual(draws(rngFor(42, 'search-rag'), 10));
  });
});

describe('hashString', () => {
  it('is 32-bit FNV-1a', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });
});

describe('Accumulator', () => {
  it('hands out exactly the whole events of the summed amounts', () => {
    // Amounts in eighths are exact in binary floating point, so the totals must match exactly.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 100 }), (eighths) => {
        const acc = new Accumulator();
        let taken = 0;
        for (const e of eighths) taken += acc.take(e / 8);
        return taken === Math.floor(eighths.reduce((a, b) => a + b, 0) / 8);
      }),
    );
  });

  it('does not lose events to float noise (0.1 a second for 100 s is 10, not 9)', () => {
    for (const rate of [0.1, 0.3, 0.6, 0.7, 0.9]) {
      const acc = new Accumulator();
      let taken = 0;
      for (let i = 0; i < 100; i++) taken += acc.take(rate);
      expect(taken, `rate ${rate}`).toBe(Math.round(rate * 100));
    }
  });

  it('spreads a low rate over intervals (0.4 per second gives 4 per 10 s)', () => {
    const acc = new Accumulator();
    const perSecond = Array.from({ length: 10 }, () => acc.take(0.4));
    expect(perSecond.reduce((a, b) => a + b, 0)).toBe(4);
    expect(Math.max(...perSecond)).toBe(1);
  });
});
