import { describe, expect, it } from 'vitest';
import { indexMemoryBytes, tombstoneRatio } from './capacity.js';

describe('indexMemoryBytes', () => {
  it('is vectors × (dimensions × 4 + m × 8)', () => {
    // 1M 768-dimensional vectors with M=16: 1e6 × (3072 + 128) = 3.2 GB
    expect(indexMemoryBytes(1_000_000, 768, 16)).toBe(3_200_000_000);
    expect(indexMemoryBytes(0, 768, 16)).toBe(0);
    expect(indexMemoryBytes(10, 3, 0)).toBe(120);
  });

  it('rejects negative and non-finite sizes', () => {
    expect(() => indexMemoryBytes(-1, 768, 16)).toThrow('vectors must be a finite number >= 0, got -1');
    expect(() => indexMemoryBytes(1, NaN, 16)).toThrow('dimensions must be a finite number >= 0, got NaN');
    expect(() => indexMemoryBytes(1, 768, Infinity)).toThrow('m must be a finite number >= 0, got Infinity');
  });
});

describe('tombstoneRatio', () => {
  it('is tombstones / vectors, and undefined for an empty index', () => {
    expect(tombstoneRatio(1000, 50)).toBe(0.05);
    expect(tombstoneRatio(1000, 0)).toBe(0);
    expect(tombstoneRatio(0, 0)).toBeUndefined();
  });

  it('rejects negative counts', () => {
    expect(() => tombstoneRatio(10, -1)).toThrow('tombstones must be a finite number >= 0, got -1');
  });
});
