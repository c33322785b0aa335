import { describe, expect, it } from 'vitest';
import { IngestError, MAX_REPORTED_PROBLEMS } from './errors.js';
import { bodyFormat, parseSignalsBody } from './parse.js';
import { harness, ndjson, T0 } from './test-support/fixtures.js';

const JSON_TYPE = 'application/json';
const NDJSON_TYPE = 'application/x-ndjson';

function rejection(run: () => unknown): IngestError {
  try {
    run();
  } catch (error) {
    if (error instanceof IngestError) return error;
    throw error;
  }
  throw new Error('expected an IngestError, but the body was accepted');
}

const ok = { type: 'request', service: 'recs-api', ok: true, seconds: 0.05 };
const body = (...signals: unknown[]) => JSON.stringify({ signals });

interface Case {
  name: string;
  body: string;
  contentType?: string;
  status: number;
  code: string;
  message: string;
  details?: { index?: number; line?: number; field?: string };
}

const CASES: Case[] = [
  {
    name: 'syntax error in a JSON body',
    body: '{"signals": [}',
    status: 400,
    code: 'invalid_json',
    message: `invalid JSON: Unexpected token '}', "{"signals": [}" is not valid JSON`,
  },
  {
    name: 'trailing garbage, with line and column',
    body: '{"signals": []\n}x',
    status: 400,
    code: 'invalid_json',
    message: 'invalid JSON: Unexpected non-whitespace character after JSON at line 2, column 2',
  },
  {
    name: 'a list instead of the envelope',
    body: '[]',
    status: 400,
    code: 'invalid_body',
    message: 'body: expected {"signals": [...]}, got a list',
  },
  {
    name: 'misspelt envelope',
    body: '{"signal": []}',
    status: 400,
    code: 'invalid_body',
    message:
      '2 problems: body: unknown field "signal" (expected {"signals": [...]}); body: missing "signals" (expected {"signals": [...]})',
    details: { field: 'signal' },
  },
  {
    name: 'a field of the wrong type',
    body: body(ok, ok, ok, { ...ok, seconds: 'fast' }),
    status: 400,
    code: 'invalid_signal',
    message: 'signals[3].seconds: expected a number ≥ 0, got "fast"',
    details: { index: 3, field: 'seconds' },
  },
  {
    name: 'unknown signal type and non-objects',
    body: body({ type: 'latency', service: 'a' }, 5, null),
    status: 400,
    code: 'invalid_signal',
    message:
      '3 problems: signals[0].type: expected one of "request", "component_latency", "feature_value", "null_rate", "distribution", "stream", "recall_probe", "index_stats", got "latency"; signals[1]: expected a signal object, got 5; signals[2]: expected a signal object, got null',
    details: { index: 0, field: 'type' },
  },
  {
    name: 'unknown field',
    body: body({ ...ok, secs: 2 }),
    status: 400,
    code: 'invalid_signal',
    message: 'signals[0]: unknown field "secs" (request signals have ok, seconds, service, ts, type)',
    details: { index: 0, field: 'secs' },
  },
  {
    name: 'missing field',
    body: body({ type: 'stream', service: 'a', consumerGroup: 'g', lag: 1, consumeRate: 1 }),
    status: 400,
    code: 'invalid_signal',
    message: 'signals[0].produceRate: missing (expected a number ≥ 0)',
    details: { index: 0, field: 'produceRate' },
  },
  {
    name: 'nulls above total',
    body: body({ type: 'null_rate', service: 'a', feature: 'f', nulls: 12, total: 10 }),
    status: 400,
    code: 'invalid_signal',
    message: 'signals[0].nulls: nulls (12) exceeds total (10)',
    details: { index: 0, field: 'nulls' },
  },
  {
    name: 'fewer exact ids than k',
    body: body({ type: 'recall_probe', service: 'a', index: 'i', k: 10, retrieved: [1], exact: [1, 2] }),
    status: 400,
    code: 'invalid_signal',
    message: 'signals[0].exact: exact has 2 ids, fewer than k (10): recall@k needs the exact top-k',
    details: { index: 0, field: 'exact' },
  },
  {
    name: 'pre-aggregated buckets that do not add up',
    body: body({
      type: 'component_latency',
      service: 'a',
      component: 'c',
      buckets: { '0.1': 3, '+Inf': 1 },
      count: 5,
      sum: 1,
    }),
    status: 400,
    code: 'invalid_signal',
    message:
      'signals[0].count: bucket counts add up to 4, not count 5 (buckets are per bucket, not cumulative)',
    details: { index: 0, field: 'count' },
  },
  {
    name: 'a bucket bound that is not a number',
    body: body({
      type: 'component_latency',
      service: 'a',
      component: 'c',
      buckets: { fast: 1 },
      count: 1,
      sum: 0,
    }),
    status: 400,
    code: 'invalid_signal',
    message: 'signals[0].buckets: expected an upper bound in seconds ("0.05", "1", "+Inf"), got key "fast"',
    details: { index: 0, field: 'buckets' },
  },
  {
    name: 'both forms of component latency',
    body: body({ type: 'component_latency', service: 'a', component: 'c', seconds: 1, count: 1 }),
    status: 400,
    code: 'invalid_signal',
    message:
      'signals[0].seconds: give either seconds (one observation) or buckets, count and sum (pre-aggregated), not both',
    details: { index: 0, field: 'seconds' },
  },
  {
    name: 'control character in a service and an unreadable ts',
    body: body({ ...ok, service: 'a\u0001b', ts: 'yesterday' }),
    status: 400,
    code: 'invalid_signal',
    message:
      '2 problems: signals[0].service: expected a non-empty string of at most 200 characters without control characters, got "a\\u0001b"; signals[0].ts: expected milliseconds since the epoch (a number) or an RFC 3339 time such as "2024-05-01T12:00:00Z", got "yesterday"',
    details: { index: 0, field: 'service' },
  },
  {
    name: 'an impossible date',
    body: body({ type: 'feature_value', service: 'a', feature: 'f', eventTime: '2026-02-30T00:00:00Z' }),
    status: 400,
    code: 'invalid_signal',
    message:
      'signals[0].eventTime: expected milliseconds since the epoch (a number) or an RFC 3339 time such as "2024-05-01T12:00:00Z", got "2026-02-30T00:00:00Z"',
    details: { index: 0, field: 'eventTime' },
  },
  {
    name: 'distribution without values or counts',
    body: body({ type: 'distribution', service: 'a', feature: 'f' }),
    status: 400,
    code: 'invalid_signal',
    message: 'signals[0].values: missing values (numbers) or counts (category → count)',
    details: { index: 0, field: 'values' },
  },
  {
    name: 'index stats out of range',
    body: body({ type: 'index_stats', service: 'a', index: 'i', vectors: 5, tombstones: 6, m: 0 }),
    status: 400,
    code: 'invalid_signal',
    message:
      '2 problems: signals[0].m: expected an integer ≥ 1, got 0; signals[0].tombstones: tombstones (6) exceeds vectors (5); vectors counts tombstoned ones too',
    details: { index: 0, field: 'm' },
  },
  {
    name: 'ts in seconds',
    body: body(ok, { ...ok, ts: Math.floor(T0 / 1000) }),
    status: 400,
    code: 'ts_out_of_range',
    message:
      'signals[1].ts: 1970-01-21T11:14:38.400Z is older than the retention of 35d; ts is in milliseconds since the epoch, this looks like seconds',
    details: { index: 1, field: 'ts' },
  },
  {
    name: 'ts in the future',
    body: body({ ...ok, ts: '2026-01-15T12:10:00Z' }),
    status: 400,
    code: 'ts_out_of_range',
    message:
      'signals[0].ts: 2026-01-15T12:10:00.000Z is more than 5m ahead of the server clock (2026-01-15T12:00:00.000Z)',
    details: { index: 0, field: 'ts' },
  },
  {
    name: 'NDJSON: a broken line after a blank one',
    body: `${JSON.stringify(ok)}\n\n${JSON.stringify(ok)}\n{"type":\n`,
    contentType: NDJSON_TYPE,
    status: 400,
    code: 'invalid_json',
    message: 'line 4: invalid JSON: Unexpected end of JSON input',
    details: { index: 2, line: 4 },
  },
  {
    name: 'NDJSON: a position inside a line',
    body: `${JSON.stringify(ok)}\n{"type": "request",, "x": 1}`,
    contentType: NDJSON_TYPE,
    status: 400,
    code: 'invalid_json',
    message: 'line 2: invalid JSON: Expected double-quoted property name in JSON at column 20',
    details: { index: 1, line: 2 },
  },
  {
    name: 'NDJSON: an invalid signal names its line, CRLF and blank lines allowed',
    body: `${JSON.stringify(ok)}\r\n\r\n${JSON.stringify({ ...ok, seconds: 'fast' })}\r\n`,
    contentType: 'application/x-ndjson; charset=utf-8',
    status: 400,
    code: 'invalid_signal',
    message: 'line 3: seconds: expected a number ≥ 0, got "fast"',
    details: { index: 1, line: 3, field: 'seconds' },
  },
  {
    name: 'unsupported content type',
    body: 'x',
    contentType: 'text/plain',
    status: 415,
    code: 'unsupported_media_type',
    message:
      'Content-Type "text/plain" is not accepted: send application/json ({"signals": [...]}) or application/x-ndjson (one signal per line)',
  },
];

