import { afterEach, describe, expect, it } from 'vitest';
import { binCounts, jsDistance, psi, quantileEdges } from '../signals/drift.js';
import { SignalReader } from './derived.js';
import { harness, T0, type Harness } from './test-support/fixtures.js';

const S = 'recs-api';
const MINUTE = 60_000;

let h: Harness;
afterEach(() => h?.store.close());

describe('SignalReader', () => {
  it('stream: catch-up time, draining or not, and stalled', () => {
    h = harness();
    const stream = (consumerGroup: string, lag: number, consumeRate: number, produceRate: number) => ({
      type: 'stream',
      service: S,
      consumerGroup,
      lag,
      consumeRate,
      produceRate,
    });
    h.collector.ingestSignals([
      stream('draining', 600, 20, 10),
      stream('caught-up', 0, 0, 0),
      stream('falling-behind', 100, 10, 10),
      stream('stalled', 100, 0, 5),
    ]);
    expect(h.reader.stream(S, 'draining', T0)).toEqual({
      lag: 600,
      consumeRate: 20,
      produceRate: 10,
      catchUpSeconds: 60,
      stalled: false,
    });
    expect(h.reader.stream(S, 'caught-up', T0)).toMatchObject({ catchUpSeconds: 0, stalled: false });
    expect(h.reader.stream(S, 'falling-behind', T0)).toMatchObject({
      catchUpSeconds: Infinity,
      stalled: false,
    });
    expect(h.reader.stream(S, 'stalled', T0)).toMatchObject({ catchUpSeconds: Infinity, stalled: true });
    expect(h.reader.stream(S, 'unknown', T0)).toBeUndefined();
    expect(h.reader.stream(S, 'draining', T0 - 1)).toBeUndefined();
    expect(h.reader.streams(S)).toEqual(['caught-up', 'draining', 'falling-behind', 'stalled']);
  });

  it('feature age grows with time while nothing arrives, and late older events do not lower it', () => {
    h = harness();
    h.collector.ingestSignals([
      { type: 'feature_value', service: S, feature: 'user_7d_purchase_count', eventTime: T0 - MINUTE },
    ]);
    expect(h.reader.featureAge(S, 'user_7d_purchase_count', T0)).toBe(60);
    h.clock.advance(10 * MINUTE);
    expect(h.reader.featureAge(S, 'user_7d_purchase_count', h.clock.now())).toBe(660);
    h.collector.ingestSignals([
      { type: 'feature_value', service: S, feature: 'user_7d_purchase_count', eventTime: T0 - 30 * MINUTE },
    ]);
    expect(h.reader.featureAge(S, 'user_7d_purchase_count', h.clock.now())).toBe(660);
    expect(h.reader.featureAge(S, 'user_7d_purchase_count', T0 - 1)).toBeUndefined();
    expect(h.reader.featureAge(S, 'other', h.clock.now())).toBeUndefined();
  });

  it('index: tombstone ratio and memory estimate', () => {
    h = harness();
    h.collector.ingestSignals([
      {
        type: 'index_stats',
        service: S,
        index: 'products',
        vectors: 1_000_000,
        tombstones: 250_000,
        dimensions: 768,
        m: 16,
      },
      { type: 'index_stats', service: S, index: 'empty', vectors: 0, tombstones: 0 },
      { type: 'recall_probe', service: S, index: 'probed-only', k: 1, retrieved: [1], exact: [1] },
    ]);
    expect(h.reader.index(S, 'products', T0)).toEqual({
      vectors: 1_000_000,
      tombstones: 250_000,
      tombstoneRatio: 0.25,
      memoryBytes: 1_000_000 * (768 * 4 + 16 * 8),
    });
    expect(h.reader.index(S, 'empty', T0)).toEqual({ vectors: 0, tombstones: 0 });
    expect(h.reader.index(S, 'probed-only', T0)).toBeUndefined();
    expect(h.reader.indexes(S)).toEqual(['empty', 'probed-only', 'products']);
  });

  it('lists features with event times, lookups or a reference', () => {
    h = harness();
    h.collector.ingestSignals([
      { type: 'feature_value', service: S, feature: 'b', eventTime: T0 },
      { type: 'null_rate', service: S, feature: 'a', nulls: 0, total: 1 },
      { type: 'distribution', service: S, feature: 'c', values: [1, 2], reference: true },
      { type: 'feature_value', service: 'other', feature: 'z', eventTime: T0 },
    ]);
    expect(h.reader.features(S)).toEqual(['a', 'b', 'c']);
  });

  it('validates its options', () => {
    h = harness();
    expect(() => new SignalReader(h.store, { driftWindowMs: 0 })).toThrow(
      'driftWindowMs must be a positive number',
    );
  });
});

