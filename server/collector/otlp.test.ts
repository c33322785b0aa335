import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../compile/metrics.js';
import { IngestError } from './errors.js';
import { COLLECTOR_METRICS } from './map.js';
import { OTLP_METRICS } from './otlp.js';
import { harness, snapshot, T0, type Harness } from './test-support/fixtures.js';

const S = 'recs-api';
const MINUTE = 60_000;
const nanos = (ms: number) => `${ms}000000`;

let h: Harness;
afterEach(() => h?.store.close());

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

/** Bounds an OpenTelemetry JS SDK uses for http.server.request.duration (seconds). */
const HTTP_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function httpPoint(status: number, counts: number[], sum: number, timeMs: number, startMs = T0) {
  return {
    attributes: [
      str('http.request.method', 'GET'),
      str('http.route', '/recommend'),
      int('http.response.status_code', status),
    ],
    startTimeUnixNano: nanos(startMs),
    timeUnixNano: nanos(timeMs),
    count: String(counts.reduce((a, b) => a + b, 0)),
    sum,
    bucketCounts: counts.map(String),
    explicitBounds: HTTP_BOUNDS,
    min: 0.001,
    max: 0.9,
  };
}

/** An export as an OpenTelemetry SDK sends it: cumulative HTTP histogram, custom slactl metrics, and noise. */
function exportBody(timeMs: number, scale: number, startMs = T0) {
  //                 ≤5ms ≤10 ≤25 ≤50 ≤75 ≤100 ≤250 ≤500 …
  const ok = [0, 10, 30, 30, 10, 10, 5, 5, 0, 0, 0, 0, 0, 0, 0].map((c) => c * scale);
  const failed = [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0].map((c) => c * scale);
  return {
    resourceMetrics: [
      {
        resource: { attributes: [str('service.name', S), str('telemetry.sdk.language', 'nodejs')] },
        scopeMetrics: [
          {
            scope: { name: '@opentelemetry/instrumentation-http', version: '0.52.0' },
            metrics: [
              {
                name: 'http.server.request.duration',
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    httpPoint(200, ok, 5 * scale, timeMs, startMs),
                    httpPoint(503, failed, 0.8 * scale, timeMs, startMs),
                  ],
                },
              },
              {
                name: 'process.cpu.time',
                unit: 's',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [{ asDouble: 1.5 }, { asDouble: 0.5 }],
                },
              },
            ],
          },
          {
            scope: { name: 'recs-api' },
            metrics: [
              {
                name: 'slactl.component.latency',
                unit: 's',
                histogram: {
                  aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                  dataPoints: [
                    {
                      attributes: [str('component', 'vector_search')],
                      timeUnixNano: nanos(timeMs),
                      count: '4',
                      sum: 0.07,
                      bucketCounts: ['1', '2', '1'],
                      explicitBounds: [0.01, 0.02],
                    },
                  ],
                },
              },
              {
                name: 'slactl.feature.event_time',
                unit: 's',
                gauge: {
                  dataPoints: [
                    {
                      attributes: [str('feature', 'user_7d_purchase_count')],
                      timeUnixNano: nanos(timeMs),
                      asDouble: (timeMs - 45_000) / 1000,
                    },
                  ],
                },
              },
              {
                name: 'slactl.feature.lookups',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      attributes: [str('feature', 'item_ctr_1h')],
                      startTimeUnixNano: nanos(startMs),
                      timeUnixNano: nanos(timeMs),
                      asInt: String(1000 * scale),
                    },
                  ],
                },
              },
              {
                name: 'slactl.feature.nulls',
                sum: {
                  aggregationTemporality: 1,
                  isMonotonic: true,
                  dataPoints: [
                    { attributes: [str('feature', 'item_ctr_1h')], timeUnixNano: nanos(timeMs), asInt: '7' },
                  ],
                },
              },
              ...(['lag', 'consume_rate', 'produce_rate'] as const).map((name, i) => ({
                name: `slactl.stream.${name}`,
                gauge: {
                  dataPoints: [
                    {
                      attributes: [str('consumer_group', 'feature-pipeline')],
                      timeUnixNano: nanos(timeMs),
                      asInt: String([600, 30, 20][i]),
                    },
                  ],
                },
              })),
              ...(['vectors', 'tombstones'] as const).map((name, i) => ({
                name: `slactl.index.${name}`,
                gauge: { dataPoints: [{ attributes: [str('index', 'products')], asDouble: [1000, 150][i] }] },
              })),
            ],
          },
        ],
      },
    ],
  };
}

function total(name: string, labels: Record<string, string>): number {
  const [ref] = h.store.select(name, labels);
  return ref === undefined ? NaN : h.store.total(ref);
}

function rejection(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError');
}