describe('ingest body errors', () => {
  it.each(CASES)('$name', (c) => {
    const { collector } = harness();
    const error = rejection(() => collector.ingestBody(c.body, c.contentType ?? JSON_TYPE));
    expect({
      status: error.status,
      code: error.code,
      message: error.message,
      details: error.details,
    }).toEqual({
      status: c.status,
      code: c.code,
      message: c.message,
      details: c.details ?? {},
    });
  });

  it('reports at most 20 problems and counts the rest', () => {
    const { collector } = harness();
    const signals = Array.from({ length: 25 }, (_, i) => ({ ...ok, seconds: -i - 1 }));
    const error = rejection(() => collector.ingestBody(body(...signals), JSON_TYPE));
    expect(error.problems).toHaveLength(MAX_REPORTED_PROBLEMS);
    expect(error.omitted).toBe(5);
    expect(error.problems[19]).toEqual({
      message: 'signals[19].seconds: expected a number ≥ 0, got -20',
      index: 19,
      field: 'seconds',
    });
    expect(error.message).toMatch(/^25 problems: signals\[0\]\.seconds: .*; and 5 more$/);
    expect(error.toJSON().error.omitted).toBe(5);
  });

  it('answers 413 for a batch over the limit, naming both numbers', () => {
    const { collector } = harness({ maxBatch: 10 });
    const signals = Array.from({ length: 12 }, () => ok);
    for (const [text, type] of [
      [body(...signals), JSON_TYPE],
      [ndjson(signals), NDJSON_TYPE],
    ] as const) {
      const error = rejection(() => collector.ingestBody(text, type));
      expect([error.status, error.code, error.message]).toEqual([
        413,
        'batch_too_large',
        'batch of 12 signals exceeds the limit of 10; split it into smaller batches',
      ]);
    }
    expect(rejection(() => collector.ingestSignals(signals)).status).toBe(413);
  });

  it('answers 413 for a body over the byte limit, counting UTF-8 bytes', () => {
    const { collector } = harness({ maxBodyBytes: 100 });
    // 40 characters, 120 bytes.
    const text = JSON.stringify({ signals: [{ ...ok, service: '€'.repeat(30) }] });
    const error = rejection(() => collector.ingestBody(text, JSON_TYPE));
    expect([error.status, error.code]).toEqual([413, 'body_too_large']);
    expect(error.message).toBe(
      `body of ${Buffer.byteLength(text)} bytes exceeds the limit of 100 bytes; send smaller batches`,
    );
  });
});

