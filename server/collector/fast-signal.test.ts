import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastSignal } from './fast-signal.js';
import { MAX_K, validateSignal } from './schema.js';

const POS = { index: 0 };

/** What the schema makes of a value: the signal, or undefined when it rejects it. */
function schemaSignal(value: unknown): unknown {
  const result = validateSignal(value, POS);
  return result.ok ? result.signal : undefined;
}

/** The property the fast path must hold: whatever it accepts, the schema accepts as the same signal. */
function agrees(value: unknown): void {
  const fast = fastSignal(value);
  if (fast !== undefined) expect(fast).toStrictEqual(schemaSignal(value));
}

const service = fc.constantFrom('recs-api', 'fraud-api', 'a', 'x'.repeat(200), 'café', 'データ');
const subject = fc.constantFrom('vector_search', 'f1', 'feature-pipeline', 'products', 'ü-index');
const nonNegative = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true }));
const count = fc.nat({ max: 1_000_000 });
const time = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  fc.constantFrom('2026-01-15T12:00:00Z', '2026-01-15T12:00:00.250+02:00', '2024-02-29t00:00:00z'),
);
const ids = fc.array(fc.oneof(fc.nat(50), fc.string({ maxLength: 3 })), { maxLength: 12 });

/** Valid signals of every type, with and without their optional fields. */
const validSignal: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record(
    { type: fc.constant('request'), service, ts: time, ok: fc.boolean(), seconds: nonNegative },
    { requiredKeys: ['type', 'service', 'ok', 'seconds'], noNullPrototype: true },
  ),
  fc.record(
    { type: fc.constant('component_latency'), service, ts: time, component: subject, seconds: nonNegative },
    { requiredKeys: ['type', 'service', 'component', 'seconds'], noNullPrototype: true },
  ),
  fc.record(
    { type: fc.constant('feature_value'), service, ts: time, feature: subject, eventTime: time },
    { requiredKeys: ['type', 'service', 'feature', 'eventTime'], noNullPrototype: true },
  ),
  count.chain((total) =>
    fc.record(
      {
        type: fc.constant('null_rate'),
        service,
        ts: time,
        feature: subject,
        nulls: fc.nat({ max: total }),
        total: fc.constant(total),
      },
      { requiredKeys: ['type', 'service', 'feature', 'nulls', 'total'], noNullPrototype: true },
    ),
  ),
  fc.record(
    {
      type: fc.constant('stream'),
      service,
      ts: time,
      consumerGroup: subject,
      lag: nonNegative,
      consumeRate: nonNegative,
      produceRate: nonNegative,
    },
    {
      requiredKeys: ['type', 'service', 'consumerGroup', 'lag', 'consumeRate', 'produceRate'],
      noNullPrototype: true,
    },
  ),
  fc.integer({ min: 1, max: 12 }).chain((k) =>
    fc.record(
      {
        type: fc.constant('recall_probe'),
        service,
        ts: time,
        index: subject,
        k: fc.constant(k),
        retrieved: ids,
        exact: fc.array(fc.nat(50), { minLength: k, maxLength: k + 3 }),
      },
      { requiredKeys: ['type', 'service', 'index', 'k', 'retrieved', 'exact'], noNullPrototype: true },
    ),
  ),
  count.chain((vectors) =>
    fc.record(
      {
        type: fc.constant('index_stats'),
        service,
        ts: time,
        index: subject,
        vectors: fc.constant(vectors),
        tombstones: fc.nat({ max: vectors }),
        dimensions: fc.integer({ min: 1, max: 4096 }),
        m: fc.integer({ min: 1, max: 64 }),
      },
      { requiredKeys: ['type', 'service', 'index', 'vectors', 'tombstones'], noNullPrototype: true },
    ),
  ),
  fc.record(
    {
      type: fc.constant('distribution'),
      service,
      ts: time,
      feature: subject,
      values: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 }),
      reference: fc.boolean(),
    },
    { requiredKeys: ['type', 'service', 'feature', 'values'], noNullPrototype: true },
  ),
);

/** Values at the edges of every rule: signs, integers beyond the safe range, odd text, odd times. */
const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    1,
    MAX_K,
    MAX_K + 1,
    2 ** 53 - 1,
    2 ** 53,
    1e308,
    -1e-300,
    Number.NaN,
    Infinity,
    -Infinity,
    '',
    ' ',
    'a',
    'x'.repeat(201),
    '\u0000',
    'tab\there',
    '\u007f',
    '\u0085',
    '\ud800',
    '\udc00x',
    '😀',
    'é',
    '2024-05-01T12:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-05-01 12:00:00.123456789-23:59',
    '1970-01-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '+Inf',
    true,
    false,
    null,
    undefined,
    [],
    {},
    [1, 'a'],
    [Number.NaN],
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.jsonValue({ maxDepth: 2 }),
);

