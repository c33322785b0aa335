// The ingest contract: one zod schema per signal type, a discriminated union on `type`. Field names are
// public (docs/api.md, "Ingest"); every object is strict so a misspelt field is an error, not a silent
// default. Messages are written as "expected …" so the formatter can append what was received.
import { z } from 'zod';
import { preview, type IngestProblem } from './errors.js';

/** Longest service, feature, component, index, consumer group or category name. */
export const MAX_NAME_LENGTH = 200;
/** Longest list of values, ids or categories in one signal. */
export const MAX_ITEMS = 100_000;
/** Largest k of a recall probe (as in the SLA spec). */
export const MAX_K = 10_000;

// C0 and C1 control characters and DEL: they break label values and log lines.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A lone UTF-16 surrogate (JSON can escape one) is not a character and cannot be written as UTF-8.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True for a string usable as a label value: 1–200 characters, no control characters, valid Unicode. */
export function isLabelSafe(value: string): boolean {
  return (
    value.length > 0 && value.length <= MAX_NAME_LENGTH && !CONTROL.test(value) && !LONE_SURROGATE.test(value)
  );
}

const NAME_MESSAGE = `expected a non-empty string of at most ${MAX_NAME_LENGTH} characters without control characters`;

function name() {
  return z
    .string({ error: NAME_MESSAGE })
    .refine(isLabelSafe, { error: NAME_MESSAGE, abort: true }) as z.ZodType<string, string>;
}

function nonNegative() {
  const error = 'expected a number ≥ 0';
  return z.number({ error }).min(0, { error });
}

function nonNegativeInt() {
  const error = 'expected an integer ≥ 0';
  return z.number({ error }).int({ error }).min(0, { error });
}

function positiveInt(max?: number) {
  const error = max === undefined ? 'expected an integer ≥ 1' : `expected an integer from 1 to ${max}`;
  const base = z.number({ error }).int({ error }).min(1, { error });
  return max === undefined ? base : base.max(max, { error });
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch of an RFC 3339 time (`2024-05-01T12:00:00.250Z`), or undefined. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date.UTC silently rolls 2024-02-30 over to March; RFC 3339 does not.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const fraction = m[7] === undefined ? 0 : Math.floor(Number(m[7]) * 1000);
  let ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) + fraction;
  if (m[9] !== undefined) {
    const offset = (Number(m[10]) * 60 + Number(m[11])) * 60_000;
    if (Number(m[10]) > 23 || Number(m[11]) > 59) return undefined;
    ms += m[9] === '+' ? -offset : offset;
  }
  return ms;
}

const TIME_MESSAGE =
  'expected milliseconds since the epoch (a number) or an RFC 3339 time such as "2024-05-01T12:00:00Z"';

/** A time: ms since the epoch or an RFC 3339 string, normalised to ms. */
function time() {
  return z
    .custom<number | string>(
      (v) =>
        (typeof v === 'number' && Number.isFinite(v) && v >= 0) ||
        (typeof v === 'string' && parseRfc3339(v) !== undefined),
      { error: TIME_MESSAGE },
    )
    .transform((v) => (typeof v === 'number' ? v : (parseRfc3339(v) as number)));
}

const base = {
  service: name(),
  ts: time().optional(),
};

export const requestSchema = z.strictObject({
  type: z.literal('request'),
  ...base,
  ok: z.boolean({ error: 'expected true or false' }),
  seconds: nonNegative(),
});

const bucketBound = z.string().refine((key) => parseBucketBound(key) !== undefined, {
  error: 'expected an upper bound in seconds ("0.05", "1", "+Inf")',
});

/** Parses a pre-aggregated bucket key: a number ≥ 0 in seconds or `+Inf`. */
export function parseBucketBound(key: string): number | undefined {
  if (key === '+Inf' || key === 'Inf' || key === 'inf' || key === '+inf') return Infinity;
  if (key.trim() !== key || key === '') return undefined;
  const value = Number(key);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

export const componentLatencySchema = z
  .strictObject({
    type: z.literal('component_latency'),
    ...base,
    component: name(),
    seconds: nonNegative().optional(),
    buckets: z.record(bucketBound, nonNegativeInt()).optional(),
    count: nonNegativeInt().optional(),
    sum: nonNegative().optional(),
  })
  .superRefine((s, ctx) => {
    const aggregated = s.buckets !== undefined || s.count !== undefined || s.sum !== undefined;
    if (s.seconds !== undefined) {
      if (aggregated) {
        ctx.addIssue({
          code: 'custom',
          message:
            'give either seconds (one observation) or buckets, count and sum (pre-aggregated), not both',
          path: ['seconds'],
        });
      }
      return;
    }
    if (!aggregated) {
      ctx.addIssue({
        code: 'custom',
        message: 'missing seconds (one observation) or buckets, count and sum (pre-aggregated)',
        path: ['seconds'],
      });
      return;
    }
    for (const field of ['buckets', 'count', 'sum'] as const) {
      if (s[field] === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `missing ${field}: the pre-aggregated form needs buckets, count and sum`,
          path: [field],
        });
      }
    }
    if (s.buckets !== undefined && s.count !== undefined) {
      let total = 0;
      for (const key in s.buckets) total += s.buckets[key]!;
      if (total !== s.count) {
        ctx.addIssue({
          code: 'custom',
          message: `bucket counts add up to ${total}, not count ${s.count} (buckets are per bucket, not cumulative)`,
          path: ['count'],
        });
      }
    }
  });

