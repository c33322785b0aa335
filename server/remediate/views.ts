// What the API, the dashboard and SSE see of a run: times as RFC 3339, the request as it is (or would
// be) sent with secrets masked, and the timeline of transitions and attempts.
import {
  RUN_STATES,
  type AttemptRow,
  type RunRow,
  type RunState,
  type TransitionRow,
} from '../store/runs-rows.js';
import { RemediationError } from './errors.js';
import type { RenderedAction } from './template.js';
import type { Targets } from './targets.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A run as listed and pushed over SSE. */
export interface RunView {
  id: string;
  runbook: string;
  action: string;
  state: RunState;
  trigger: 'alert' | 'manual';
  alert: { alertname: string | null; fingerprint: string; startsAt: string; labels: Record<string, string> };
  idempotencyKey: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  attemptCount: number;
  interruptions: number;
  nextAt: string | null;
  verifyDeadline: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  cancelRequestedBy: string | null;
  reason: string | null;
}

/** A request as shown: exactly what is sent, but secret header values replaced by their source. */
export type RequestView =
  | {
      kind: 'http';
      target: string;
      method: string;
      url: string;
      headers: Record<string, string>;
      body: unknown;
    }
  | { kind: 'command'; argv: string[]; env: Record<string, string> };

export interface RunDetail extends RunView {
  request: RequestView | null;
  transitions: Array<{
    at: string;
    from: RunState | null;
    to: RunState;
    actor: string;
    reason: string | null;
  }>;
  attempts: Array<{
    attempt: number;
    startedAt: string;
    finishedAt: string | null;
    outcome: AttemptRow['outcome'];
    status: number | null;
    exitCode: number | null;
    durationMs: number | null;
    error: string | null;
    output: string | null;
  }>;
}

export function runView(run: RunRow): RunView {
  return {
    id: run.id,
    runbook: run.runbook,
    action: run.action,
    state: run.state,
    trigger: run.trigger,
    alert: {
      alertname: run.alertname,
      fingerprint: run.fingerprint,
      startsAt: iso(run.startsAt)!,
      labels: run.labels,
    },
    idempotencyKey: run.idempotencyKey,
    createdBy: run.createdBy,
    createdAt: iso(run.createdAt)!,
    updatedAt: iso(run.updatedAt)!,
    attemptCount: run.attempts,
    interruptions: run.interruptions,
    nextAt: iso(run.nextAt),
    verifyDeadline: iso(run.verifyDeadline),
    decidedBy: run.decidedBy,
    decidedAt: iso(run.decidedAt),
    cancelRequestedBy: run.cancelRequestedBy,
    reason: run.reason,
  };
}

/** The headers slactl adds to every call of a run. */
export function runHeaders(idempotencyKey: string, runId: string, hasBody: boolean): Record<string, string> {
  return {
    'Idempotency-Key': idempotencyKey,
    'X-Slactl-Run-Id': runId,
    ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
  };
}

/** The environment slactl adds for every program a run starts. */
export function runEnv(
  idempotencyKey: string,
  runId: string,
  runbook: string,
  action: string,
): Record<string, string> {
  return {
    SLACTL_IDEMPOTENCY_KEY: idempotencyKey,
    SLACTL_RUN_ID: runId,
    SLACTL_RUNBOOK: runbook,
    SLACTL_ACTION: action,
  };
}

/** A rendered action as it is sent, secrets masked. */
export function requestView(
  plan: RenderedAction,
  targets: Targets,
  ids: { idempotencyKey: string; runId: string; runbook: string; action: string },
): RequestView {
  if (plan.kind === 'http') {
    return {
      kind: 'http',
      target: plan.target,
      method: plan.method,
      url: plan.url,
      headers: {
        ...targets.maskedHeaders(plan.target),
        ...runHeaders(ids.idempotencyKey, ids.runId, plan.body !== undefined),
      },
      body: plan.body ?? null,
    };
  }
  return {
    kind: 'command',
    argv: plan.argv,
    env: { ...targets.maskedCommandEnv(), ...runEnv(ids.idempotencyKey, ids.runId, ids.runbook, ids.action) },
  };
}

export function runDetail(
  run: RunRow,
  transitions: TransitionRow[],
  attempts: AttemptRow[],
  targets: Targets,
): RunDetail {
  const plan = run.plan as RenderedAction | null;
  return {
    ...runView(run),
    request:
      plan === null
        ? null
        : requestView(plan, targets, {
            idempotencyKey: run.idempotencyKey,
            runId: run.id,
            runbook: run.runbook,
            action: run.action,
          }),
    transitions: transitions.map((t) => ({
      at: iso(t.at)!,
      from: t.from,
      to: t.to,
      actor: t.actor,
      reason: t.reason,
    })),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: iso(a.startedAt)!,
      finishedAt: iso(a.finishedAt),
      outcome: a.outcome,
      status: a.status,
      exitCode: a.exitCode,
      durationMs: a.durationMs,
      error: a.error,
      output: a.output,
    })),
  };
}

/** A page cursor: the last row's (createdAt, id), opaque to clients. */
export function encodeCursor(run: RunRow): string {
  return Buffer.from(`${run.createdAt}:${run.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^(-?\d+(?:\.\d+)?):([0-9A-Z]{26})$/.exec(text);
  if (match === null) {
    throw new RemediationError('invalid', 'invalid_query', 'cursor is not one this server handed out', [
      { field: 'cursor', message: 'pass the `next` value of the previous page unchanged' },
    ]);
  }
  return { createdAt: Number(match[1]), id: match[2]! };
}

export interface RunQuery {
  states?: RunState[];
  runbook?: string;
  action?: string;
  limit: number;
  after?: { createdAt: number; id: string };
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** Parses `?state=a,b&runbook=&action=&limit=&cursor=`; throws naming the bad parameter. */
export function parseRunQuery(query: Record<string, unknown>): RunQuery {
  const problems: Array<{ field: string; message: string }> = [];
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '' || value.length > 200) {
      problems.push({ field: name, message: 'expected one non-empty value of at most 200 characters' });
      return undefined;
    }
    return value;
  };
  const out: RunQuery = { limit: DEFAULT_PAGE };
  const state = text('state');
  if (state !== undefined) {
    const states = state.split(',');
    const unknown = states.filter((s) => !(RUN_STATES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      problems.push({
        field: 'state',
        message: `unknown state ${unknown.join(', ')} (states: ${RUN_STATES.join(', ')})`,
      });
    } else {
      out.states = states as RunState[];
    }
  }
  const runbook = text('runbook');
  if (runbook !== undefined) out.runbook = runbook;
  const action = text('action');
  if (action !== undefined) out.action = action;
  const limit = text('limit');
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE) {
      problems.push({ field: 'limit', message: `expected a whole number from 1 to ${MAX_PAGE}` });
    } else {
      out.limit = Number(limit);
    }
  }
  const cursor = text('cursor');
  if (cursor !== undefined) {
    try {
      out.after = decodeCursor(cursor);
    } catch (error) {
      if (error instanceof RemediationError)
        problems.push(...error.problems.map((p) => ({ field: 'cursor', message: p.message })));
      else throw error;
    }
  }
  const known = new Set(['state', 'runbook', 'action', 'limit', 'cursor']);
  for (const name of Object.keys(query)) {
    if (!known.has(name))
      problems.push({ field: name, message: `unknown parameter (known: ${[...known].join(', ')})` });
  }
  if (problems.length > 0) {
    throw new RemediationError(
      'invalid',
      'invalid_query',
      `invalid query: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  return out;
}
