import { describe, expect, it } from 'vitest';
import { canonicalLabels, SeriesIndex, seriesKey } from './series-index.js';
import { SeriesMirror } from './series-mirror.js';
import type { Labels, SeriesType } from './types.js';

let nextId = 1;
function mirror(name: string, labels: Labels, type: SeriesType = 'counter'): SeriesMirror {
  const ref = Object.freeze({ id: nextId++, name, labels: Object.freeze({ ...labels }), type });
  return new SeriesMirror(ref, seriesKey(name, canonicalLabels(labels)));
}

describe('SeriesIndex.find', () => {
  it('tells apart the series of one frozen label set by name (a histogram’s count and sum)', () => {
    const index = new SeriesIndex();
    const count = mirror('latency_count', { service: 'a' });
    const sum = mirror('latency_sum', { service: 'a' });
    index.add(count);
    index.add(sum);
    const shared = Object.freeze({ service: 'a' });
    for (let i = 0; i < 3; i++) {
      expect(index.find('latency_count', shared)).toBe(count);
      expect(index.find('latency_sum', shared)).toBe(sum);
      expect(index.find('latency_bucket', shared)).toBeUndefined();
    }
  });

  it('finds labels in any order, and does not remember a series that is not stored yet', () => {
    const index = new SeriesIndex();
    const labels = Object.freeze({ service: 'a', feature: 'f' });
    expect(index.find('x', labels)).toBeUndefined();
    const stored = mirror('x', { feature: 'f', service: 'a' });
    index.add(stored);
    expect(index.find('x', labels)).toBe(stored);
    expect(index.find('x', { service: 'a', feature: 'f' })).toBe(stored);
  });

  it('reads a label set that is not frozen by its content every time', () => {
    const index = new SeriesIndex();
    const a = mirror('x', { service: 'a' });
    const b = mirror('x', { service: 'b' });
    index.add(a);
    index.add(b);
    const labels: Record<string, string> = { service: 'a' };
    expect(index.find('x', labels)).toBe(a);
    labels.service = 'b';
    expect(index.find('x', labels)).toBe(b);
    labels.service = 'c';
    expect(index.find('x', labels)).toBeUndefined();
  });
});
