import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../compile/metrics.js';
import type { SampleUpdate } from '../store/types.js';
import { IngestError } from './errors.js';
import { Collector } from './ingest.js';
import { harness, ndjson, snapshot, T0, type Harness } from './test-support/fixtures.js';

const S = 'recs-api';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let current: Harness | undefined;
function setup(...args: Parameters<typeof harness>): Harness {
  current = harness(...args);
  return current;
}
afterEach(() => {
  current?.store.close();
  current = undefined;
});

function rejection(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError, but the body was accepted');
}

const request = (extra: object = {}) => ({ type: 'request', service: S, ok: true, seconds: 0.03, ...extra });

/** A mixed batch of valid signals of every type. */
function mixedBatch(n: number): object[] {
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 7) {
      case 0:
        out.push(request({ ok: i % 3 !== 0, seconds: i / 1000 }));
        break;
      case 1:
        out.push({ type: 'component_latency', service: S, component: 'vector_search', seconds: i / 5000 });
        break;
      case 2:
        out.push({
          type: 'feature_value',
          service: S,
          feature: 'user_7d_purchase_count',
          eventTime: T0 - i * 1000,
        });
        break;
      case 3:
        out.push({ type: 'null_rate', service: S, feature: 'item_ctr_1h', nulls: 1, total: 10 });
        break;
      case 4:
        out.push({
          type: 'stream',
          service: S,
          consumerGroup: 'feature-pipeline',
          lag: i,
          consumeRate: 10,
          produceRate: 5,
        });
        break;
      case 5:
        out.push({
          type: 'recall_probe',
          service: S,
          index: 'products',
          k: 2,
          retrieved: [1, i],
          exact: [1, 2],
        });
        break;
      default:
        out.push({ type: 'index_stats', service: S, index: 'products', vectors: 100 + i, tombstones: i });
    }
  }
  return out;
}

