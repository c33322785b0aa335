// The Alertmanager webhook payload (version 4) and its validation. Everything in it is untrusted: the
// structure is checked strictly enough to name the field at fault, each alert on its own so one bad
// alert does not cost the others, and labels are bounded in number and size before anything is stored.
// Payload reference: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
import { z } from 'zod';
import { ALERT_NAME_PATTERN, LABEL_NAME_PATTERN } from './runbook-schema.js';

/** One alert of a webhook notification, as Alertmanager sends it. */
export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339; `0001-01-01T00:00:00Z` while the alert fires. */
  endsAt: string;
  generatorURL: string;
  /** Alertmanager's hash of the label set. */
  fingerprint: string;
}

/** The webhook body, version 4. */
export interface AlertmanagerWebhook {
  version: '4';
  /** Identifies the alert group (for deduplication on the sender's side). */
  groupKey: string;
  /** How many alerts `max_alerts` left out. */
  truncatedAlerts?: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** An alert in slactl's own shape: what both Alertmanager and the embedded evaluator deliver. */
export interface InboundAlert {
  status: 'firing' | 'resolved';
  /** Every label, `alertname` included. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /**
   * When the episode started (ms). Absent only on a resolved alert from a sender that does not know
   * it (an evaluator transition): then every firing episode of the label set is resolved.
   */
  startsAt?: number;
  /** When it ended (resolved alerts). */
  endsAt?: number;
  /** The sender's own fingerprint, kept for cross-reference (never trusted as a key). */
  sourceFingerprint?: string;
}

/** Limits on one notification; Alertmanager's own defaults stay far below them. */
export const WEBHOOK_LIMITS = {
  maxAlerts: 1_000,
  maxLabels: 64,
  maxLabelValueLength: 1_024,
  maxAnnotations: 64,
  maxAnnotationValueLength: 16_384,
} as const;

export interface WebhookProblem {
  /** Path in the body: `alerts[3].labels.index`, `version`. */
  field: string;
  message: string;
}

/** An alert of the payload that was left out, and why. */
export interface RejectedAlert {
  index: number;
  problems: WebhookProblem[];
}

export type WebhookResult =
  | {
      ok: true;
      meta: { groupKey: string; receiver: string; truncatedAlerts: number };
      alerts: Array<{ index: number; alert: InboundAlert }>;
      rejected: RejectedAlert[];
    }
  | { ok: false; problems: WebhookProblem[] };

// RFC 3339 with any number of fractional digits (Alertmanager writes nanoseconds).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
/** Go's zero time: what Alertmanager puts in `endsAt` of a firing alert. */
const ZERO_TIME_MS = -62_135_596_800_000;

const envelope = z.looseObject({
  version: z.literal('4', { error: 'expected "4" (the webhook payload version this receiver reads)' }),
  groupKey: z
    .string({ error: 'expected a string' })
    .max(4096, { error: 'longer than 4096 characters' })
    .optional(),
  truncatedAlerts: z.number({ error: 'expected a number' }).int().min(0).optional(),
  status: z.enum(['firing', 'resolved'], { error: 'expected "firing" or "resolved"' }).optional(),
  receiver: z
    .string({ error: 'expected a string' })
    .max(1024, { error: 'longer than 1024 characters' })
    .optional(),
  alerts: z.array(z.unknown(), { error: 'expected a list of alerts' }).max(WEBHOOK_LIMITS.maxAlerts, {
    error: `more than ${WEBHOOK_LIMITS.maxAlerts} alerts in one notification`,
  }),
});

function pathOf(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

/** A short, escaped rendering of an untrusted value for a message (never the whole of a long one). */
export function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(cut);
}

function stringMap(
  value: unknown,
  field: string,
  limits: { maxEntries: number; maxValueLength: number; namePattern?: RegExp },
  problems: WebhookProblem[],
): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ field, message: 'expected an object of string values' });
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > limits.maxEntries) {
    problems.push({ field, message: `more than ${limits.maxEntries} entries` });
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, v] of entries) {
    const at = `${field}.${name}`;
    if (limits.namePattern !== undefined && !limits.namePattern.test(name)) {
      problems.push({
        field: `${field}[${preview(name)}]`,
        message: `${preview(name)} is not a valid label name`,
      });
      continue;
    }
    if (typeof v !== 'string') {
      problems.push({ field: at, message: `expected a string, got ${v === null ? 'null' : typeof v}` });
      continue;
    }
    if (v.length > limits.maxValueLength) {
      problems.push({
        field: at,
        message: `value is ${v.length} characters, more than ${limits.maxValueLength}`,
      });
      continue;
    }
    out[name] = v;
  }
  return out;
}

