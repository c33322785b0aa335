import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketEnd, RESOLUTIONS_MS } from './buckets.js';
import { Coverage, SeriesMirror } from './series-mirror.js';

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

describe('SeriesMirror.increases', () => {
  const HOUR = 3_600_000;
  const T0 = Date.UTC(2026, 0, 1);
  const SPAN = 60 * HOUR;

  /** A counter mirror holding `samples` at every resolution, pruned as the store prunes. */
  function mirrorOf(
    samples: ReadonlyArray<{ t: number; value: number }>,
    cuts: readonly number[],
  ): { mirror: SeriesMirror; coverage: Coverage } {
    const mirror = new SeriesMirror({ id: 1, name: 'x_total', labels: {}, type: 'counter' }, 'x');
    for (const { t, value } of samples) {
      RESOLUTIONS_MS.forEach((r, i) => mirror.columns[i]!.merge(bucketEnd(t, r), value, t));
    }
    // Cutoffs aligned to each resolution, as `prune` sets them (some resolutions never pruned).
    const pruned = RESOLUTIONS_MS.map((r, i) => {
      const cut = cuts[i]!;
      if (cut < 0) return -Infinity;
      const cutoff = Math.floor((T0 + cut) / r) * r;
      mirror.columns[i]!.dropThrough(cutoff);
      return cutoff;
    });
    return { mirror, coverage: new Coverage(pruned) };
  }

  const sample = fc.record({
    t: fc.integer({ min: T0, max: T0 + SPAN }),
    // Decimal fractions make the order of additions visible in the bits of the answer.
    value: fc.integer({ min: 0, max: 1e9 }).map((n) => n / 1_000),
  });
  const time = fc.oneof(
    fc.integer({ min: T0 - HOUR, max: T0 + SPAN + HOUR }),
    fc.integer({ min: -1, max: (SPAN + HOUR) / 10_000 }).map((n) => T0 + n * 10_000),
    fc.constantFrom(-Infinity, Infinity),
  );
  // Per resolution: never pruned (negative), or pruned somewhere in the span.
  const cuts = fc.tuple(...RESOLUTIONS_MS.map(() => fc.integer({ min: -SPAN / 4, max: SPAN })));

  it('answers every window exactly as increase does, across resolutions and prunes', () => {
    fc.assert(
      fc.property(
        fc.array(sample, { maxLength: 200 }),
        cuts,
        time,
        fc.array(
          fc.oneof(
            time,
            fc.constantFrom(5, 30, 60, 360, 1_440, 4_320).map((m) => -m * 60_000),
          ),
          {
            minLength: 1,
            maxLength: 10,
          },
        ),
        (samples, cut, toMs, starts) => {
          const { mirror, coverage } = mirrorOf(samples, cut);
          // Negative entries are windows back from `to`, as the evaluator asks; the rest absolute times.
          const froms = starts.map((s) => (s < 0 && s > -1e10 ? toMs + s : s));
          const out = new Float64Array(froms.length);
          mirror.increases(coverage, froms, toMs, out);
          froms.forEach((fromMs, k) => {
            const single = mirror.increase(coverage, fromMs, toMs);
            expect(Object.is(out[k], single), `(${fromMs - T0}, ${toMs - T0}]`).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads from the coarser resolutions where the finer ones are pruned', () => {
    const samples = Array.from({ length: 60 }, (_, h) => ({ t: T0 + h * HOUR + 1_000, value: h }));
    const { mirror, coverage } = mirrorOf(samples, [50 * HOUR, 40 * HOUR, -1]);
    const to = T0 + 60 * HOUR;
    const froms = [to - 5 * 60_000, to - 12 * HOUR, to - 30 * HOUR, to - 100 * HOUR, to];
    const out = new Float64Array(froms.length);
    mirror.increases(coverage, froms, to, out);
    expect([...out]).toEqual(froms.map((from) => mirror.increase(coverage, from, to)));
    // The sums of hours 55–59, 48–59 and 30–59 (the sample of hour 30 is at T0 + 30 h + 1 s), all, none.
    const hours = (from: number) =>
      samples.filter((s) => s.t > from && s.t <= to).reduce((a, s) => a + s.value, 0);
    expect([...out]).toEqual([0, hours(to - 12 * HOUR), hours(to - 30 * HOUR), hours(-Infinity), 0]);
  });
});
