import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../compile/metrics.js';
import type { SampleUpdate } from '../store/types.js';
import { IngestError } from './errors.js';
import type { IngestResult } from './ingest.js';
import { COLLECTOR_METRICS } from './map.js';
import { harness, snapshot, T0, type Harness } from './test-support/fixtures.js';

const S = 'recs-api';
const JSON_TYPE = 'application/json';

const harnesses: Harness[] = [];
function setup(...args: Parameters<typeof harness>): Harness {
  const h = harness(...args);
  harnesses.push(h);
  return h;
}
afterEach(() => {
  for (const h of harnesses.splice(0)) h.store.close();
});

const body = (...signals: object[]) => JSON.stringify({ signals });
const request = (extra: object = {}) => ({ type: 'request', service: S, ok: true, seconds: 0.03, ...extra });

/** Counts store.apply calls (and the updates each carried). */
function countApplies(h: Harness): number[] {
  const calls: number[] = [];
  const apply = h.store.apply.bind(h.store);
  h.store.apply = (updates: readonly SampleUpdate[]) => {
    calls.push(updates.length);
    apply(updates);
  };
  return calls;
}

async function rejection(promise: Promise<unknown>): Promise<IngestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError, but the batch was accepted');
}

function requestsTotal(h: Harness, service = S): number {
  const ref = h.store.select(METRICS.requests, { service })[0];
  return ref === undefined ? 0 : h.store.total(ref);
}

describe('group commit', () => {
  it('commits the batches of one turn of the event loop in one store call, answering each after it', async () => {
    const h = setup();
    const applies = countApplies(h);
    const answers = [
      h.collector.submitBody(body(request(), request()), JSON_TYPE),
      h.collector.submitBody(JSON.stringify(request({ ok: false })), 'application/x-ndjson; charset=utf-8'),
      h.collector.submitSignals([request(), request(), request()]),
    ];
    let settled = 0;
    for (const answer of answers) void answer.finally(() => settled++).catch(() => undefined);
    await Promise.resolve();
    // Validated and queued, not yet stored, and so not yet answered.
    expect([applies.length, settled, requestsTotal(h)]).toEqual([0, 0, 0]);
    expect(await Promise.all(answers)).toEqual<IngestResult[]>([
      { accepted: 2 },
      { accepted: 1 },
      { accepted: 3 },
    ]);
    // One call with the 18 series updates of each batch; the store merges them per series.
    expect(applies).toEqual([3 * 18]);
    expect(requestsTotal(h)).toBe(6);
  });

  it('rejects an invalid body at once, with the schema’s message, without changing the others', async () => {
    const h = setup();
    const applies = countApplies(h);
    const first = h.collector.submitBody(body(request()), JSON_TYPE);
    const bad = h.collector.submitBody(body(request(), request({ seconds: -1 })), JSON_TYPE);
    const last = h.collector.submitBody(body(request()), JSON_TYPE);
    const error = await rejection(bad);
    expect(applies).toHaveLength(0);
    expect([error.status, error.code, error.message, error.details]).toEqual([
      400,
      'invalid_signal',
      'signals[1].seconds: expected a number ≥ 0, got -1',
      { index: 1, field: 'seconds' },
    ]);
    expect(await Promise.all([first, last])).toEqual([{ accepted: 1 }, { accepted: 1 }]);
    expect(requestsTotal(h)).toBe(2);
  });

  it('counts the series new in the waiting group against the cap, each once', async () => {
    // The request series of one service: 18, exactly the cap.
    const h = setup({ maxSeriesPerService: 18 });
    const a = h.collector.submitBody(body(request()), JSON_TYPE);
    const b = h.collector.submitBody(body(request({ ok: false })), JSON_TYPE);
    const over = await rejection(
      h.collector.submitBody(
        body({ type: 'feature_value', service: S, feature: 'f', eventTime: T0 }),
        JSON_TYPE,
      ),
    );
    expect([over.status, over.code, over.message]).toEqual([
      429,
      'series_limit',
      'service "recs-api" would have 19 series, over the limit of 18 series per service; reduce the number of distinct features, components, indexes, consumer groups or categories',
    ]);
    expect(await Promise.all([a, b])).toEqual([{ accepted: 1 }, { accepted: 1 }]);
    expect(h.store.seriesCount(S)).toBe(18);
  });

  it('answers every batch of a failed commit 503, stores none of it, and forgets what it believed stored', async () => {
    const h = setup({ maxSeriesPerService: 18 });
    const before = snapshot(h.store, T0);
    const setReference = h.store.setReference.bind(h.store);
    const cause = new Error('disk I/O error');
    h.store.setReference = () => {
      throw cause;
    };
    const answers = [
      h.collector.submitBody(body(request()), JSON_TYPE),
      h.collector.submitBody(
        body({ type: 'distribution', service: S, feature: 'price', values: [1, 2, 3, 4], reference: true }),
        JSON_TYPE,
      ),
    ];
    const errors = await Promise.all(answers.map(rejection));
    for (const error of errors) {
      expect([error.status, error.code, error.retryAfterSeconds, error.message, error.cause]).toEqual([
        503,
        'store_unavailable',
        1,
        'the store could not commit this batch: its samples were not stored and it is not acknowledged; retry shortly',
        cause,
      ]);
    }
    expect(snapshot(h.store, T0)).toEqual(before);
    h.store.setReference = setReference;

    // The mapper no longer believes the request series exist: 18 + 1 new series are over the cap …
    const over = await rejection(
      h.collector.submitBody(
        body(request(), { type: 'feature_value', service: S, feature: 'f', eventTime: T0 }),
        JSON_TYPE,
      ),
    );
    expect([over.status, over.message]).toEqual([
      429,
      'service "recs-api" would have 19 series, over the limit of 18 series per service; reduce the number of distinct features, components, indexes, consumer groups or categories',
    ]);
    // … nor that the reference was stored: observations are not binned against it.
    expect(
      await h.collector.submitBody(
        body({ type: 'distribution', service: S, feature: 'price', values: [2] }),
        JSON_TYPE,
      ),
    ).toEqual({ accepted: 1 });
    expect(h.store.getReference(S, 'price')).toBeUndefined();
    expect(h.store.select(COLLECTOR_METRICS.distributionObservations)).toEqual([]);
    expect(await h.collector.submitBody(body(request()), JSON_TYPE)).toEqual({ accepted: 1 });
    expect(h.store.seriesCount(S)).toBe(18);
  });

  it('says the disk is full when SQLite is (SQLITE_FULL), and asks to retry later', async () => {
    const h = setup();
    const before = snapshot(h.store, T0);
    const apply = h.store.apply.bind(h.store);
    const cause = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    h.store.apply = () => {
      throw new Error('transaction failed', { cause });
    };
    const error = await rejection(h.collector.submitBody(body(request()), JSON_TYPE));
    expect([error.status, error.code, error.retryAfterSeconds]).toEqual([503, 'store_unavailable', 30]);
    expect(error.message).toMatch(/disk is full.*not acknowledged.*free space on it and retry/);
    expect(snapshot(h.store, T0)).toEqual(before);
    h.store.apply = apply;
    expect(await h.collector.submitBody(body(request()), JSON_TYPE)).toEqual({ accepted: 1 });
  });

  it('a synchronous ingest first commits the waiting group, so batches are stored in the order accepted', async () => {
    const h = setup();
    const stream = (lag: number) => ({
      type: 'stream',
      service: S,
      consumerGroup: 'g',
      lag,
      consumeRate: 1,
      produceRate: 1,
      ts: T0,
    });
    const first = h.collector.submitBody(body(stream(1)), JSON_TYPE);
    expect(h.collector.ingestSignals([stream(2)])).toEqual({ accepted: 1 });
    expect(await first).toEqual({ accepted: 1 });
    const lag = h.store.select(METRICS.streamLag, { service: S })[0]!;
    // A gauge keeps the later of two samples at the same time: the batch accepted second.
    expect(h.store.latest(lag, T0)?.value).toBe(2);

    const waiting = h.collector.submitSignals([stream(3)]);
    h.collector.flush();
    expect(h.store.latest(lag, T0)?.value).toBe(3);
    expect(await waiting).toEqual({ accepted: 1 });
    h.collector.flush();
  });
});

