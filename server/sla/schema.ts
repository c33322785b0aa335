// The SLA spec v1 as a Zod schema: the single source of validation, of the typed model and of
// slas/schema.json. Unit-bearing fields accept what people write (`100ms`, `99.9%`) and yield numbers.
import { z } from 'zod';
import { parseDuration, parseRatio } from '../lib/units.js';

export const API_VERSION = 'slactl/v1';
export const KIND = 'SLA';
export const TIERS = ['near-real-time', 'low-latency', 'streaming'] as const;

/** Metadata attached to a custom Zod issue so diagnostics can carry a stable code and a hint. */
export interface IssueParams {
  code: string;
  hint?: string;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
/** Values that end up in Prometheus label values, PromQL strings and alert templates. */
const IDENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
const COMPONENT_PATTERN = /^[a-z][a-z0-9_]*$/;
const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function fail(ctx: z.core.$RefinementCtx, input: unknown, message: string, params: IssueParams): void {
  ctx.addIssue({ code: 'custom', message, input, params });
}

/** A duration (`250ms`, `1.5s`, `5m`, `1h30m`), yielding milliseconds. */
export function duration(options: { min?: number; description?: string } = {}) {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const parsed = parseDuration(value);
      if (!parsed.ok) {
        fail(ctx, value, parsed.message, { code: 'bad_unit', ...(parsed.hint ? { hint: parsed.hint } : {}) });
        return z.NEVER;
      }
      if (parsed.value <= 0) {
        fail(ctx, value, `duration must be greater than zero`, { code: 'out_of_range' });
        return z.NEVER;
      }
      return parsed.value;
    })
    .meta({
      slactlUnit: 'duration',
      description: options.description ?? 'A duration: 250ms, 1.5s, 5m, 1h, 30d',
    });
}

/** A ratio (`99.9%` or `0.999`) within the given bounds, yielding a number. */
export function ratio(options: {
  exclusiveMin: boolean;
  exclusiveMax: boolean;
  description: string;
  outOfRange?: (value: number) => IssueParams & { message: string };
}) {
  return z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const parsed = parseRatio(value);
      if (!parsed.ok) {
        fail(ctx, value, parsed.message, { code: 'bad_unit', ...(parsed.hint ? { hint: parsed.hint } : {}) });
        return z.NEVER;
      }
      const v = parsed.value;
      const low = options.exclusiveMin ? v <= 0 : v < 0;
      const high = options.exclusiveMax ? v >= 1 : v > 1;
      if (low || high) {
        const custom = options.outOfRange?.(v);
        if (custom) {
          const { message, ...params } = custom;
          fail(ctx, value, message, params);
        } else {
          const range = `${options.exclusiveMin ? '(' : '['}0, 1${options.exclusiveMax ? ')' : ']'}`;
          fail(ctx, value, `ratio ${v} is outside ${range}`, { code: 'out_of_range' });
        }
        return z.NEVER;
      }
      return v;
    })
    .meta({ slactlUnit: 'ratio', description: options.description });
}

function ident(description: string) {
  return z
    .string()
    .regex(IDENT_PATTERN, {
      error: `must start with a letter or digit and contain only letters, digits and _ . : / -`,
    })
    .describe(description);
}

const objective = ratio({
  exclusiveMin: true,
  exclusiveMax: true,
  description: 'Target share of good events: 99.9% or 0.999; strictly between 0% and 100%.',
  outOfRange: (v) =>
    v >= 1
      ? {
          code: 'no_error_budget',
          message: 'an objective of 100% leaves no error budget: every failure breaches it',
          hint: 'pick what the service can afford to miss, e.g. 99.9%',
        }
      : { code: 'no_error_budget', message: 'an objective of 0% or less is met by any service' },
});

const latencySli = z
  .strictObject({
    histogram: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: 'must be a Prometheus metric name' })
      .describe(
        'Base name of a classic Prometheus histogram (without _bucket); its le buckets must include the thresholds.',
      ),
    selector: z
      .string()
      .optional()
      .describe('Label matchers selecting the service\'s series, e.g. job="recs".'),
  })
  .describe("The team's own latency histogram instead of the collector's.");

const availabilitySli = z
  .strictObject({
    errors: z.string().describe('PromQL for the rate of failed events; {{window}} stands for the range.'),
    total: z.string().describe('PromQL for the rate of all events; {{window}} stands for the range.'),
  })
  .describe("The team's own availability metrics instead of the collector's.");

const componentName = z.string().regex(COMPONENT_PATTERN, {
  error: 'must be snake_case: a lower-case letter, then lower-case letters, digits or _',
});