type Mutation =
  | { kind: 'set'; field: number; value: unknown }
  | { kind: 'delete'; field: number }
  | { kind: 'add'; name: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set'), field: fc.nat(), value: edgeValue }),
  fc.record({ kind: fc.constant('delete'), field: fc.nat() }),
  fc.record({
    kind: fc.constant('add'),
    name: fc.constantFrom(
      'ts',
      'seconds',
      'buckets',
      'count',
      'sum',
      'counts',
      'values',
      'reference',
      'dimensions',
      'm',
      'extra',
      '__proto__',
      'constructor',
      'type',
    ),
    value: edgeValue,
  }),
);

function mutate(signal: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  // Built with defineProperty so that `__proto__` becomes an own key, as JSON.parse makes it.
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(signal))
    Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  const fields = Object.keys(copy);
  if (m.kind === 'delete') delete copy[fields[m.field % fields.length]!];
  else {
    const key = m.kind === 'set' ? fields[m.field % fields.length]! : m.name;
    Object.defineProperty(copy, key, {
      value: m.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

describe('fastSignal', () => {
  it('accepts every valid signal of the common shapes, exactly as the schema does', () => {
    fc.assert(
      fc.property(validSignal, (signal) => {
        const fast = fastSignal(signal);
        expect(fast).toBeDefined();
        expect(fast).toStrictEqual(schemaSignal(signal));
      }),
      { numRuns: 2_000 },
    );
  });

  it('never accepts what the schema rejects, nor reads a signal differently (property)', () => {
    fc.assert(
      fc.property(validSignal, fc.array(mutation, { minLength: 1, maxLength: 3 }), (signal, mutations) => {
        agrees(mutations.reduce(mutate, signal));
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads names as the schema does: length, control characters, surrogates (property)', () => {
    const char = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('\u001f', ' ', '~', '\u007f', '\u0080', '\u009f', '\u00a0', '\ud800', '\udfff', '😀'),
    );
    const name = fc.oneof(
      fc.array(char, { maxLength: 6 }).map((chars) => chars.join('')),
      fc.integer({ min: 195, max: 205 }).map((n) => 'n'.repeat(n)),
    );
    fc.assert(
      fc.property(name, (text) => {
        agrees({ type: 'request', service: text, ok: true, seconds: 1 });
        agrees({ type: 'stream', service: 's', consumerGroup: text, lag: 0, consumeRate: 0, produceRate: 0 });
      }),
      { numRuns: 3_000 },
    );
  });

  it('agrees with the schema on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => agrees(value)),
      { numRuns: 1_000 },
    );
  });

  it.each<[string, unknown]>([
    [
      'a pre-aggregated histogram',
      { type: 'component_latency', service: 's', component: 'c', buckets: { '0.1': 1 }, count: 1, sum: 0.05 },
    ],
    ['categorical counts', { type: 'distribution', service: 's', feature: 'f', counts: { a: 1 } }],
    ['an unknown field', { type: 'request', service: 's', ok: true, seconds: 1, sercice: 's' }],
    ['an unsafe integer', { type: 'null_rate', service: 's', feature: 'f', nulls: 0, total: 2 ** 53 }],
    ['a control character in a name', { type: 'request', service: 'a\u0085b', ok: true, seconds: 1 }],
    ['a lone surrogate', { type: 'request', service: '\ud800', ok: true, seconds: 1 }],
    [
      'k above the exact ids',
      { type: 'recall_probe', service: 's', index: 'i', k: 3, retrieved: [], exact: [1, 2] },
    ],
    ['a negative time', { type: 'request', service: 's', ok: true, seconds: 1, ts: -1 }],
    [
      'an impossible date',
      { type: 'request', service: 's', ok: true, seconds: 1, ts: '2024-02-30T00:00:00Z' },
    ],
    ['an unknown type', { type: 'requests', service: 's', ok: true, seconds: 1 }],
    ['a list', [{ type: 'request' }]],
  ])('leaves %s to the schema', (_, value) => {
    expect(fastSignal(value)).toBeUndefined();
  });

  it('leaves types named like Object members to the schema', () => {
    for (const type of ['toString', '__proto__', 'constructor', 'hasOwnProperty'])
      expect(fastSignal({ type, service: 'recs-api' })).toBeUndefined();
  });

  it('reads RFC 3339 times into milliseconds on a copy, leaving the parsed body alone', () => {
    const body = JSON.parse(
      '{"type":"feature_value","service":"s","feature":"f","ts":"2026-01-15T12:00:00Z","eventTime":"2026-01-15T11:59:59.5Z"}',
    ) as Record<string, unknown>;
    expect(fastSignal(body)).toStrictEqual({
      type: 'feature_value',
      service: 's',
      feature: 'f',
      ts: Date.UTC(2026, 0, 15, 12),
      eventTime: Date.UTC(2026, 0, 15, 11, 59, 59, 500),
    });
    expect(body.ts).toBe('2026-01-15T12:00:00Z');
    const plain = { type: 'request', service: 'é', ok: false, seconds: 0 };
    expect(fastSignal(plain)).toBe(plain);
  });
});