describe('parseSignalsBody', () => {
  const limits = { maxBodyBytes: 1 << 20, maxBatch: 100 };

  it('keeps NDJSON line numbers and skips blank lines', () => {
    const text = `\n${JSON.stringify(ok)}\n   \n${JSON.stringify({ ...ok, ok: false })}\n`;
    expect(parseSignalsBody(text, NDJSON_TYPE, limits)).toEqual({
      values: [ok, { ...ok, ok: false }],
      lines: [2, 4],
    });
  });

  it('reads the JSON envelope and ignores a byte-order mark', () => {
    expect(parseSignalsBody(`\ufeff${body(ok)}`, 'Application/JSON; charset=utf-8', limits)).toEqual({
      values: [ok],
    });
    expect(parseSignalsBody('{"signals": []}', JSON_TYPE, limits)).toEqual({ values: [] });
    expect(parseSignalsBody('', NDJSON_TYPE, limits)).toEqual({ values: [], lines: [] });
  });

  it('recognises the accepted media types', () => {
    expect(
      ['application/json', 'application/x-ndjson', 'application/ndjson', 'text/json', undefined].map(
        bodyFormat,
      ),
    ).toEqual(['json', 'ndjson', 'ndjson', undefined, undefined]);
  });

  it('lists every broken NDJSON line, not only the first', () => {
    const error = rejection(() => parseSignalsBody('{\n{"a":1}\n[', NDJSON_TYPE, limits));
    expect(error.problems.map((p) => [p.line, p.index])).toEqual([
      [1, 0],
      [3, 2],
    ]);
  });
});
