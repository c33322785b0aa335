import { describe, expect, it } from 'vitest';
import { latest, niceCeil, seriesLabel, toRows, yDomain } from './chart-data';

describe('chart data', () => {
  it('merges series into rows by time, scaled, with gaps kept as null', () => {
    const { rows, columns } = toRows(
      [
        {
          labels: { service: 's', index: 'a' },
          points: [
            [1, 0.5],
            [2, null],
          ],
        },
        { labels: { service: 's', index: 'b' }, points: [[2, 0.25]] },
      ],
      100,
    );
    expect(columns).toEqual([
      { key: 's0', label: 'a' },
      { key: 's1', label: 'b' },
    ]);
    expect(rows).toEqual([
      { t: 1, s0: 50, s1: null },
      { t: 2, s0: null, s1: 25 },
    ]);
    expect(latest(rows, 's0')).toBe(50);
    expect(latest(rows, 's1')).toBe(25);
  });

  it('keeps the threshold and negative values in the y range', () => {
    const columns = [{ key: 's0', label: 'x' }];
    expect(yDomain([{ t: 1, s0: 5 }], columns, 10)).toEqual([0, 12]);
    expect(yDomain([{ t: 1, s0: 20 }], columns, 10)).toEqual([0, 25]);
    expect(yDomain([{ t: 1, s0: null }], columns)).toEqual([0, 1]);
    expect(
      yDomain(
        [
          { t: 1, s0: -1 },
          { t: 2, s0: 1 },
        ],
        columns,
        0,
      ),
    ).toEqual([-1.2, 1.2]);
  });

  it('rounds axis ends up to round numbers', () => {
    expect([0.132, 0.5, 1, 1.1, 7, 110, 0.0031].map(niceCeil)).toEqual([0.15, 0.5, 1, 1.2, 8, 120, 0.004]);
  });

  it('labels a series by its subject', () => {
    expect(seriesLabel({ service: 's', consumer_group: 'g' })).toBe('g');
    expect(seriesLabel({ service: 's' })).toBe('s');
  });
});
