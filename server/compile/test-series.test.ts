import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eq, selector } from './promql.js';
import { at, seriesName, seriesValues } from './test-series.js';
import type { SeriesSpec } from './test-series.js';

describe('seriesName', () => {
  it('is the selector of its labels in sorted order', () => {
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,6}$/);
    fc.assert(
      fc.property(fc.dictionary(labelName, fc.string(), { maxKeys: 6 }), (labels) => {
        const names = Object.keys(labels).sort();
        expect(seriesName({ name: 'm', labels })).toBe(
          selector(
            'm',
            names.map((n) => eq(n, labels[n]!)),
          ),
        );
      }),
    );
  });

  it('escapes label values and refuses names PromQL cannot read', () => {
    expect(seriesName({ name: 'up', labels: { z: 'a"b', a: '1', _b: 'x\\y' } })).toBe(
      'up{_b="x\\\\y",a="1",z="a\\"b"}',
    );
    expect(seriesName({ name: 'up', labels: {} })).toBe('up');
    expect(() => seriesName({ name: 'up', labels: { 'a-b': '1' } })).toThrow(/invalid label name/);
    expect(() => seriesName({ name: '1up', labels: {} })).toThrow(/invalid metric name/);
  });
});

describe('seriesValues', () => {
  const timeline = { healthy: 30, breach: 10, recovery: 5 };
  const spec = (s: Partial<SeriesSpec>): SeriesSpec => ({
    name: 'm',
    labels: {},
    kind: 'counter',
    healthy: 100,
    breach: 100,
    ...s,
  });

  it.each([
    ['a counter through all three phases', spec({ recovery: 1000 }), '0+100x30 3100+100x9 5000+1000x4'],
    ['a counter that stops growing', spec({ breach: 0 }), '0+100x30 3000x9 3100+100x4'],
    [
      'an error counter that appears with the breach',
      spec({ healthy: 0, absentBeforeBreach: true }),
      '_x30 0+100x10 1000x4',
    ],
    ['a gauge', spec({ kind: 'gauge', healthy: 0.5, breach: 2 }), '0.5x30 2x9 0.5x4'],
  ])('%s', (_, s, expected) => {
    expect(seriesValues(s, timeline)).toBe(expected);
  });

  it('leaves out empty phases', () => {
    expect(seriesValues(spec({}), { healthy: 30, breach: 0, recovery: 0 })).toBe('0+100x30');
    expect(
      seriesValues(spec({ healthy: 0, absentBeforeBreach: true }), { healthy: 1, breach: 1, recovery: 1 }),
    ).toBe('_ 0+100x1 100');
  });
});

describe('at', () => {
  it('writes eval times as promtool reads them, the same on every call', () => {
    expect([at(0), at(30), at(63), at(1500), at(63)]).toEqual(['0s', '30m', '1h3m', '1d1h', '1h3m']);
  });
});
