import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketEnd, RESOLUTIONS_MS } from './buckets.js';
import { openStore, type Store } from './store.js';
import { answers, DAY, HOUR, SPECS, T0, update } from './test-support/scenario.js';
import { tempDirs } from './test-support/temp-dirs.js';
import type { SampleUpdate } from './types.js';

const tempDir = tempDirs();

const floorTo = (t: number, r: number): number => Math.floor(t / r) * r;

/** Small retentions so that a few hours of data exercise every resolution and every seam. */
const RETENTION = { tenSecondMs: 2 * HOUR, minuteMs: 6 * HOUR, hourMs: 12 * HOUR };
const RETENTIONS = [RETENTION.tenSecondMs, RETENTION.minuteMs, RETENTION.hourMs];
const SPAN = 16 * HOUR;

type Op = { kind: 'apply'; updates: SampleUpdate[] } | { kind: 'prune'; now: number };

const counterUpdate = fc
  .record({
    series: fc.integer({ min: 0, max: 1 }),
    t: fc.integer({ min: T0, max: T0 + SPAN }),
    value: fc.nat(100),
  })
  .map((u) => update(u.series, u.t, u.value));

const counterOps: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(counterUpdate, { minLength: 1, maxLength: 60 })
        .map((updates) => ({ kind: 'apply' as const, updates })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: T0, max: T0 + SPAN }).map((now) => ({ kind: 'prune' as const, now })),
    },
  ),
  { minLength: 1, maxLength: 8 },
);

/** Runs the ops; returns the cutoff per resolution after the last prune (−∞ when none). */
function run(store: Store, ops: readonly Op[]): number[] {
  const cutoffs = RESOLUTIONS_MS.map(() => -Infinity);
  for (const op of ops) {
    if (op.kind === 'apply') store.apply(op.updates);
    else {
      store.prune(op.now);
      RESOLUTIONS_MS.forEach(
        (r, i) => (cutoffs[i] = Math.max(cutoffs[i]!, floorTo(op.now - RETENTIONS[i]!, r))),
      );
    }
  }
  return cutoffs;
}

/** Brute force over the raw updates of one series: sum of deltas with time in (from, to]. */
function rawSum(ops: readonly Op[], series: number, from: number, to: number): number {
  const spec = SPECS[series]!;
  let sum = 0;
  for (const op of ops) {
    if (op.kind !== 'apply') continue;
    for (const u of op.updates) if (u.labels === spec.labels && u.t > from && u.t <= to) sum += u.value;
  }
  return sum;
}

/** Fractions of a range, to become aligned times once the cutoffs are known. */
const fractions = fc.array(fc.tuple(fc.nat(1_000_000), fc.nat(1_000_000)), { minLength: 4, maxLength: 12 });

/** The pair of fractions as two times aligned to `r` within [lo, hi] (lo aligned), in order. */
function aligned([a, b]: [number, number], lo: number, hi: number, r: number): [number, number] {
  const steps = Math.max(0, Math.floor((hi - lo) / r));
  const x = lo + Math.round((a / 1_000_000) * steps) * r;
  const y = lo + Math.round((b / 1_000_000) * steps) * r;
  return [Math.min(x, y), Math.max(x, y)];
}