describe('drift', () => {
  const reference = Array.from({ length: 1000 }, (_, i) => i / 10);
  const shifted = Array.from({ length: 500 }, (_, i) => 30 + i / 10);

  it('PSI and JS distance of a shifted window against the reference bins', () => {
    h = harness();
    h.collector.ingestSignals([
      {
        type: 'distribution',
        service: S,
        feature: 'price',
        values: reference,
        reference: true,
        ts: T0 - 2 * MINUTE,
      },
    ]);
    h.collector.ingestSignals([{ type: 'distribution', service: S, feature: 'price', values: shifted }]);
    const edges = quantileEdges(reference, 10);
    const refCounts = binCounts(reference, edges);
    const curCounts = binCounts(shifted, edges);
    const [entry] = h.reader.drift(S, T0);
    expect(entry).toEqual({
      feature: 'price',
      psi: psi(refCounts, curCounts),
      js: jsDistance(refCounts, curCounts),
      observations: 500,
    });
    expect(entry!.psi).toBeGreaterThan(0.25);
    expect(entry!.js).toBeGreaterThan(0.3);
  });

  it('the same distribution as the reference gives a PSI near zero', () => {
    h = harness();
    h.collector.ingestSignals([
      { type: 'distribution', service: S, feature: 'price', values: reference, reference: true },
    ]);
    h.collector.ingestSignals([
      { type: 'distribution', service: S, feature: 'price', values: reference.filter((_, i) => i % 2) },
    ]);
    const [entry] = h.reader.drift(S, T0);
    expect(entry!.psi).toBeLessThan(0.01);
    expect(entry!.observations).toBe(500);
  });

  it('counts only the current window and the current reference, and needs the minimum observations', () => {
    h = harness();
    h.collector.ingestSignals([
      { type: 'distribution', service: S, feature: 'price', values: reference, reference: true },
    ]);
    h.collector.ingestSignals([{ type: 'distribution', service: S, feature: 'price', values: shifted }]);
    // An hour later the window (1 h, ending at `at`) no longer holds them.
    expect(h.reader.drift(S, T0 + 60 * MINUTE + 10_000)).toEqual([]);
    expect(h.reader.drift(S, T0 + 50 * MINUTE)).toHaveLength(1);
    // Fewer than 100 observations: no value.
    h.clock.advance(2 * 60 * MINUTE);
    h.collector.ingestSignals([
      { type: 'distribution', service: S, feature: 'price', values: shifted.slice(0, 99) },
    ]);
    expect(h.reader.drift(S, h.clock.now())).toEqual([]);
    // A new reference starts afresh: the observations under the old one no longer count.
    h.collector.ingestSignals([
      { type: 'distribution', service: S, feature: 'price', values: shifted.slice(0, 50) },
    ]);
    expect(h.reader.drift(S, h.clock.now())).toHaveLength(1);
    h.clock.advance(MINUTE);
    h.collector.ingestSignals([
      { type: 'distribution', service: S, feature: 'price', values: shifted, reference: true },
    ]);
    expect(h.reader.drift(S, h.clock.now())).toEqual([]);
    const reader = new SignalReader(h.store, { driftMinObservations: 1, driftWindowMs: 10 * MINUTE });
    h.collector.ingestSignals([{ type: 'distribution', service: S, feature: 'price', values: [40] }]);
    expect(reader.drift(S, h.clock.now())).toMatchObject([{ feature: 'price', observations: 1 }]);
  });

  it('categorical: unseen categories count as drift, with epsilon for empty bins', () => {
    h = harness();
    h.collector.ingestSignals([
      {
        type: 'distribution',
        service: S,
        feature: 'prediction',
        counts: { fraud: 10, ok: 190 },
        reference: true,
      },
      { type: 'distribution', service: S, feature: 'prediction', counts: { fraud: 10, ok: 90, review: 100 } },
    ]);
    const [entry] = h.reader.drift(S, T0);
    // Categories aligned as fraud, ok, review.
    expect(entry).toEqual({
      feature: 'prediction',
      psi: psi([10, 190, 0], [10, 90, 100]),
      js: jsDistance([10, 190, 0], [10, 90, 100]),
      observations: 200,
    });
    expect(Number.isFinite(entry!.psi)).toBe(true);
    expect(entry!.psi).toBeGreaterThan(0.5);
  });

  it('a reference sent again keeps its time; a different one at the same time gets the next millisecond', () => {
    h = harness();
    const ref = {
      type: 'distribution',
      service: S,
      feature: 'price',
      values: reference,
      reference: true,
      ts: T0 - MINUTE,
    };
    h.collector.ingestSignals([ref]);
    h.collector.ingestSignals([{ type: 'distribution', service: S, feature: 'price', values: shifted }]);
    // A retry of the same reference: observations keep counting under it.
    h.collector.ingestSignals([ref]);
    expect(h.store.getReference(S, 'price')?.atMs).toBe(T0 - MINUTE);
    expect(h.reader.drift(S, T0)).toMatchObject([{ observations: 500 }]);
    // Another distribution stamped with the same time replaces it, one millisecond later.
    h.collector.ingestSignals([{ ...ref, values: shifted }]);
    expect(h.store.getReference(S, 'price')?.atMs).toBe(T0 - MINUTE + 1);
    expect(h.reader.drift(S, T0)).toEqual([]);
    h.collector.ingestSignals([{ type: 'distribution', service: S, feature: 'price', values: shifted }]);
    expect(h.reader.drift(S, T0)).toMatchObject([{ feature: 'price', observations: 500 }]);
    expect(h.reader.drift(S, T0)[0]!.psi).toBeLessThan(0.01);
  });
});