describe('Collector', () => {
  it('accepts JSON and NDJSON bodies and counts the signals', () => {
    const { collector, store } = setup();
    expect(collector.ingestBody(JSON.stringify({ signals: mixedBatch(14) }), 'application/json')).toEqual({
      accepted: 14,
    });
    expect(collector.ingestBody(`${ndjson(mixedBatch(7))}\n\n`, 'application/x-ndjson')).toEqual({
      accepted: 7,
    });
    const requests = store.select(METRICS.requests, { service: S })[0]!;
    expect(store.total(requests)).toBe(3);
  });

  it('is all or nothing: a batch whose last signal is invalid changes nothing', () => {
    const { collector, store } = setup();
    collector.ingestSignals(mixedBatch(30));
    const before = snapshot(store, T0);
    const batch = [...mixedBatch(99), { ...request(), seconds: -1 }];
    const error = rejection(() => collector.ingestSignals(batch));
    expect([error.status, error.code, error.details]).toEqual([
      400,
      'invalid_signal',
      { index: 99, field: 'seconds' },
    ]);
    expect(snapshot(store, T0)).toEqual(before);
  });

  it('applies one batch with one store call', () => {
    const { collector, store } = setup();
    const calls: number[] = [];
    const apply = store.apply.bind(store);
    store.apply = (updates: readonly SampleUpdate[]) => {
      calls.push(updates.length);
      apply(updates);
    };
    collector.ingestSignals(mixedBatch(1000));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeLessThan(100);
  });

  it('keeps counting new series after a store failure (nothing was written)', () => {
    const { collector, store } = setup({ maxSeriesPerService: 18 });
    const apply = store.apply.bind(store);
    store.apply = () => {
      throw new Error('disk full');
    };
    expect(() => collector.ingestSignals([request()])).toThrow('disk full');
    store.apply = apply;
    // The request histogram, counters: 18 series, exactly the cap.
    expect(collector.ingestSignals([request()])).toEqual({ accepted: 1 });
    expect(store.seriesCount(S)).toBe(18);
    expect(
      rejection(() =>
        collector.ingestSignals([{ type: 'feature_value', service: S, feature: 'f', eventTime: T0 }]),
      ).code,
    ).toBe('series_limit');
  });

  describe('series cap', () => {
    it('answers 429 naming the service and the cap, and stores nothing of the batch', () => {
      const { collector, store } = setup({ maxSeriesPerService: 20 });
      collector.ingestSignals([
        request(),
        { type: 'feature_value', service: S, feature: 'a', eventTime: T0 },
      ]);
      expect(store.seriesCount(S)).toBe(19);
      const before = snapshot(store, T0);
      const error = rejection(() =>
        collector.ingestSignals([
          request({ service: 'other' }),
          { type: 'null_rate', service: S, feature: 'b', nulls: 0, total: 5 },
        ]),
      );
      expect([error.status, error.code, error.retryAfterSeconds]).toEqual([429, 'series_limit', undefined]);
      expect(error.message).toBe(
        'service "recs-api" would have 21 series, over the limit of 20 series per service; reduce the number of distinct features, components, indexes, consumer groups or categories',
      );
      expect(snapshot(store, T0)).toEqual(before);
      expect(store.seriesCount('other')).toBe(0);
      // Existing series take more samples freely.
      expect(
        collector.ingestSignals([
          request(),
          { type: 'feature_value', service: S, feature: 'a', eventTime: T0 },
        ]),
      ).toEqual({
        accepted: 2,
      });
    });

    it('counts categories of a distribution against the cap', () => {
      const { collector } = setup({ maxSeriesPerService: 5 });
      collector.ingestSignals([
        { type: 'distribution', service: S, feature: 'country', counts: { a: 1, b: 1 }, reference: true },
      ]);
      const counts = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`c${i}`, 1]));
      expect(
        rejection(() =>
          collector.ingestSignals([{ type: 'distribution', service: S, feature: 'country', counts }]),
        ).status,
      ).toBe(429);
    });
  });

  describe('time bounds', () => {
    it('accepts ts up to 5 minutes ahead and back to the retention, and rejects beyond', () => {
      const { collector, clock } = setup();
      expect(
        collector.ingestSignals([request({ ts: T0 + 5 * MINUTE }), request({ ts: T0 - 35 * DAY })]),
      ).toEqual({
        accepted: 2,
      });
      const future = rejection(() =>
        collector.ingestSignals([request(), request({ ts: T0 + 5 * MINUTE + 1 })]),
      );
      expect([future.status, future.code, future.details]).toEqual([
        400,
        'ts_out_of_range',
        { index: 1, field: 'ts' },
      ]);
      const old = rejection(() =>
        collector.ingestSignals([request({ ts: new Date(T0 - 35 * DAY - 1).toISOString() })]),
      );
      expect(old.message).toBe('signals[0].ts: 2025-12-11T11:59:59.999Z is older than the retention of 35d');
      // The clock moves on: what was too far ahead is now fine.
      clock.advance(MINUTE);
      expect(collector.ingestSignals([request({ ts: T0 + 5 * MINUTE + 1 })])).toEqual({ accepted: 1 });
    });

    it('uses the configured retention and rejects event times in the future', () => {
      const { collector } = setup({ retentionMs: DAY });
      expect(rejection(() => collector.ingestSignals([request({ ts: T0 - DAY - 1 })])).message).toMatch(
        /older than the retention of 1d$/,
      );
      const error = rejection(() =>
        collector.ingestSignals([{ type: 'feature_value', service: S, feature: 'f', eventTime: T0 + DAY }]),
      );
      expect(error.message).toBe(
        'signals[0].eventTime: 2026-01-16T12:00:00.000Z is more than 5m ahead of the server clock (2026-01-15T12:00:00.000Z)',
      );
    });

    it('defaults a missing ts to the clock', () => {
      const { collector, store, clock } = setup();
      clock.set(T0 + 25_000);
      collector.ingestSignals([request()]);
      const ref = store.select(METRICS.requests, { service: S })[0]!;
      expect(store.increase(ref, T0 + 20_000, T0 + 30_000)).toBe(1);
      expect(store.increase(ref, T0, T0 + 20_000)).toBe(0);
    });
  });

  it('validates its options, naming the field', () => {
    const { store } = setup();
    const deps = { store, clock: { now: () => T0 }, plans: [] };
    expect(() => new Collector(deps, { maxBatch: 0 })).toThrow(
      'collector option maxBatch must be a positive finite number, got 0',
    );
    expect(() => new Collector(deps, { maxSeriesPerService: 1.5 })).toThrow(
      'collector option maxSeriesPerService must be an integer, got 1.5',
    );
  });
});

// --- property: malformed bodies -----------------------------------------------------------------

