import { describe, expect, it } from 'vitest';
import { goFixed, goGeneral, humanizeDuration, renderValue } from './go-format.js';

describe('Go number formatting', () => {
  it.each([
    [1000, 1, '1000.0'],
    [12.25, 1, '12.2'],
    [0.25, 1, '0.2'],
    [0.35, 1, '0.3'],
    [0.05, 1, '0.1'],
    [99.95, 1, '100.0'],
    [0, 1, '0.0'],
    [-1.5, 0, '-2'],
    [333.3333333333333, 1, '333.3'],
  ])('goFixed(%s, %s) = %s', (v, prec, expected) => {
    expect(goFixed(v, prec)).toBe(expected);
  });

  it.each([
    [0.25, '0.25'],
    [30, '30'],
    [5000, '5000'],
    [50000, '5e+04'],
    [12345, '1.234e+04'],
    [1234.5, '1234'],
    [1235.5, '1236'],
    [0.0001234, '0.0001234'],
    [0.00001234, '1.234e-05'],
    [0, '0'],
    [1e21, '1e+21'],
    [45.00000000000001, '45'],
    [99.995, '100'],
    [99.985, '99.98'],
    [-0.5, '-0.5'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
  ])('goGeneral(%s, 4) = %s', (v, expected) => {
    expect(goGeneral(v, 4)).toBe(expected);
  });

  it.each([
    [600, '10m 0s'],
    [3600, '1h 0m 0s'],
    [90061, '1d 1h 1m 1s'],
    [1.5, '1.5s'],
    [0.03, '30ms'],
    [0.0000015, '1.5us'],
    [0, '0s'],
    [-5, '-5s'],
    [Infinity, '+Inf'],
  ])('humanizeDuration(%s) = %s', (v, expected) => {
    expect(humanizeDuration(v)).toBe(expected);
  });

  it('renders each value style as the rules template does', () => {
    expect(renderValue('percent', 0.45)).toBe('45%');
    expect(renderValue('duration', 600)).toBe('10m 0s');
    expect(renderValue('number', 0.5)).toBe('0.5');
    expect(renderValue('burn-rate', 1 / 0.001)).toBe('1000.0');
  });
});