export const featureValueSchema = z.strictObject({
  type: z.literal('feature_value'),
  ...base,
  feature: name(),
  eventTime: time(),
});

export const nullRateSchema = z
  .strictObject({
    type: z.literal('null_rate'),
    ...base,
    feature: name(),
    nulls: nonNegativeInt(),
    total: nonNegativeInt(),
  })
  .superRefine((s, ctx) => {
    if (s.nulls > s.total) {
      ctx.addIssue({
        code: 'custom',
        message: `nulls (${s.nulls}) exceeds total (${s.total})`,
        path: ['nulls'],
      });
    }
  });

const finite = z.number({ error: 'expected a number' });

export const distributionSchema = z
  .strictObject({
    type: z.literal('distribution'),
    ...base,
    feature: name(),
    values: z
      .array(finite, { error: 'expected a list of numbers' })
      .min(1, { error: 'expected a non-empty list of numbers' })
      .max(MAX_ITEMS, { error: `expected at most ${MAX_ITEMS} values` })
      .optional(),
    counts: z
      .record(
        z.string().refine(isLabelSafe, { error: `expected a category name (${NAME_MESSAGE})` }),
        nonNegative(),
        { error: 'expected an object of category → count' },
      )
      .optional(),
    reference: z.boolean({ error: 'expected true or false' }).optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.values === undefined) === (s.counts === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          s.values === undefined
            ? 'missing values (numbers) or counts (category → count)'
            : 'give either values or counts, not both',
        path: ['values'],
      });
      return;
    }
    if (s.counts !== undefined) {
      const size = Object.keys(s.counts).length;
      if (size === 0) {
        ctx.addIssue({ code: 'custom', message: 'counts has no categories', path: ['counts'] });
      } else if (size > MAX_ITEMS) {
        ctx.addIssue({
          code: 'custom',
          message: `counts has more than ${MAX_ITEMS} categories`,
          path: ['counts'],
        });
      }
    }
  });

export const streamSchema = z.strictObject({
  type: z.literal('stream'),
  ...base,
  consumerGroup: name(),
  lag: nonNegative(),
  consumeRate: nonNegative(),
  produceRate: nonNegative(),
});

const id = z.union([z.string(), z.number()], { error: 'expected an id (a string or a number)' });
const ids = z
  .array(id, { error: 'expected a list of ids' })
  .max(MAX_ITEMS, { error: `expected at most ${MAX_ITEMS} ids` });

export const recallProbeSchema = z
  .strictObject({
    type: z.literal('recall_probe'),
    ...base,
    index: name(),
    k: positiveInt(MAX_K),
    retrieved: ids,
    exact: ids,
  })
  .superRefine((s, ctx) => {
    if (s.exact.length < s.k) {
      ctx.addIssue({
        code: 'custom',
        message: `exact has ${s.exact.length} ids, fewer than k (${s.k}): recall@k needs the exact top-k`,
        path: ['exact'],
      });
    }
  });

export const indexStatsSchema = z
  .strictObject({
    type: z.literal('index_stats'),
    ...base,
    index: name(),
    vectors: nonNegativeInt(),
    tombstones: nonNegativeInt(),
    dimensions: positiveInt().optional(),
    m: positiveInt().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.tombstones > s.vectors) {
      ctx.addIssue({
        code: 'custom',
        message: `tombstones (${s.tombstones}) exceeds vectors (${s.vectors}); vectors counts tombstoned ones too`,
        path: ['tombstones'],
      });
    }
  });

/** Every signal schema by its `type`. */
export const SIGNAL_SCHEMAS = {
  request: requestSchema,
  component_latency: componentLatencySchema,
  feature_value: featureValueSchema,
  null_rate: nullRateSchema,
  distribution: distributionSchema,
  stream: streamSchema,
  recall_probe: recallProbeSchema,
  index_stats: indexStatsSchema,
} as const;

export type SignalType = keyof typeof SIGNAL_SCHEMAS;
export const SIGNAL_TYPES = Object.keys(SIGNAL_SCHEMAS) as SignalType[];

/** The discriminated union of all signals (the contract as one schema). */
export const signalSchema = z.discriminatedUnion('type', [
  requestSchema,
  componentLatencySchema,
  featureValueSchema,
  nullRateSchema,
  distributionSchema,
  streamSchema,
  recallProbeSchema,
  indexStatsSchema,
]);