describe('increase against a brute-force sum of the raw updates', () => {
  it('is exact at each resolution where it is still held, at that resolution’s alignment', () => {
    fc.assert(
      fc.property(counterOps, fractions, (ops, pairs) => {
        const store = openStore({ path: path.join(tempDir(), 'p.db'), retention: RETENTION });
        const cutoffs = run(store, ops);
        const end = T0 + SPAN + HOUR;
        for (const series of [0, 1]) {
          const ref = store.select(SPECS[series]!.name, SPECS[series]!.labels)[0];
          const all = rawSum(ops, series, -Infinity, Infinity);
          if (ref === undefined) {
            expect(all).toBe(0);
            continue;
          }
          expect(store.total(ref)).toBe(all);
          RESOLUTIONS_MS.forEach((r, level) => {
            // Ranges starting where this resolution still holds everything, aligned to it; the hour
            // level also covers ranges reaching back past every cutoff.
            const lo = level === 2 ? T0 - HOUR : Math.max(T0 - r, cutoffs[level]!);
            for (const pair of pairs) {
              const [from, to] = aligned(pair, lo, end, r);
              const held = Math.max(from, cutoffs[2]!);
              expect(store.increase(ref, from, to), `level ${level}: (${from - T0}, ${to - T0}]`).toBe(
                rawSum(ops, series, held, to),
              );
            }
          });
          for (const pair of pairs) {
            const [at] = aligned(pair, Math.max(T0 - 10_000, cutoffs[0]!), end, 10_000);
            expect(store.total(ref, at), `total at ${at - T0}`).toBe(all - rawSum(ops, series, at, Infinity));
          }
        }
        store.close();
      }),
      { numRuns: 80 },
    );
  });

  it('answers a 30-day window from hour buckets in the middle and finer ones at the edges', () => {
    const store = openStore({ path: path.join(tempDir(), 'month.db') });
    // One delta every 7 minutes for 40 days, of 1 + (i mod 5), never on a bucket boundary.
    const updates: SampleUpdate[] = [];
    for (let i = 0, t = T0 + 3_000; t < T0 + 40 * DAY; i++, t += 7 * 60_000)
      updates.push(update(0, t, 1 + (i % 5)));
    store.apply(updates);
    const now = T0 + 40 * DAY + 1_234_567;
    store.prune(now);
    const [ref] = store.select(SPECS[0]!.name);
    const sum = (from: number, to: number): number =>
      updates.filter((u) => u.t > from && u.t <= to).reduce((s, u) => s + u.value, 0);
    const to = floorTo(now, 10_000);
    // From an hour boundary 30 days back to a 10 s boundary now: exact.
    const from = floorTo(now - 30 * DAY, HOUR);
    expect(store.increase(ref!, from, to)).toBe(sum(from, to));
    // From a minute boundary within 8 days: exact; from a 10 s boundary within 26 h: exact.
    const fromMinute = floorTo(now - 5 * DAY, 60_000) + 60_000 * 7;
    expect(store.increase(ref!, fromMinute, to)).toBe(sum(fromMinute, to));
    const from10s = floorTo(now - 20 * HOUR, 10_000) + 70_000;
    expect(store.increase(ref!, from10s, to)).toBe(sum(from10s, to));
    // An unaligned start 30 days back is rounded to its hour bucket: the bucket holding it is left out.
    const unaligned = from + 25 * 60_000;
    expect(store.increase(ref!, unaligned, to)).toBe(sum(bucketEnd(unaligned, HOUR), to));
    store.close();
  });
});

