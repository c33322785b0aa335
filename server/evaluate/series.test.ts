// SeriesCache: per-cycle increases read through the store's multi-window `increases`, answering
// exactly what `increase` answers, once per (series, window) a cycle.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store.js';
import type { SeriesRef, SeriesStore } from '../store/types.js';
import { readsWindowsTogether, SeriesCache } from './series.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 10, 22);
const WINDOWS_MS = [5, 30, 60, 120, 360, 1_440, 4_320, 43_200].map((m) => m * MINUTE);

let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

/** A store with `series` request counters of service `svc`, one delta a minute for `hours`. */
function filled(series: number, hours: number): { store: Store; refs: SeriesRef[] } {
  store = openStore({ path: ':memory:' });
  for (let m = 0; m < hours * 60; m++) {
    store.apply(
      Array.from({ length: series }, (_, s) => ({
        name: 'slactl_requests_total',
        labels: { service: 'svc', code: String(s) },
        type: 'counter' as const,
        t: T0 + m * MINUTE + 1_000,
        // Decimal fractions make the order of additions visible in the bits of the answer.
        value: ((m * 7 + s * 13) % 17) / 8 + 0.1,
      })),
    );
  }
  return { store, refs: store.select('slactl_requests_total', { service: 'svc' }) };
}

/** A store whose reads are counted: both methods overridden, so windows are still read together. */
function counted(inner: Store): {
  store: SeriesStore;
  calls: { increase: number; increases: number };
} {
  const calls = { increase: 0, increases: 0 };
  const wrapper = Object.create(inner) as SeriesStore;
  wrapper.increase = (ref, from, to) => {
    calls.increase++;
    return inner.increase(ref, from, to);
  };
  wrapper.increases = (ref, froms, to, out) => {
    calls.increases++;
    inner.increases(ref, froms, to, out);
  };
  return { store: wrapper, calls };
}

describe('readsWindowsTogether', () => {
  it('reads together from a store with increases, and window by window from a wrapper of increase alone', () => {
    const { store: real } = filled(1, 1);
    const onlyIncrease = Object.create(real) as SeriesStore;
    onlyIncrease.increase = (ref, from, to) => real.increase(ref, from, to);
    // A store of plain functions without `increases` (a fake, or an older implementation).
    const plain = { increase: real.increase.bind(real) };
    expect(readsWindowsTogether(real)).toBe(true);
    expect(readsWindowsTogether(counted(real).store)).toBe(true);
    expect(readsWindowsTogether(onlyIncrease)).toBe(false);
    expect(readsWindowsTogether(plain as unknown as SeriesStore)).toBe(false);
    // An own `increases` next to an inherited `increase` would miss the single reads.
    const onlyIncreases = Object.create(real) as SeriesStore;
    onlyIncreases.increases = real.increases.bind(real);
    expect(readsWindowsTogether(onlyIncreases)).toBe(false);
  });
});

