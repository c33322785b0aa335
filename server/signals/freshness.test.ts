import { describe, expect, it } from 'vitest';
import { featureAgeSeconds } from './freshness.js';

describe('featureAgeSeconds', () => {
  it('is the time since the newest event, in seconds', () => {
    expect(featureAgeSeconds(10_000, 4_000)).toBe(6);
    expect(featureAgeSeconds(10_000, 10_000)).toBe(0);
    expect(featureAgeSeconds(1_700_000_000_250, 1_700_000_000_000)).toBe(0.25);
  });

  it('is 0, not negative, for an event time ahead of the clock', () => {
    expect(featureAgeSeconds(10_000, 12_000)).toBe(0);
  });
});