// --- property: a group stores what the same batches one by one store ------------------------------

const services = fc.constantFrom('recs-api', 'fraud-api');
// Multiples of 1/64: sums are exact whatever order they are added in.
const seconds = fc.integer({ min: 0, max: 256 }).map((n) => n / 64);
const ts = fc.option(
  fc.integer({ min: -90, max: 30 }).map((s) => T0 + s * 1000),
  { nil: undefined },
);
const signal: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('request'), service: services, ok: fc.boolean(), seconds, ts }),
  fc.record({
    type: fc.constant('component_latency'),
    service: services,
    component: fc.constantFrom('vector_search', 'model_inference'),
    seconds,
    ts,
  }),
  fc.record({
    type: fc.constant('feature_value'),
    service: services,
    feature: fc.constantFrom('f1', 'f2', 'f3', 'f4'),
    eventTime: fc.integer({ min: T0 - 60_000, max: T0 }),
    ts,
  }),
  fc.record({
    type: fc.constant('stream'),
    service: services,
    consumerGroup: fc.constantFrom('g1', 'g2'),
    lag: fc.nat(100),
    consumeRate: fc.nat(100),
    produceRate: fc.nat(100),
    ts,
  }),
  fc.record({
    type: fc.constant('distribution'),
    service: services,
    feature: fc.constant('price'),
    values: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 20 }),
    reference: fc.boolean(),
    ts,
  }),
);
const batch = fc.record({
  signals: fc.array(signal, { minLength: 1, maxLength: 12 }),
  // An invalid last signal: the whole batch is rejected, in both ways of ingesting.
  broken: fc.boolean(),
});

/** JSON without the keys of undefined values, as a client would send. */
function plain(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

describe('group commit (property)', () => {
  it('stores exactly what ingesting the same batches one by one stores, and answers each batch alike', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 6 }), async (batches) => {
        const grouped = setup({ maxSeriesPerService: 45 });
        const sequential = setup({ maxSeriesPerService: 45 });
        const bodies = batches.map((b) => [
          ...b.signals.map(plain),
          ...(b.broken ? [{ type: 'request', service: S, ok: true, seconds: -1 }] : []),
        ]);
        const outcome = (run: () => unknown) => {
          try {
            return run();
          } catch (error) {
            return (error as IngestError).code;
          }
        };
        const expected = bodies.map((signals) => outcome(() => sequential.collector.ingestSignals(signals)));
        const answers = bodies.map((signals) =>
          grouped.collector.submitBody(JSON.stringify({ signals }), JSON_TYPE),
        );
        const actual = await Promise.all(answers.map((a) => a.catch((error: IngestError) => error.code)));
        expect(actual).toEqual(expected);
        expect(snapshot(grouped.store, T0 + 60_000)).toEqual(snapshot(sequential.store, T0 + 60_000));
        grouped.store.close();
        sequential.store.close();
        harnesses.length = 0;
      }),
      { numRuns: 150 },
    );
  });
});
