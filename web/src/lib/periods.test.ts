import { describe, expect, it } from 'vitest';
import { alert, transition } from '../test-support/fixtures';
import { alertPeriods } from './periods';

const all = () => true;

describe('alert periods', () => {
  it('splits an active firing alert into its pending and firing parts, ongoing until now', () => {
    const periods = alertPeriods([alert({ activeAt: 100, firedAt: 400 })], [], 1000, 0, all);
    expect(periods.map((p) => [p.state, p.fromMs, p.toMs, p.ongoing])).toEqual([
      ['pending', 100, 400, false],
      ['firing', 400, 1000, true],
    ]);
  });

  it('keeps the periods of alerts that ended while the page was open', () => {
    const history = [
      transition({ at: 100, to: 'pending' }),
      transition({ at: 400, from: 'pending', to: 'firing' }),
      transition({ at: 700, from: 'firing', to: 'resolved' }),
    ];
    expect(alertPeriods([], history, 1000, 0, all).map((p) => [p.state, p.fromMs, p.toMs])).toEqual([
      ['pending', 100, 400],
      ['firing', 400, 700],
    ]);
  });

  it('does not repeat a pending period the history already closed', () => {
    const history = [
      transition({ at: 100, to: 'pending' }),
      transition({ at: 400, from: 'pending', to: 'firing' }),
    ];
    const periods = alertPeriods([alert({ activeAt: 100, firedAt: 400 })], history, 1000, 0, all);
    expect(periods.map((p) => p.state)).toEqual(['pending', 'firing']);
  });

  it('clips to the chart range and keeps only the alerts that match', () => {
    const periods = alertPeriods(
      [
        alert({ state: 'pending', activeAt: 100 }),
        alert({ fingerprint: 'x', labels: { index: 'other' }, state: 'pending', activeAt: 100 }),
      ],
      [],
      1000,
      500,
      (labels) => labels.index === 'products',
    );
    expect(periods.map((p) => [p.fingerprint, p.fromMs, p.toMs])).toEqual([['e21583575e0396e2', 500, 1000]]);
  });
});
