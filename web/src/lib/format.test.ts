import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatBurnRate,
  formatBytes,
  formatMs,
  formatPercent,
  formatSeconds,
  formatTarget,
  formatWindow,
  percentDigits,
} from './format';

const nb = (s: string) => s.replace(/\u00a0/g, ' ');

describe('format', () => {
  it.each([
    [0.99, 1],
    [0.999, 2],
    [0.9995, 3],
    [0.95, 1],
    [undefined, 1],
  ])('percentDigits(%s) = %i: one digit more than the target has', (target, digits) => {
    expect(percentDigits(target)).toBe(digits);
  });

  it('formats ratios as percentages and targets as written', () => {
    expect(formatPercent(0.99957, 2)).toBe('99.96%');
    expect(formatPercent(undefined)).toBe('—');
    expect(formatPercent(Number.NaN)).toBe('—');
    expect(formatTarget(0.999)).toBe('99.9%');
    expect(formatTarget(0.95)).toBe('95%');
    expect(formatTarget(0.9995)).toBe('99.95%');
  });

  it.each([
    [0.42, '0.42 ms'],
    [4.976, '4.98 ms'],
    [14.94, '14.9 ms'],
    [250, '250 ms'],
    [1250, '1.25 s'],
    [null, '—'],
  ])('formatMs(%s) = %s', (ms, text) => {
    expect(nb(formatMs(ms))).toBe(text);
  });

  it.each([
    [0.25, '250 ms'],
    [6.91, '6.9 s'],
    [42, '42 s'],
    [300, '5 m'],
    [303, '5 m 03 s'],
    [7800, '2 h 10 m'],
    [3 * 86_400 + 4 * 3600, '3 d 04 h'],
    [Infinity, '∞'],
    [undefined, '—'],
  ])('formatSeconds(%s) = %s', (s, text) => {
    expect(nb(formatSeconds(s))).toBe(text);
  });

  it('formats ages, burn rates, bytes and windows', () => {
    expect(nb(formatAge(1000, 46_000))).toBe('45 s');
    expect(nb(formatAge(5000, 1000))).toBe('0 s');
    expect(nb(formatAge(1000, 1900))).toBe('0 s');
    expect(nb(formatAge(0, 7_500))).toBe('7 s');
    expect(formatBurnRate(14.44)).toBe('14.4×');
    expect(formatBurnRate(250.2)).toBe('250×');
    expect(nb(formatBytes(3.1 * 1024 ** 3))).toBe('3.1 GiB');
    expect(nb(formatBytes(512))).toBe('512 B');
    expect(formatWindow(30 * 86_400_000)).toBe('30d');
    expect(formatWindow(90 * 60_000)).toBe('90m');
  });
});