describe('OTLP/HTTP JSON metrics', () => {
  it('maps a realistic export onto the signal series and counts the metrics it does not know', () => {
    h = harness();
    expect(h.collector.ingestOtlp(exportBody(T0, 1))).toEqual({ accepted: 11, ignored: 2 });
    expect(total(METRICS.requests, { service: S })).toBe(102);
    expect(total(METRICS.requestErrors, { service: S })).toBe(2);
    // Client buckets move up to our bounds: ≤75ms lands in le=0.1 (80 + 10 + 10 = 100 at le=0.1).
    const bucket = (le: string) => total(`${METRICS.requestDuration}_bucket`, { service: S, le });
    expect([
      bucket('0.01'),
      bucket('0.025'),
      bucket('0.05'),
      bucket('0.1'),
      bucket('0.25'),
      bucket('0.5'),
      bucket('+Inf'),
    ]).toEqual([10, 40, 70, 90, 95, 102, 102]);
    expect(total(`${METRICS.requestDuration}_sum`, { service: S })).toBeCloseTo(5.8);
    const component = (le: string) =>
      total(`${METRICS.componentLatency}_bucket`, { service: S, component: 'vector_search', le });
    expect([component('0.01'), component('0.025'), component('+Inf')]).toEqual([1, 3, 4]);
    expect(total(METRICS.featureLookups, { service: S, feature: 'item_ctr_1h' })).toBe(1000);
    expect(total(METRICS.featureNulls, { service: S, feature: 'item_ctr_1h' })).toBe(7);
    expect(h.reader.featureAge(S, 'user_7d_purchase_count', T0)).toBe(45);
    expect(h.reader.stream(S, 'feature-pipeline', T0)).toMatchObject({ lag: 600, catchUpSeconds: 60 });
    expect(h.reader.index(S, 'products', T0)).toMatchObject({
      vectors: 1000,
      tombstones: 150,
      tombstoneRatio: 0.15,
    });
  });

  it('turns cumulative points into deltas, and counts a restarted stream from zero', () => {
    h = harness();
    h.collector.ingestOtlp(exportBody(T0, 1));
    h.clock.advance(MINUTE);
    h.collector.ingestOtlp(exportBody(T0 + MINUTE, 3));
    expect(total(METRICS.requests, { service: S })).toBe(306);
    expect(total(METRICS.featureLookups, { service: S, feature: 'item_ctr_1h' })).toBe(3000);
    // Delta points add up as they come.
    expect(total(METRICS.featureNulls, { service: S, feature: 'item_ctr_1h' })).toBe(14);
    const ref = h.store.select(METRICS.requests, { service: S })[0]!;
    expect(h.store.increase(ref, T0, T0 + MINUTE)).toBe(204);
    // The service restarted: a new start time, counts from zero again.
    h.clock.advance(MINUTE);
    h.collector.ingestOtlp(exportBody(T0 + 2 * MINUTE, 1, T0 + 90_000));
    expect(total(METRICS.requests, { service: S })).toBe(408);
  });

  it('takes the first point of a stream that began before the collector as a baseline', () => {
    h = harness();
    h.collector.ingestOtlp(exportBody(T0, 5, T0 - 60 * MINUTE));
    expect(total(METRICS.requests, { service: S })).toBe(0);
    expect(total(METRICS.featureLookups, { service: S, feature: 'item_ctr_1h' })).toBe(0);
    h.clock.advance(MINUTE);
    h.collector.ingestOtlp(exportBody(T0 + MINUTE, 6, T0 - 60 * MINUTE));
    expect(total(METRICS.requests, { service: S })).toBe(102);
  });

  it('scales a histogram in milliseconds to seconds', () => {
    h = harness();
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [str('service.name', S)] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'http.server.request.duration',
                  unit: 'ms',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        count: 3,
                        sum: 150,
                        bucketCounts: [1, 1, 1],
                        explicitBounds: [50, 100],
                        attributes: [str('error.type', 'timeout')],
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    h.collector.ingestOtlp(body);
    expect(total(`${METRICS.requestDuration}_bucket`, { service: S, le: '0.05' })).toBe(1);
    expect(total(`${METRICS.requestDuration}_bucket`, { service: S, le: '0.1' })).toBe(2);
    expect(total(`${METRICS.requestDuration}_sum`, { service: S })).toBeCloseTo(0.15);
    expect(total(METRICS.requestErrors, { service: S })).toBe(3);
  });

  it.each([
    ['not an object', [], 'body: expected an ExportMetricsServiceRequest object {"resourceMetrics": [...]}'],
    [
      'no service.name',
      {
        resourceMetrics: [
          {
            resource: { attributes: [] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'slactl.index.vectors',
                    gauge: { dataPoints: [{ asInt: '1', attributes: [str('index', 'i')] }] },
                  },
                ],
              },
            ],
          },
        ],
      },
      'resourceMetrics[0].resource.attributes: missing resource attribute service.name (it names the slactl service)',
    ],
    [
      'bucket counts that do not fit the bounds',
      {
        resourceMetrics: [
          {
            resource: { attributes: [str('service.name', S)] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'slactl.component.latency',
                    histogram: {
                      aggregationTemporality: 1,
                      dataPoints: [
                        { attributes: [str('component', 'c')], bucketCounts: ['1'], explicitBounds: [0.1] },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
      'resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts: expected 2 counts (one more than explicitBounds), got 1',
    ],
    [
      'a known name with the wrong kind',
      {
        resourceMetrics: [
          {
            resource: { attributes: [str('service.name', S)] },
            scopeMetrics: [
              {
                metrics: [
                  {},
                  { name: 'slactl.stream.lag', sum: { aggregationTemporality: 2, dataPoints: [] } },
                ],
              },
            ],
          },
        ],
      },
      '2 problems: resourceMetrics[0].scopeMetrics[0].metrics[0].name: expected the metric name (a string); resourceMetrics[0].scopeMetrics[0].metrics[1]: slactl.stream.lag must be a gauge, got sum',
    ],
    [
      'a missing subject attribute and a time in the future',
      {
        resourceMetrics: [
          {
            resource: { attributes: [str('service.name', S)] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'slactl.index.tombstones',
                    gauge: {
                      dataPoints: [
                        { asInt: '1' },
                        {
                          asInt: '1',
                          attributes: [str('index', 'i')],
                          timeUnixNano: nanos(T0 + 10 * MINUTE),
                        },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
      '2 problems: resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].attributes: missing attribute index (slactl.index.tombstones needs it); resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1].timeUnixNano: 2026-01-15T12:10:00.000Z is more than 5m ahead of the server clock (2026-01-15T12:00:00.000Z)',
    ],
  ])('rejects %s with the JSON path', (_name, body, message) => {
    h = harness();
    const error = rejection(() => h.collector.ingestOtlp(body));
    expect([error.status, error.code, error.message]).toEqual([400, 'invalid_otlp', message]);
  });

  it('is all or nothing, cumulative state included', () => {
    h = harness();
    h.collector.ingestOtlp(exportBody(T0, 1));
    const before = snapshot(h.store, T0);
    h.clock.advance(MINUTE);
    const broken = exportBody(T0 + MINUTE, 2);
    (
      broken.resourceMetrics[0]!.scopeMetrics[1]!.metrics[1] as { gauge: { dataPoints: unknown[] } }
    ).gauge.dataPoints.push({ asDouble: 'x' });
    expect(rejection(() => h.collector.ingestOtlp(broken)).status).toBe(400);
    expect(snapshot(h.store, T0 + MINUTE)).toEqual(before);
    // The rejected export did not move the cumulative baseline: the next one counts from the first.
    h.collector.ingestOtlp(exportBody(T0 + MINUTE, 2));
    expect(total(METRICS.requests, { service: S })).toBe(204);
    expect(h.store.select(COLLECTOR_METRICS.featureNewestEvent, { service: S })).toHaveLength(1);
  });

  it('any JSON value gets a clear answer: mapped, or a 400 that changed nothing (property)', () => {
    h = harness();
    h.collector.ingestOtlp(exportBody(T0, 1));
    const metric = fc.record(
      {
        name: fc.constantFrom(...Object.keys(OTLP_METRICS), 'other.metric'),
        gauge: fc.record({ dataPoints: fc.array(fc.jsonValue(), { maxLength: 3 }) }, { requiredKeys: [] }),
        sum: fc.record({
          aggregationTemporality: fc.jsonValue(),
          dataPoints: fc.array(fc.jsonValue(), { maxLength: 3 }),
        }),
        histogram: fc.record({
          aggregationTemporality: fc.constantFrom(1, 2),
          dataPoints: fc.array(fc.jsonValue(), { maxLength: 3 }),
        }),
      },
      { requiredKeys: ['name'] },
    );
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({
        resourceMetrics: fc.array(
          fc.record({
            resource: fc.constant({ attributes: [str('service.name', S)] }),
            scopeMetrics: fc.array(fc.record({ metrics: fc.array(metric, { maxLength: 3 }) }), {
              maxLength: 2,
            }),
          }),
          { maxLength: 2 },
        ),
      }),
    );
    fc.assert(
      fc.property(body, (b) => {
        const before = snapshot(h.store, T0);
        try {
          const result = h.collector.ingestOtlp(b);
          expect(result.accepted + result.ignored).toBeGreaterThanOrEqual(0);
        } catch (error) {
          expect(error).toBeInstanceOf(IngestError);
          expect((error as IngestError).status).toBe(400);
          expect((error as IngestError).message).not.toBe('');
          expect(snapshot(h.store, T0)).toEqual(before);
        }
      }),
      { numRuns: 300 },
    );
  });
});