describe('increases against increase', () => {
  const start = fc.oneof(
    fc.integer({ min: T0 - HOUR, max: T0 + SPAN + HOUR }),
    fc.constantFrom(5, 30, 60, 120, 360, 1_440, 4_320).map((minutes) => -minutes * 60_000),
  );

  it('answers every window ending at the same time exactly as increase does', () => {
    fc.assert(
      fc.property(
        counterOps,
        fc.integer({ min: T0, max: T0 + SPAN + HOUR }),
        fc.array(start, { minLength: 1, maxLength: 10 }),
        (ops, to, starts) => {
          const store = openStore({ path: ':memory:', retention: RETENTION });
          run(store, ops);
          // Negative starts are windows back from `to`, as the evaluator asks.
          const froms = starts.map((s) => (s < 0 ? to + s : s));
          for (const series of [0, 1]) {
            const ref = store.select(SPECS[series]!.name, SPECS[series]!.labels)[0];
            if (ref === undefined) continue;
            const out = new Float64Array(froms.length);
            store.increases(ref, froms, to, out);
            const plain: number[] = [];
            store.increases(ref, froms, to, plain);
            froms.forEach((from, k) => {
              const single = store.increase(ref, from, to);
              expect(Object.is(out[k], single), `(${from - T0}, ${to - T0}]`).toBe(true);
              expect(Object.is(plain[k], single)).toBe(true);
            });
          }
          store.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('gauge and max series against brute force', () => {
  const sample = fc.record({
    series: fc.constantFrom(2, 3),
    t: fc.integer({ min: T0, max: T0 + 2 * HOUR }),
    value: fc.integer({ min: -20, max: 20 }),
  });

  it('latest is the newest (gauge) or largest (max) sample at or before a 10 s boundary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(sample, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: -2, max: 2 * 360 + 2 }), { minLength: 1, maxLength: 20 }),
        (batches, steps) => {
          const store = openStore({ path: ':memory:' });
          const applied = batches.map((batch) => batch.map((s) => update(s.series, s.t, s.value)));
          for (const batch of applied) store.apply(batch);
          const flat = applied.flat();
          for (const series of [2, 3]) {
            const ref = store.select(SPECS[series]!.name)[0];
            for (const step of steps) {
              const at = T0 + step * 10_000;
              const before = flat.filter((u) => u.labels === SPECS[series]!.labels && u.t <= at);
              let expected: { t: number; value: number } | undefined;
              for (const u of before) {
                if (expected === undefined) expected = { t: u.t, value: u.value };
                else if (
                  series === 2
                    ? u.t >= expected.t
                    : u.value > expected.value || (u.value === expected.value && u.t < expected.t)
                ) {
                  expected = { t: u.t, value: u.value };
                }
              }
              if (ref === undefined) expect(expected).toBeUndefined();
              else expect(store.latest(ref, at)).toEqual(expected);
              // Between boundaries the answer is still a real sample at or before `at`.
              if (ref !== undefined) {
                const between = store.latest(ref, at + 4_321);
                if (between !== undefined) expect(between.t).toBeLessThanOrEqual(at + 4_321);
              }
            }
          }
          store.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('reopening', () => {
  /** Where most samples land: a few minutes, so that batches meet in the same buckets. */
  const NEAR = T0 + 39 * DAY;
  const anyUpdate = fc
    .record({
      series: fc.integer({ min: 0, max: SPECS.length - 1 }),
      t: fc.integer({ min: T0, max: T0 + 40 * DAY }),
      // Decimal fractions (latency sums in seconds) make float addition order visible.
      value: fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 1_000),
      // Most samples land close together, as they do in production.
      near: fc.boolean(),
    })
    .map((u) => {
      const t = u.near ? NEAR + ((u.t - T0) % (5 * 60_000)) : u.t;
      return update(u.series, t, SPECS[u.series]!.type === 'counter' ? Math.abs(u.value) : u.value);
    });
  const ops: fc.Arbitrary<Op[]> = fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .array(anyUpdate, { minLength: 1, maxLength: 40 })
          .map((updates) => ({ kind: 'apply' as const, updates })),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: T0, max: T0 + 42 * DAY })
          .map((now) => ({ kind: 'prune' as const, now })),
      },
    ),
    { minLength: 1, maxLength: 8 },
  );

  const probe = fc.oneof(
    fc.integer({ min: T0 - HOUR, max: T0 + 42 * DAY }),
    fc.integer({ min: NEAR - 60_000, max: NEAR + 6 * 60_000 }),
  );

  it('answers every query exactly as before closing', () => {
    fc.assert(
      fc.property(ops, fc.array(probe, { minLength: 2, maxLength: 6 }), (steps, probes) => {
        const file = path.join(tempDir(), 'reopen.db');
        const store = openStore({ path: file });
        for (const op of steps) {
          if (op.kind === 'apply') store.apply(op.updates);
          else store.prune(op.now);
        }
        const before = answers(store, probes);
        store.close();
        const reopened = openStore({ path: file });
        expect(answers(reopened, probes)).toEqual(before);
        reopened.close();
      }),
      { numRuns: 60 },
    );
  });
});
