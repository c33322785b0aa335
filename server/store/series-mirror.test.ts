import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESOLUTIONS_MS } from './buckets.js';
import { Coverage } from './series-mirror.js';

describe('Coverage', () => {
  it('is unbounded before any prune', () => {
    const coverage = new Coverage([-Infinity, -Infinity, -Infinity]);
    expect(coverage.cutoffs).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(coverage.seams).toEqual([-Infinity, -Infinity, -Infinity]);
  });

  it('puts each seam on a boundary of the next coarser resolution, at or after the cutoff', () => {
    const aligned = (r: number) => fc.integer({ min: -1_000, max: 1_000_000 }).map((n) => n * r);
    fc.assert(
      fc.property(aligned(10_000), aligned(60_000), aligned(3_600_000), (c0, c1, c2) => {
        const coverage = new Coverage([c0, c1, c2]);
        const { cutoffs, seams } = coverage;
        for (let i = 0; i < RESOLUTIONS_MS.length; i++) {
          // Never finer data than is held, and finer resolutions never start before coarser ones.
          expect(cutoffs[i]!).toBeGreaterThanOrEqual([c0, c1, c2][i]!);
          if (i > 0) expect(cutoffs[i - 1]!).toBeGreaterThanOrEqual(cutoffs[i]!);
        }
        for (let i = 0; i + 1 < RESOLUTIONS_MS.length; i++) {
          expect(Number.isInteger(seams[i]! / RESOLUTIONS_MS[i + 1]!)).toBe(true);
          expect(seams[i]!).toBeGreaterThanOrEqual(cutoffs[i]!);
          expect(seams[i]!).toBeGreaterThanOrEqual(seams[i + 1]!);
          // The first boundary at or after the cutoff, unless the coarser seam is later still.
          if (seams[i] !== seams[i + 1]) expect(seams[i]! - cutoffs[i]!).toBeLessThan(RESOLUTIONS_MS[i + 1]!);
        }
      }),
    );
  });
});
