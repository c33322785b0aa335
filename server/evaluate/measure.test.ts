// Measurements: each value computed once per cycle, shared by every reader of it, and computed
// again in the next cycle.
import { afterEach, describe, expect, it } from 'vitest';
import type { Sli } from '../compile/ir.js';
import { METRICS } from '../compile/metrics.js';
import { openStore, type Store } from '../store/store.js';
import type { SampleUpdate, SeriesStore } from '../store/types.js';
import { Measurements, type DerivedSignals } from './measure.js';
import { SeriesCache } from './series.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 22);

let store: Store | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

const counter = (name: string, service: string, t: number, value: number): SampleUpdate => ({
  name,
  labels: { service },
  type: 'counter',
  t,
  value,
});

/** A reader that counts its calls and answers from `answers` (undefined when missing). */
function countingReader(answers: { age?: number } = {}): {
  reader: DerivedSignals;
  calls: string[];
} {
  const calls: string[] = [];
  const reader: DerivedSignals = {
    featureAge: (service, feature, at) => {
      calls.push(`age ${service} ${feature} ${at - T0}`);
      return answers.age;
    },
    stream: (service, group, at) => {
      calls.push(`stream ${service} ${group} ${at - T0}`);
      return undefined;
    },
    index: (service, index, at) => {
      calls.push(`index ${service} ${index} ${at - T0}`);
      return { vectors: 10, tombstones: 1, tombstoneRatio: 0.1 };
    },
    drift: (service, at) => {
      calls.push(`drift ${service} ${at - T0}`);
      return [];
    },
  };
  return { reader, calls };
}

describe('Measurements', () => {
  it('asks the reader once per service and subject a cycle, undefined answers included', () => {
    store = openStore({ path: ':memory:' });
    const { reader, calls } = countingReader();
    const m = new Measurements(new SeriesCache(store), reader);
    for (let cycle = 0; cycle < 2; cycle++) {
      m.begin(T0 + cycle * MINUTE);
      for (let k = 0; k < 3; k++) {
        expect(m.featureAge('a', 'f1')).toBeUndefined();
        expect(m.featureAge('a', 'f2')).toBeUndefined();
        expect(m.featureAge('b', 'f1')).toBeUndefined();
        expect(m.stream('a', 'g')).toBeUndefined();
        expect(m.index('a', 'products')?.tombstoneRatio).toBe(0.1);
        expect(m.drift('a')).toEqual([]);
      }
    }
    expect(calls).toEqual([
      'age a f1 0',
      'age a f2 0',
      'age b f1 0',
      'stream a g 0',
      'index a products 0',
      'drift a 0',
      'age a f1 60000',
      'age a f2 60000',
      'age b f1 60000',
      'stream a g 60000',
      'index a products 60000',
      'drift a 60000',
    ]);
  });

  it('computes an error ratio once per window a cycle, and again with the next cycle’s data', () => {
    store = openStore({ path: ':memory:' });
    const inner = store;
    let reads = 0;
    const counting = Object.create(inner) as SeriesStore;
    counting.increase = (ref, from, to) => {
      reads++;
      return inner.increase(ref, from, to);
    };
    const sli: Sli = { kind: 'requests', service: 'api' };
    const m = new Measurements(new SeriesCache(counting), countingReader().reader);
    inner.apply([
      counter(METRICS.requests, 'api', T0 + 1_000, 100),
      counter(METRICS.requestErrors, 'api', T0 + 2_000, 5),
    ]);
    m.begin(T0 + MINUTE);
    expect(m.errorRatio(sli, 5 * MINUTE)).toBe(0.05);
    expect(m.errorRatio(sli, 30 * MINUTE)).toBe(0.05);
    const first = reads;
    expect(first).toBe(4);
    expect(m.errorRatio(sli, 5 * MINUTE)).toBe(0.05);
    expect(m.errorRatio(sli, 30 * MINUTE)).toBe(0.05);
    expect(reads).toBe(first);

    inner.apply([counter(METRICS.requests, 'api', T0 + MINUTE + 1_000, 100)]);
    m.begin(T0 + 2 * MINUTE);
    expect(m.errorRatio(sli, 5 * MINUTE)).toBe(0.025);
    // No traffic in the window: no sample, and that answer is kept for the cycle too.
    expect(m.errorRatio(sli, 10_000)).toBeUndefined();
    expect(m.errorRatio(sli, 10_000)).toBeUndefined();
    expect(reads).toBe(first + 3);
    // SLIs slactl cannot see answer nothing, without reading.
    expect(m.errorRatio({ kind: 'custom-ratio', errors: 'e', total: 't' }, MINUTE)).toBeUndefined();
    expect(reads).toBe(first + 3);
  });
});
