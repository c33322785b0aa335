import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, resolveRetention } from './retention.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('resolveRetention', () => {
  it.each([
    [{}, DEFAULT_RETENTION],
    [{ hourMs: 90 * DAY }, { tenSecondMs: 26 * HOUR, minuteMs: 8 * DAY, hourMs: 90 * DAY }],
    // A shorter explicit retention pulls the finer defaults down with it...
    [{ hourMs: DAY }, { tenSecondMs: DAY, minuteMs: DAY, hourMs: DAY }],
    // ...and a longer one pushes the coarser defaults up.
    [{ tenSecondMs: 10 * DAY }, { tenSecondMs: 10 * DAY, minuteMs: 10 * DAY, hourMs: 35 * DAY }],
    [
      { tenSecondMs: HOUR, hourMs: 2 * HOUR },
      { tenSecondMs: HOUR, minuteMs: 2 * HOUR, hourMs: 2 * HOUR },
    ],
  ])('fills %j as %j', (partial, expected) => {
    expect(resolveRetention(partial)).toEqual(expected);
  });

  it.each([
    [{ hourMs: 0 }, 'retention.hourMs must be a positive number of milliseconds, got 0'],
    [{ tenSecondMs: Number.NaN }, 'retention.tenSecondMs must be a positive number of milliseconds, got NaN'],
    [{ minuteMs: Infinity }, 'retention.minuteMs must be a positive number of milliseconds, got Infinity'],
    [
      { minuteMs: 2 * DAY, hourMs: DAY },
      'retention.minuteMs (172800000 ms) must not exceed retention.hourMs (86400000 ms): a finer resolution is never kept longer than a coarser one',
    ],
  ])('rejects %j', (partial, message) => {
    expect(() => resolveRetention(partial)).toThrow(message);
  });
});
