// The runbook front matter as Zod schemas: types, units and unknown keys. Cross-field rules (slots and
// params, anchored patterns, kind-specific fields, known alerts) are in runbook-checks.ts.
import { z } from 'zod';
import { formatDuration } from '../lib/units.js';
import { duration, type IssueParams } from '../sla/schema.js';

/** Runbook and action ids: kebab-case, as in compile/failure-modes.ts. */
export const ID_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Prometheus label names. */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Alert names as the compiler writes them (metric-name style). */
export const ALERT_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Param names: what goes between the braces of a `{slot}`. */
export const PARAM_NAME_PATTERN = /^[a-z_][a-z0-9_]*$/;
/** Names of configured remediation targets. */
export const TARGET_PATTERN = /^[a-z][a-z0-9-]*$/;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What an action gets when its front matter leaves a guard rail out. */
export const ACTION_DEFAULTS = {
  cooldownMs: 15 * MINUTE,
  maxRuns: { count: 3, windowMs: HOUR },
  timeoutMs: 30_000,
  retries: { max: 2, backoffMs: 5_000, maxBackoffMs: MINUTE },
} as const;

function fail(ctx: z.core.$RefinementCtx, input: unknown, message: string, params: IssueParams): void {
  ctx.addIssue({ code: 'custom', message, input, params });
}

/** A duration no longer than `maxMs`. */
function boundedDuration(maxMs: number, description: string) {
  return duration({ description }).transform((ms, ctx) => {
    if (ms > maxMs) {
      fail(ctx, ms, `${description} may be at most ${formatDuration(maxMs)}`, { code: 'out_of_range' });
      return z.NEVER;
    }
    return ms;
  });
}

const named = (pattern: RegExp, what: string) =>
  z.string().regex(pattern, { error: `is not a valid ${what}` });

const alertName = named(ALERT_NAME_PATTERN, 'alert name');

/** A trigger written as a mapping: an alert name and labels the alert must carry (exact values). */
export const triggerSchema = z.strictObject({
  alert: alertName,
  labels: z.record(named(LABEL_NAME_PATTERN, 'label name'), z.string().min(1)).optional(),
});

const paramSchema = z.strictObject({
  label: named(LABEL_NAME_PATTERN, 'label name'),
  pattern: z.string().min(1),
});

/** One action as written. Kind-specific fields are all optional here; runbook-checks.ts pairs them. */
export const actionSchema = z.strictObject({
  id: named(ID_PATTERN, 'action id (kebab-case)'),
  title: z.string().trim().min(1),
  description: z.string().trim().min(1).optional(),
  kind: z.enum(['http', 'command']),
  target: named(TARGET_PATTERN, 'target name').optional(),
  method: z.enum(HTTP_METHODS).optional(),
  path: z.string().min(1).optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  argv: z.array(z.string()).min(1).optional(),
  params: z.record(named(PARAM_NAME_PATTERN, 'param name'), paramSchema).optional(),
  alerts: z.array(alertName).min(1).optional(),
  auto: z.boolean().optional(),
  approval: z.enum(['required', 'none']).optional(),
  cooldown: boundedDuration(7 * DAY, 'cooldown').optional(),
  maxRuns: z
    .strictObject({
      count: z.number().int().min(1).max(100),
      window: boundedDuration(7 * DAY, 'maxRuns window'),
    })
    .optional(),
  timeout: boundedDuration(HOUR, 'timeout').optional(),
  retries: z
    .strictObject({
      max: z.number().int().min(0).max(10).optional(),
      backoff: boundedDuration(HOUR, 'retry backoff').optional(),
      maxBackoff: boundedDuration(HOUR, 'retry maxBackoff').optional(),
    })
    .optional(),
  verify: z
    .strictObject({
      alert: alertName,
      within: boundedDuration(DAY, 'verify deadline'),
    })
    .optional(),
});

export type ActionInput = z.output<typeof actionSchema>;

/** The front matter without its actions, which are validated one by one. */
export const headerSchema = z.strictObject({
  id: named(ID_PATTERN, 'runbook id (kebab-case)'),
  title: z.string().trim().min(1),
  triggers: z.array(z.unknown()).optional(),
  actions: z.array(z.unknown()).optional(),
});

export type HeaderInput = z.output<typeof headerSchema>;

/** The whole front matter, used to find the keys allowed at a path for "did you mean" hints. */
export const frontMatterSchema = headerSchema.extend({
  triggers: z.array(triggerSchema).optional(),
  actions: z.array(actionSchema).optional(),
});