describe('SeriesCache increases', () => {
  it('answers each (series, window) exactly as the store does, whatever subset a cycle reads', () => {
    const { store: inner, refs } = filled(3, 3);
    const { store: counting } = counted(inner);
    // Per cycle: the (series, window) pairs read, in order (repeats included).
    const reads = fc.array(fc.tuple(fc.nat(refs.length - 1), fc.nat(WINDOWS_MS.length - 1)), {
      minLength: 1,
      maxLength: 30,
    });
    fc.assert(
      fc.property(fc.array(reads, { minLength: 1, maxLength: 6 }), (cycles) => {
        const cache = new SeriesCache(counting);
        cycles.forEach((pairs, c) => {
          const at = T0 + 2 * HOUR + c * 15_000;
          cache.begin(at);
          for (const [s, w] of pairs) {
            const ref = refs[s]!;
            const expected = inner.increase(ref, at - WINDOWS_MS[w]!, at);
            expect(Object.is(cache.increase(ref, WINDOWS_MS[w]!), expected)).toBe(true);
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('reads a series once a cycle for all its windows, after the cycle that learns them', () => {
    const { store: inner, refs } = filled(4, 2);
    const { store: counting, calls } = counted(inner);
    const cache = new SeriesCache(counting);
    const cycle = (c: number): number => {
      cache.begin(T0 + 2 * HOUR + c * 15_000);
      let sum = 0;
      for (const windowMs of WINDOWS_MS) sum += cache.sumIncreaseOf(refs, windowMs);
      // Read again: memoized.
      for (const windowMs of WINDOWS_MS) sum += cache.sumIncreaseOf(refs, windowMs);
      return sum;
    };
    cycle(0);
    // The first cycle learns the windows one by one, each read alone.
    expect(calls).toEqual({ increase: refs.length * WINDOWS_MS.length, increases: 0 });
    calls.increase = 0;
    calls.increases = 0;
    const sum = cycle(1);
    expect(calls).toEqual({ increase: 0, increases: refs.length });
    // The same sums in the same order: per window, over the refs, twice.
    const at = T0 + 2 * HOUR + 15_000;
    let expected = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (const windowMs of WINDOWS_MS) {
        let window = 0;
        for (const ref of refs) window += inner.increase(ref, at - windowMs, at);
        expected += window;
      }
    }
    expect(sum).toBe(expected);
  });

  it('reads window by window through a wrapper of increase alone, once per (series, window) a cycle', () => {
    const { store: inner, refs } = filled(2, 1);
    const keys = new Map<string, number>();
    const wrapper = Object.create(inner) as SeriesStore;
    wrapper.increase = (ref, from, to) => {
      const key = `${ref.id}:${to - from}`;
      keys.set(key, (keys.get(key) ?? 0) + 1);
      return inner.increase(ref, from, to);
    };
    const cache = new SeriesCache(wrapper);
    for (let c = 0; c < 3; c++) {
      keys.clear();
      cache.begin(T0 + HOUR + c * 15_000);
      for (const windowMs of WINDOWS_MS) {
        cache.sumIncreaseOf(refs, windowMs);
        cache.sumIncreaseOf(refs, windowMs);
      }
      expect(keys.size).toBe(refs.length * WINDOWS_MS.length);
      expect([...keys.values()].every((n) => n === 1)).toBe(true);
    }
  });

  it('stays exact past the 31 windows a series can batch', () => {
    const { store: inner, refs } = filled(1, 2);
    const { store: counting, calls } = counted(inner);
    const cache = new SeriesCache(counting);
    const windows = Array.from({ length: 40 }, (_, k) => (k + 1) * 3 * MINUTE);
    for (let c = 0; c < 2; c++) {
      const at = T0 + 2 * HOUR + c * 15_000;
      cache.begin(at);
      calls.increase = 0;
      calls.increases = 0;
      for (const windowMs of windows) {
        expect(cache.increase(refs[0]!, windowMs)).toBe(inner.increase(refs[0]!, at - windowMs, at));
      }
    }
    // In the second cycle: the first 31 windows in one batch, the other 9 one by one.
    expect(calls).toEqual({ increase: 9, increases: 1 });
  });

  it('sums a selection, and answers undefined for one that selects nothing', () => {
    const { store: inner, refs } = filled(3, 1);
    const cache = new SeriesCache(inner);
    const at = T0 + HOUR;
    cache.begin(at);
    const all = cache.selection('svc', 'slactl_requests_total');
    const none = cache.selection('svc', 'slactl_request_errors_total');
    let expected = 0;
    for (const ref of refs) expected += inner.increase(ref, at - HOUR, at);
    expect(cache.sumIncrease(all, HOUR)).toBe(expected);
    expect(cache.sumIncrease(none, HOUR)).toBeUndefined();
    expect(cache.sumIncreaseOf([], HOUR)).toBe(0);
  });
});