function time(value: unknown, field: string, problems: WebhookProblem[]): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    problems.push({ field, message: `expected an RFC 3339 time, got ${preview(value)}` });
    return undefined;
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    problems.push({ field, message: `expected an RFC 3339 time, got ${preview(value)}` });
    return undefined;
  }
  return ms;
}

/** Validates one alert of the payload; problems name fields as `alerts[<index>].…`. */
function parseAlert(value: unknown, index: number): { alert?: InboundAlert; problems: WebhookProblem[] } {
  const base = `alerts[${index}]`;
  const problems: WebhookProblem[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ field: base, message: 'expected an alert object' }] };
  }
  const a = value as Record<string, unknown>;
  if (a.status !== 'firing' && a.status !== 'resolved') {
    problems.push({
      field: `${base}.status`,
      message: `expected "firing" or "resolved", got ${preview(a.status)}`,
    });
  }
  const labels = stringMap(
    a.labels,
    `${base}.labels`,
    {
      maxEntries: WEBHOOK_LIMITS.maxLabels,
      maxValueLength: WEBHOOK_LIMITS.maxLabelValueLength,
      namePattern: LABEL_NAME_PATTERN,
    },
    problems,
  );
  if (a.labels === undefined) {
    problems.push({ field: `${base}.labels`, message: 'missing: every alert has labels' });
  } else if (labels.alertname === undefined) {
    if (!problems.some((p) => p.field === `${base}.labels.alertname` || p.field === `${base}.labels`)) {
      problems.push({
        field: `${base}.labels.alertname`,
        message: 'missing: every alert has an alertname label',
      });
    }
  } else if (!ALERT_NAME_PATTERN.test(labels.alertname)) {
    problems.push({
      field: `${base}.labels.alertname`,
      message: `${preview(labels.alertname)} is not a valid alert name`,
    });
  }
  const annotations = stringMap(
    a.annotations,
    `${base}.annotations`,
    { maxEntries: WEBHOOK_LIMITS.maxAnnotations, maxValueLength: WEBHOOK_LIMITS.maxAnnotationValueLength },
    problems,
  );
  const startsAt = time(a.startsAt, `${base}.startsAt`, problems);
  if (startsAt !== undefined && startsAt <= ZERO_TIME_MS) {
    problems.push({ field: `${base}.startsAt`, message: 'the zero time is not a start time' });
  }
  let endsAt: number | undefined;
  if (a.endsAt !== undefined && a.endsAt !== null && a.endsAt !== '') {
    endsAt = time(a.endsAt, `${base}.endsAt`, problems);
    if (endsAt !== undefined && endsAt <= ZERO_TIME_MS) endsAt = undefined;
  }
  let sourceFingerprint: string | undefined;
  if (a.fingerprint !== undefined) {
    if (typeof a.fingerprint !== 'string' || !/^[0-9a-fA-F]{1,64}$/.test(a.fingerprint)) {
      problems.push({
        field: `${base}.fingerprint`,
        message: `expected a hex fingerprint, got ${preview(a.fingerprint)}`,
      });
    } else {
      sourceFingerprint = a.fingerprint.toLowerCase();
    }
  }
  if (problems.length > 0 || startsAt === undefined) return { problems };
  return {
    problems,
    alert: {
      status: a.status as 'firing' | 'resolved',
      labels,
      annotations,
      startsAt,
      ...(a.status === 'resolved' && endsAt !== undefined ? { endsAt } : {}),
      ...(sourceFingerprint !== undefined ? { sourceFingerprint } : {}),
    },
  };
}

/**
 * Validates a webhook body. A malformed envelope (not version 4, no alert list) fails whole; each
 * alert is then checked on its own, and a bad one is reported in `rejected` while the others proceed.
 */
export function parseWebhook(body: unknown): WebhookResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      problems: [{ field: '', message: 'expected a JSON object (an Alertmanager webhook payload)' }],
    };
  }
  const parsed = envelope.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const field = pathOf(issue.path);
        const missing =
          issue.code === 'invalid_type' && (body as Record<string, unknown>)[field] === undefined;
        return { field, message: missing ? 'missing' : issue.message };
      }),
    };
  }
  const alerts: Array<{ index: number; alert: InboundAlert }> = [];
  const rejected: RejectedAlert[] = [];
  parsed.data.alerts.forEach((value, index) => {
    const { alert, problems } = parseAlert(value, index);
    if (alert !== undefined) alerts.push({ index, alert });
    else rejected.push({ index, problems });
  });
  return {
    ok: true,
    meta: {
      groupKey: parsed.data.groupKey ?? '',
      receiver: parsed.data.receiver ?? '',
      truncatedAlerts: parsed.data.truncatedAlerts ?? 0,
    },
    alerts,
    rejected,
  };
}