/** A validated signal; `ts` and `eventTime` are ms since the epoch. */
export type Signal = z.output<typeof signalSchema>;
export type RequestSignal = z.output<typeof requestSchema>;
export type ComponentLatencySignal = z.output<typeof componentLatencySchema>;
export type FeatureValueSignal = z.output<typeof featureValueSchema>;
export type NullRateSignal = z.output<typeof nullRateSchema>;
export type DistributionSignal = z.output<typeof distributionSchema>;
export type StreamSignal = z.output<typeof streamSchema>;
export type RecallProbeSignal = z.output<typeof recallProbeSchema>;
export type IndexStatsSignal = z.output<typeof indexStatsSchema>;

/** Where a signal sits in the body, for messages: `signals[3]` or `line 4`. */
export interface SignalPosition {
  index: number;
  line?: number | undefined;
}

/** `signals[3]` for JSON bodies and API calls, `line 4` for NDJSON. */
export function positionLabel(pos: SignalPosition): string {
  return pos.line === undefined ? `signals[${pos.index}]` : `line ${pos.line}`;
}

/** `signals[3].seconds` / `line 4: seconds`; `field` may be empty for the signal itself. */
export function fieldLabel(pos: SignalPosition, field: string): string {
  if (field === '') return positionLabel(pos);
  return pos.line === undefined ? `signals[${pos.index}]${fieldSuffix(field)}` : `line ${pos.line}: ${field}`;
}

function fieldSuffix(field: string): string {
  return field.startsWith('[') ? field : `.${field}`;
}

function joinPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function problem(pos: SignalPosition, field: string, message: string): IngestProblem {
  const out: IngestProblem = { message: `${fieldLabel(pos, field)}: ${message}`, index: pos.index };
  if (pos.line !== undefined) out.line = pos.line;
  if (field !== '') out.field = field;
  return out;
}

/** Known fields of a signal type, for "unknown field" hints. */
function fieldsOf(type: SignalType): string[] {
  const schema = SIGNAL_SCHEMAS[type] as unknown as {
    shape?: Record<string, unknown>;
    _zod: { def: { in?: { shape?: Record<string, unknown> }; schema?: { shape?: Record<string, unknown> } } };
  };
  const shape = schema.shape ?? schema._zod.def.in?.shape ?? schema._zod.def.schema?.shape ?? {};
  return Object.keys(shape).sort();
}

const FIELDS_CACHE = new Map<SignalType, string>();
function fieldList(type: SignalType): string {
  let list = FIELDS_CACHE.get(type);
  if (list === undefined) {
    list = fieldsOf(type).join(', ');
    FIELDS_CACHE.set(type, list);
  }
  return list;
}

const TYPE_LIST = SIGNAL_TYPES.map((t) => `"${t}"`).join(', ');

/** The result of validating one raw signal. */
export type SignalResult = { ok: true; signal: Signal } | { ok: false; problems: IngestProblem[] };

/** Validates one raw signal, describing every problem with its position and field. */
export function validateSignal(input: unknown, pos: SignalPosition): SignalResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, problems: [problem(pos, '', `expected a signal object, got ${preview(input)}`)] };
  }
  const type = (input as { type?: unknown }).type;
  const schema = typeof type === 'string' ? SIGNAL_SCHEMAS[type as SignalType] : undefined;
  if (schema === undefined || !Object.hasOwn(SIGNAL_SCHEMAS, type as string)) {
    const message =
      type === undefined
        ? `missing (expected one of ${TYPE_LIST})`
        : `expected one of ${TYPE_LIST}, got ${preview(type)}`;
    return { ok: false, problems: [problem(pos, 'type', message)] };
  }
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, signal: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => describeIssue(issue, input, pos, type as SignalType)),
  };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  input: unknown,
  pos: SignalPosition,
  type: SignalType,
): IngestProblem {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      const field = issue.keys.length === 1 ? issue.keys[0]! : '';
      const p = problem(
        pos,
        joinPath(path),
        `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys} (${type} signals have ${fieldList(type)})`,
      );
      if (field !== '') p.field = joinPath([...path, field]);
      return p;
    }
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? 'invalid key';
      const key = path[path.length - 1];
      return problem(pos, joinPath(path.slice(0, -1)), `${inner}, got key ${preview(key)}`);
    }
    default: {
      // Refinements that explain the problem themselves are used as they are; messages that say what
      // was expected get what was received appended.
      if (issue.code === 'custom' && !issue.message.startsWith('expected')) {
        return problem(pos, joinPath(path), issue.message);
      }
      const value = valueAt(input, path);
      const message =
        value === undefined ? `missing (${issue.message})` : `${issue.message}, got ${preview(value)}`;
      return problem(pos, joinPath(path), message);
    }
  }
}
