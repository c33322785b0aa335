import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatNumber, formatPercent, parseDuration, parseRatio } from './units.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['1.5s', 1500],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['30d', 2_592_000_000],
    ['2w', 1_209_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each([
    [100, 'duration 100 has no unit'],
    ['100', 'duration "100" has no unit'],
    ['5q', 'unknown duration unit "q" in "5q"'],
    ['m5', '"m5" is not a duration'],
    ['30m1h', 'duration "30m1h" repeats or misorders its units'],
    ['', 'empty duration'],
  ])('rejects %j', (input, message) => {
    const result = parseDuration(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toBe(message);
  });

  it('round-trips through formatDuration for whole milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 86_400_000 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, value: ms });
      }),
    );
  });
});

describe('parseRatio', () => {
  it.each([
    ['99.9%', 0.999],
    ['99.95%', 0.9995],
    [0.999, 0.999],
    ['0.95', 0.95],
    ['2%', 0.02],
  ])('%j is %d', (input, value) => {
    expect(parseRatio(input)).toEqual({ ok: true, value });
  });

  it('suggests a percent sign for numbers above 1', () => {
    expect(parseRatio(99.9)).toEqual({
      ok: false,
      message: 'ratio 99.9 is greater than 1',
      hint: 'write a percentage with a % sign (99.9%) or a fraction (0.999)',
    });
  });
});

describe('formatting', () => {
  it('prints numbers without floating-point noise', () => {
    expect(formatNumber(1 - 0.999)).toBe('0.001');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(Infinity)).toBe('+Inf');
    expect(formatPercent(0.9995)).toBe('99.95%');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(5_400_250)).toBe('1h30m250ms');
  });
});