export const slaSchema = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).describe('Always slactl/v1.'),
    kind: z.literal(KIND).describe('Always SLA.'),
    metadata: z.strictObject({
      name: z
        .string()
        .regex(NAME_PATTERN, { error: 'must match ^[a-z][a-z0-9-]*$ (lower case, digits, dashes)' })
        .describe('Unique name across all SLA files.'),
      service: ident('The `service` label on every signal and alert.'),
      owner: z.string().min(1).optional().describe('Owning team.'),
      tier: z.enum(TIERS).describe('Serving tier: near-real-time, low-latency or streaming.'),
      labels: z
        .record(
          z.string().regex(LABEL_NAME_PATTERN, { error: 'must be a Prometheus label name' }),
          z.string(),
        )
        .optional()
        .describe('Copied onto every alert.'),
    }),
    spec: z.strictObject({
      window: duration({ description: 'SLO period (default 30d).' }).optional(),
      latency: z
        .strictObject({
          p99: duration({ description: '99% of requests complete within this.' }),
          p999: duration({ description: '99.9% of requests complete within this; >= p99.' }).optional(),
          budget: z
            .record(componentName, duration())
            .optional()
            .describe(
              'Serving-path components in order and their share of the p99; the sum must fit in p99.',
            ),
          sli: latencySli.optional(),
        })
        .optional(),
      availability: z
        .strictObject({
          objective,
          sli: availabilitySli.optional(),
        })
        .optional(),
      freshness: z
        .array(
          z.strictObject({
            feature: ident('Feature name.'),
            maxAge: duration({ description: 'Older than this: stale (alert).' }),
            fallbackAfter: duration({
              description: 'Older than this: serve the fallback (critical); > maxAge.',
            }).optional(),
          }),
        )
        .optional(),
      recall: z
        .array(
          z.strictObject({
            index: ident('Vector index name.'),
            k: z.number().int().min(1).max(10_000).describe('The k of recall@k.'),
            min: ratio({
              exclusiveMin: true,
              exclusiveMax: false,
              description: 'Recall@k floor: 0 < min <= 1.',
            }),
            maxTombstoneRatio: ratio({
              exclusiveMin: true,
              exclusiveMax: true,
              description: 'Tombstoned share of the index that warns before recall drops.',
            }).optional(),
            minProbes: z
              .number()
              .int()
              .min(1)
              .optional()
              .describe('Probes needed in the window before recall is judged (default 20).'),
          }),
        )
        .optional(),
      signals: z
        .strictObject({
          nullRate: z
            .strictObject({
              max: ratio({
                exclusiveMin: true,
                exclusiveMax: true,
                description: 'Highest acceptable null rate.',
              }),
            })
            .optional(),
          drift: z
            .strictObject({
              psi: z
                .number()
                .positive()
                .describe('PSI above which the distribution has drifted (0.2 is customary).'),
            })
            .optional(),
          streamLag: z
            .array(
              z.strictObject({
                consumerGroup: ident('Consumer group name.'),
                maxCatchUp: duration({ description: 'Longest acceptable time to drain the lag.' }),
              }),
            )
            .optional(),
        })
        .optional(),
    }),
  })
  .describe('A slactl SLA: latency, availability, freshness and recall objectives for one service.');

/** The parsed SLA input, units resolved: durations in milliseconds, ratios as numbers. */
export type SlaDocument = z.output<typeof slaSchema>;

/** Builds the JSON Schema for editors from the Zod schema (input shapes: strings with units). */
export function slaJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(slaSchema, {
    io: 'input',
    target: 'draft-7',
    override: (ctx) => {
      const unit = (ctx.jsonSchema as { slactlUnit?: string }).slactlUnit;
      if (unit === undefined) return;
      const description = ctx.jsonSchema.description;
      for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[key];
      if (unit === 'duration') {
        Object.assign(ctx.jsonSchema, {
          type: 'string',
          pattern: '^(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$',
          examples: ['100ms', '1.5s', '5m', '30d'],
        });
      } else {
        Object.assign(ctx.jsonSchema, {
          anyOf: [
            { type: 'string', pattern: '^\\d+(\\.\\d+)?%$' },
            { type: 'number', minimum: 0, maximum: 1 },
          ],
          examples: ['99.9%', 0.999],
        });
      }
      if (description !== undefined) ctx.jsonSchema.description = description;
    },
  });
  return { ...schema, title: 'slactl SLA (apiVersion slactl/v1)' };
}