const SERVICES = ['recs-api', 'fraud-api'];
const validSignal: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    type: fc.constant('request'),
    service: fc.constantFrom(...SERVICES),
    ok: fc.boolean(),
    seconds: fc.double({ min: 0, max: 20, noNaN: true }),
  }),
  fc.record({
    type: fc.constant('component_latency'),
    service: fc.constantFrom(...SERVICES),
    component: fc.constantFrom('vector_search', 'model_inference'),
    seconds: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({
    type: fc.constant('feature_value'),
    service: fc.constantFrom(...SERVICES),
    feature: fc.constantFrom('f1', 'f2'),
    eventTime: fc.integer({ min: T0 - DAY, max: T0 }),
  }),
  fc.integer({ min: 0, max: 100 }).chain((total) =>
    fc.record({
      type: fc.constant('null_rate'),
      service: fc.constantFrom(...SERVICES),
      feature: fc.constant('f1'),
      nulls: fc.integer({ min: 0, max: total }),
      total: fc.constant(total),
    }),
  ),
  fc.record({
    type: fc.constant('stream'),
    service: fc.constantFrom(...SERVICES),
    consumerGroup: fc.constant('g'),
    lag: fc.nat(),
    consumeRate: fc.nat(),
    produceRate: fc.nat(),
  }),
  fc.record({
    type: fc.constant('recall_probe'),
    service: fc.constantFrom(...SERVICES),
    index: fc.constant('i'),
    k: fc.constant(2),
    retrieved: fc.array(fc.nat(5), { maxLength: 3 }),
    exact: fc.constant([1, 2, 3]),
  }),
  fc.record({
    type: fc.constant('index_stats'),
    service: fc.constantFrom(...SERVICES),
    index: fc.constant('i'),
    vectors: fc.constant(10),
    tombstones: fc.nat(10),
  }),
);

type Mutation =
  | { kind: 'null-field'; signal: number; field: number }
  | { kind: 'delete-field'; signal: number; field: number }
  | { kind: 'unknown-field'; signal: number; name: string }
  | { kind: 'not-an-object'; signal: number; value: unknown }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('null-field'), signal: fc.nat(), field: fc.nat() }),
  fc.record({ kind: fc.constant('delete-field'), signal: fc.nat(), field: fc.nat() }),
  fc.record({
    kind: fc.constant('unknown-field'),
    signal: fc.nat(),
    // Optional fields (ts, dimensions, m) would keep the signal valid; __proto__ cannot be set.
    name: fc.string({ minLength: 1 }).filter((n) => !['ts', 'dimensions', 'm', '__proto__'].includes(n)),
  }),
  fc.record({
    kind: fc.constant('not-an-object'),
    signal: fc.nat(),
    value: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 })),
  }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
);

/** Applies a mutation that always makes the body invalid: every generated field is required. */
function mutate(signals: Array<Record<string, unknown>>, m: Mutation, format: 'json' | 'ndjson'): string {
  const copy = signals.map((s) => ({ ...s }));
  if (m.kind !== 'truncate') {
    const i = m.signal % copy.length;
    const target = copy[i]!;
    const fields = Object.keys(target);
    if (m.kind === 'null-field') target[fields[m.field % fields.length]!] = null;
    else if (m.kind === 'delete-field') delete target[fields[m.field % fields.length]!];
    else if (m.kind === 'unknown-field') target[m.name in target ? `${m.name}_x` : m.name] = 1;
    else (copy as unknown[])[i] = m.value;
  }
  const text = format === 'json' ? JSON.stringify({ signals: copy }) : ndjson(copy);
  if (m.kind !== 'truncate') return text;
  // A strict, non-empty prefix of a JSON object is never valid JSON; for NDJSON, cut the last line.
  const from = format === 'json' ? 0 : text.lastIndexOf('\n') + 1;
  return text.slice(0, from + 1 + (m.at % (text.length - from - 1)));
}

describe('malformed bodies (property)', () => {
  it('a mutated valid body is rejected with a 4xx and a message, and the store is unchanged', () => {
    const h = setup();
    h.collector.ingestSignals(mixedBatch(50));
    fc.assert(
      fc.property(
        fc.array(validSignal, { minLength: 1, maxLength: 20 }),
        mutation,
        fc.constantFrom('json' as const, 'ndjson' as const),
        (signals, m, format) => {
          const before = snapshot(h.store, T0);
          const body = mutate(signals, m, format);
          const type = format === 'json' ? 'application/json' : 'application/x-ndjson';
          const error = rejection(() => h.collector.ingestBody(body, type));
          expect(error.status).toBeGreaterThanOrEqual(400);
          expect(error.status).toBeLessThan(500);
          expect(error.message.length).toBeGreaterThan(0);
          expect(error.problems.length).toBeGreaterThan(0);
          expect(snapshot(h.store, T0)).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any text or JSON value as a body gets a clear answer: accepted, or a 4xx that changed nothing', () => {
    const h = setup();
    h.collector.ingestSignals(mixedBatch(20));
    const anyBody = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify({ signals: [v] })),
      fc.jsonValue().map((v) => JSON.stringify({ signals: v })),
      fc.array(fc.jsonValue(), { maxLength: 5 }).map((lines) => ndjson(lines)),
    );
    fc.assert(
      fc.property(
        anyBody,
        fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain'),
        (body, type) => {
          const before = snapshot(h.store, T0);
          try {
            h.collector.ingestBody(body, type);
          } catch (error) {
            expect(error).toBeInstanceOf(IngestError);
            const e = error as IngestError;
            expect([400, 413, 415, 429]).toContain(e.status);
            expect(e.message).not.toBe('');
            expect(snapshot(h.store, T0)).toEqual(before);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
