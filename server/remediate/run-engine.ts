// Durable remediation runs: a state machine in SQLite.
//
//   triggered ─┬─▶ awaiting_approval ─┬─▶ executing ─┬─▶ verifying ─┬─▶ succeeded
//              │                      ├─▶ rejected   │              ├─▶ escalated
//              ├─▶ executing          └─▶ cancelled  ├─▶ succeeded  └─▶ cancelled
//              ├─▶ skipped (cooldown, budget, breaker, run in progress)
//              └─▶ failed (labels refused by the template, action not configured)
//                                                    ├─▶ failed (4xx, retries exhausted)
//                                                    └─▶ cancelled
//
// Every transition and every attempt's result is committed (with its audit record) in one transaction
// before the next side effect. An attempt is recorded as started before its call: after a crash,
// `resume()` finds it unfinished, marks it interrupted and calls again with the same Idempotency-Key,
// so the target can drop the replay; a finished step is never repeated. The engine's loop never
// throws: each run's step is caught, logged and retried later.
import type { AuditRecord, AuditSink } from '../audit/types.js';
import type { Clock } from '../lib/clock.js';
import {
  TERMINAL_STATES,
  type EpisodeRow,
  type RunPatch,
  type RunRow,
  type RunRows,
  type RunState,
} from '../store/runs-rows.js';
import { z } from 'zod';
import { RemediationError } from './errors.js';
import { executeCommand } from './executors/command.js';
import { executeHttp } from './executors/http.js';
import type { AttemptResult } from './executors/types.js';
import { alertFingerprint, idempotencyKey, isRunId, newRunId, objectKey, sameObject } from './keys.js';
import { backoffMs, checkPolicies, OPEN_STATES, recordRunOutcome, resetBreaker } from './policies.js';
import type { Runbook, RunbookAction } from './runbook-types.js';
import { LABEL_NAME_PATTERN } from './runbook-schema.js';
import { renderAction, type RenderedAction } from './template.js';
import type { Targets } from './targets.js';
import {
  encodeCursor,
  parseRunQuery,
  requestView,
  runDetail,
  runEnv,
  runHeaders,
  runView,
  type RequestView,
  type RunDetail,
  type RunView,
} from './views.js';

/** Which state may follow which. */
const NEXT: Record<RunState, readonly RunState[]> = {
  triggered: ['awaiting_approval', 'executing', 'skipped', 'failed', 'cancelled'],
  awaiting_approval: ['executing', 'rejected', 'cancelled'],
  executing: ['verifying', 'succeeded', 'failed', 'cancelled'],
  verifying: ['succeeded', 'escalated', 'cancelled'],
  succeeded: [],
  failed: [],
  escalated: [],
  rejected: [],
  cancelled: [],
  skipped: [],
};

/** A pino-compatible logger (the engine logs ids and reasons, never headers or secrets). */
export interface EngineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const SILENT: EngineLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The SSE event sent on every transition of a run. */
export interface RunEvent {
  event: 'run';
  data: RunView & {
    transition: { at: string; from: RunState | null; to: RunState; actor: string; reason: string | null };
  };
}

export interface RunEngineDeps {
  rows: RunRows;
  runbooks: readonly Runbook[];
  targets: Targets;
  audit: AuditSink;
  clock: Clock;
  log?: EngineLog;
  /** Called after the commit of every transition (wire to the SSE hub). */
  publish?: (event: RunEvent) => void;
  /**
   * Whether `alertname` still fires for an object with these labels (verification). Default: an
   * unresolved episode delivered to this server (Alertmanager or the embedded evaluator) matches.
   */
  isFiring?: (alertname: string, labels: Readonly<Record<string, string>>) => boolean;
}

export interface RunEngineOptions {
  /** How often the background loop looks for due runs (real time), default 1 s. */
  pollIntervalMs?: number;
  /** How often a verifying run checks its alert (engine clock), default 15 s. */
  verifyIntervalMs?: number;
  /** Runs whose steps may be in flight at once, default 4. */
  maxConcurrent?: number;
  /** Crash-interrupted attempts a run survives before it fails, default 3. */
  maxInterruptions?: number;
  /** Consecutive failed runs that open an action's circuit breaker; default from the config (3). */
  breakerFailures?: number;
}

export interface TriggerInput {
  runbook: string;
  action: string;
  labels: Record<string, string>;
}

export interface DryRun {
  runbook: string;
  action: string;
  title: string;
  description: string | null;
  auto: boolean;
  approval: 'required' | 'none';
  idempotencyKey: string;
  /** Exactly what a run would send now, secrets masked; null when it would send nothing. */
  request: RequestView | null;
  /** Why the request would not be made: labels refused, action not configured. */
  refused: { code: string; message: string; problems: Array<{ field: string; message: string }> } | null;
  /** What the guard rails would say about a run started now. */
  policy: { allowed: boolean; reason: string | null; message: string | null; retryAt: string | null };
  verify: { alert: string; withinMs: number } | null;
  timeoutMs: number;
  retries: RunbookAction['retries'];
}

export interface ActionStatus {
  runbook: string;
  action: string;
  title: string;
  kind: 'http' | 'command';
  auto: boolean;
  /** Whether an alert starts it here: `auto` and automatic remediation on (`remediation.auto`). */
  automatic: boolean;
  approval: 'required' | 'none';
  /** Why this configuration cannot run the action, when it cannot. */
  unavailable: string | null;
  breaker: { open: boolean; consecutiveFailures: number; threshold: number; openedAt: string | null };
  budget: { count: number; windowMs: number; used: number };
  cooldownMs: number;
}

interface PendingTransition {
  runId: string;
  at: number;
  from: RunState | null;
  to: RunState;
  actor: string;
  reason: string | null;
}

const labelsSchema = z
  .record(
    z.string().regex(LABEL_NAME_PATTERN, { error: 'is not a valid label name' }),
    z.string({ error: 'expected a string' }).max(1024, { error: 'longer than 1024 characters' }),
    { error: 'expected an object of label values' },
  )
  .refine((labels) => Object.keys(labels).length <= 64, { error: 'more than 64 labels' });

const triggerSchema = z.strictObject({
  runbook: z.string({ error: 'expected a runbook id' }).min(1, { error: 'expected a runbook id' }).max(200),
  action: z.string({ error: 'expected an action id' }).min(1, { error: 'expected an action id' }).max(200),
  labels: labelsSchema.default({}),
});

const dryRunSchema = triggerSchema.extend({
  /** The episode start, for the exact Idempotency-Key an alert-started run would send. */
  startsAt: z.iso.datetime({ offset: true, error: 'expected an RFC 3339 time' }).optional(),
});

const noteSchema = z.strictObject({
  reason: z
    .string({ error: 'expected a string' })
    .max(500, { error: 'longer than 500 characters' })
    .optional(),
});

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
        : issue.code === 'invalid_type' && field === ''
          ? 'expected a JSON object'
          : issue.message;
    return { ...(field !== '' ? { field } : {}), message };
  });
  throw new RemediationError(
    'invalid',
    'invalid_body',
    `invalid request body: ${problems.map((p) => (p.field !== undefined ? `${p.field}: ${p.message}` : p.message)).join('; ')}`,
    problems,
  );
}

/** The durable run engine: creates runs for alerts and people, drives them, and answers the API. */
export class RunEngine {
  private readonly rows: RunRows;
  private readonly targets: Targets;
  private readonly audit: AuditSink;
  private readonly clock: Clock;
  private readonly log: EngineLog;
  private readonly publishEvent: (event: RunEvent) => void;
  private readonly isFiring: (alertname: string, labels: Readonly<Record<string, string>>) => boolean;
  private readonly runbooks = new Map<string, Runbook>();
  private readonly pollIntervalMs: number;
  private readonly verifyIntervalMs: number;
  private readonly maxConcurrent: number;
  private readonly maxInterruptions: number;
  private readonly breakerFailures: number;
  /** Runs with a step in flight in this process, and the step's promise. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private pending: PendingTransition[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(deps: RunEngineDeps, options: RunEngineOptions = {}) {
    const positive = (
      name: keyof RunEngineOptions,
      value: number | undefined,
      fallback: number,
      min = 1,
    ): number => {
      const v = value ?? fallback;
      if (!Number.isInteger(v) || v < min) {
        throw new RemediationError(
          'invalid',
          'invalid_option',
          `${name} must be a whole number ≥ ${min}, got ${String(value)}`,
        );
      }
      return v;
    };
    this.pollIntervalMs = positive('pollIntervalMs', options.pollIntervalMs, 1_000);
    this.verifyIntervalMs = positive('verifyIntervalMs', options.verifyIntervalMs, 15_000);
    this.maxConcurrent = positive('maxConcurrent', options.maxConcurrent, 4);
    this.maxInterruptions = positive('maxInterruptions', options.maxInterruptions, 3, 0);
    this.breakerFailures = positive('breakerFailures', options.breakerFailures, deps.targets.breakerFailures);
    for (const runbook of deps.runbooks) {
      if (this.runbooks.has(runbook.id)) {
        throw new RemediationError('invalid', 'duplicate_runbook', `two runbooks have the id ${runbook.id}`);
      }
      this.runbooks.set(runbook.id, runbook);
    }
    this.rows = deps.rows;
    this.targets = deps.targets;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.log = deps.log ?? SILENT;
    this.publishEvent = deps.publish ?? (() => undefined);
    this.isFiring = deps.isFiring ?? ((alertname, labels) => this.firingFromEpisodes(alertname, labels));
  }

  // --- lifecycle --------------------------------------------------------------------------------

  /** Resumes unfinished runs and starts the background loop. */
  start(): void {
    this.stopped = false;
    try {
      const resumed = this.resume();
      if (resumed > 0)
        this.log.warn({ attempts: resumed }, 'resuming runs whose attempts a stop interrupted');
    } catch (error) {
      this.log.error({ err: error }, 'resuming runs failed; the loop will retry them');
    }
    this.timer ??= setInterval(() => void this.tick(), this.pollIntervalMs);
    this.timer.unref();
    void this.tick();
  }

  /** Stops the loop and waits for steps in flight (each bounded by its action's timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  /** Looks again soon (after an alert, an approval): the loop would, this is just sooner. */
  wake(): void {
    if (this.timer !== undefined && !this.stopped) setImmediate(() => void this.tick());
  }

  /** Resolves once no step is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
  }

  /**
   * Finds attempts a stop interrupted (started, never finished), marks them so, and schedules their
   * runs to call again with the same Idempotency-Key. Returns how many there were.
   */
  resume(): number {
    const now = this.clock.now();
    return this.atomically(() => {
      const open = this.rows.unfinishedAttempts().filter((a) => !this.inFlight.has(a.runId));
      for (const attempt of open) {
        this.rows.finishAttempt(attempt.runId, attempt.attempt, {
          finishedAt: now,
          outcome: 'interrupted',
          status: null,
          exitCode: null,
          durationMs: null,
          error: 'slactl stopped before the call returned; it is made again with the same Idempotency-Key',
          output: null,
        });
        const run = this.rows.getRun(attempt.runId);
        if (run === undefined) continue;
        this.record({
          kind: 'action_response',
          actor: 'system',
          subject: run.id,
          data: {
            runbook: run.runbook,
            action: run.action,
            attempt: attempt.attempt,
            outcome: 'interrupted',
          },
        });
        const interruptions = run.interruptions + 1;
        if (run.state !== 'executing') {
          this.rows.updateRun(run.id, { interruptions, updatedAt: now });
        } else if (interruptions > this.maxInterruptions) {
          this.rows.updateRun(run.id, { interruptions });
          this.transition({ ...run, interruptions }, 'failed', 'system', 'interrupted', {}, now);
        } else {
          this.rows.updateRun(run.id, { interruptions, nextAt: now, updatedAt: now });
        }
      }
      // A run waiting for the engine always has a time to be looked at.
      for (const run of this.rows.runsInStates(['executing', 'verifying'])) {
        if (run.nextAt === null && !this.inFlight.has(run.id)) this.rows.updateRun(run.id, { nextAt: now });
      }
      return open.length;
    });
  }

  /** Starts the step of every due run (up to the concurrency limit) and waits for those steps. */
  async tick(): Promise<void> {
    let due: RunRow[];
    try {
      const free = this.maxConcurrent - this.inFlight.size;
      if (free <= 0) return;
      due = this.rows
        .dueRuns(this.clock.now(), this.maxConcurrent + this.inFlight.size)
        .filter((r) => !this.inFlight.has(r.id))
        .slice(0, free);
    } catch (error) {
      this.log.error({ err: error }, 'reading due runs failed');
      return;
    }
    const started = due.map((run) => {
      const step = this.step(run).finally(() => this.inFlight.delete(run.id));
      this.inFlight.set(run.id, step);
      return step;
    });
    await Promise.all(started);
  }

  /** Ticks until nothing is due at the clock's current time (tests, one-shot tools). */
  async settle(maxRounds = 1_000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      await this.idle();
      const due = this.rows.dueRuns(this.clock.now(), 1);
      if (due.length === 0) return;
      await this.tick();
    }
    throw new Error(`runs still due after ${maxRounds} rounds`);
  }

  // --- transactions and events --------------------------------------------------------------------

  /**
   * Runs `fn` in one transaction; the SSE events of its transitions go out after the commit (never
   * for a rolled-back change). Nested calls join the outer transaction.
   */
  atomically<T>(fn: () => T): T {
    const outer = this.pending === undefined;
    if (outer) this.pending = [];
    try {
      const result = this.rows.transaction(fn);
      if (outer) this.flush(this.pending!);
      return result;
    } finally {
      if (outer) this.pending = undefined;
    }
  }

  private flush(transitions: PendingTransition[]): void {
    for (const t of transitions) {
      try {
        const run = this.rows.getRun(t.runId);
        if (run === undefined) continue;
        this.publishEvent({
          event: 'run',
          data: {
            ...runView(run),
            transition: {
              at: new Date(t.at).toISOString(),
              from: t.from,
              to: t.to,
              actor: t.actor,
              reason: t.reason,
            },
          },
        });
      } catch (error) {
        this.log.error({ err: error, run: t.runId }, 'publishing a run event failed');
      }
    }
  }

  private record(record: AuditRecord): void {
    this.audit.append(record);
  }

  /** Moves a run to `to` (inside a transaction), with its timeline entry, audit record and breaker. */
  private transition(
    run: RunRow,
    to: RunState,
    actor: string,
    reason: string | null,
    patch: RunPatch = {},
    now = this.clock.now(),
  ): RunRow {
    if (!NEXT[run.state].includes(to)) {
      throw new RemediationError(
        'conflict',
        'invalid_transition',
        `run ${run.id} cannot go from ${run.state} to ${to}`,
      );
    }
    const terminal = TERMINAL_STATES.includes(to) || to === 'awaiting_approval';
    const next: RunPatch = {
      nextAt: terminal ? null : (patch.nextAt ?? null),
      ...patch,
      state: to,
      updatedAt: now,
    };
    if (reason !== null && TERMINAL_STATES.includes(to)) next.reason = reason;
    this.rows.updateRun(run.id, next);
    this.rows.addTransition({ runId: run.id, at: now, from: run.state, to, actor, reason });
    this.pending?.push({ runId: run.id, at: now, from: run.state, to, actor, reason });
    this.record({
      kind: 'run_transition',
      actor,
      subject: run.id,
      data: { runbook: run.runbook, action: run.action, from: run.state, to, reason },
    });
    const attempted = run.firstAttemptAt !== null || (patch.firstAttemptAt ?? null) !== null;
    if (to === 'succeeded' || to === 'escalated' || (to === 'failed' && attempted)) {
      const change = recordRunOutcome(this.rows, {
        runbook: run.runbook,
        action: run.action,
        succeeded: to === 'succeeded',
        manual: run.trigger === 'manual',
        nowMs: now,
        threshold: this.breakerFailures,
      });
      if (change.opened || change.closed) {
        this.record({
          kind: 'escalation',
          actor: 'system',
          subject: `${run.runbook}/${run.action}`,
          data: {
            event: change.opened ? 'circuit_opened' : 'circuit_closed',
            runbook: run.runbook,
            action: run.action,
            consecutiveFailures: change.row.consecutiveFailures,
            run: run.id,
          },
        });
        this.log.warn(
          { runbook: run.runbook, action: run.action, failures: change.row.consecutiveFailures },
          change.opened ? 'circuit breaker opened: automatic runs stop' : 'circuit breaker closed',
        );
      }
    }
    return { ...run, ...next };
  }

  // --- creating runs --------------------------------------------------------------------------------

  private actionOf(
    runbookId: string,
    actionId: string,
  ): { runbook: Runbook; action: RunbookAction } | undefined {
    const runbook = this.runbooks.get(runbookId);
    const action = runbook?.actions.find((a) => a.id === actionId);
    return runbook === undefined || action === undefined ? undefined : { runbook, action };
  }

  /** The (runbook, action) pairs an alert starts automatically. */
  private autoActionsFor(
    alertname: string,
    labels: Readonly<Record<string, string>>,
  ): Array<{ runbook: Runbook; action: RunbookAction }> {
    const out: Array<{ runbook: Runbook; action: RunbookAction }> = [];
    for (const runbook of this.runbooks.values()) {
      const matchers = runbook.triggerMatchers ?? runbook.triggers.map((alert) => ({ alert, labels: {} }));
      const matches = matchers.some(
        (m) =>
          m.alert === alertname &&
          Object.entries(m.labels).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v),
      );
      if (!matches) continue;
      for (const action of runbook.actions) {
        if (action.auto && (action.alerts === undefined || action.alerts.includes(alertname)))
          out.push({ runbook, action });
      }
    }
    return out;
  }

  /**
   * Creates the runs a new firing episode starts (inside the receiver's transaction); returns their ids.
   * With `remediation.auto: false` it starts none: the episode is recorded and the runbook offers its
   * actions to a person.
   */
  startRunsForEpisode(episode: EpisodeRow, actor: string): string[] {
    if (!this.targets.config.auto) return [];
    return this.atomically(() =>
      this.autoActionsFor(episode.alertname, episode.labels).map(
        ({ runbook, action }) =>
          this.createRun({
            runbook,
            action,
            trigger: 'alert',
            labels: episode.labels,
            fingerprint: episode.fingerprint,
            startsAt: episode.startsAt,
            alertname: episode.alertname,
            actor,
          }).id,
      ),
    );
  }

  private createRun(input: {
    runbook: Runbook;
    action: RunbookAction;
    trigger: 'alert' | 'manual';
    labels: Record<string, string>;
    fingerprint: string;
    startsAt: number;
    alertname: string | null;
    actor: string;
  }): RunRow {
    const now = this.clock.now();
    const { runbook, action } = input;
    const labelsKey = objectKey(input.labels);
    const manual = input.trigger === 'manual';
    const rendered = renderAction(action, input.labels, this.targets);
    const refusal = checkPolicies(this.rows, { runbook: runbook.id, action, labelsKey, nowMs: now, manual });
    if (manual) {
      if (!rendered.ok) throw renderError(rendered);
      if (refusal !== undefined) {
        throw new RemediationError('conflict', refusal.reason, refusal.message, [], refusal.retryAtMs);
      }
    }
    const run: RunRow = {
      id: newRunId(now),
      runbook: runbook.id,
      action: action.id,
      state: 'triggered',
      trigger: input.trigger,
      fingerprint: input.fingerprint,
      startsAt: input.startsAt,
      alertname: input.alertname,
      labels: input.labels,
      labelsKey,
      idempotencyKey: idempotencyKey(runbook.id, action.id, input.fingerprint, input.startsAt),
      plan: rendered.ok ? rendered.value : null,
      createdBy: input.actor,
      createdAt: now,
      updatedAt: now,
      nextAt: null,
      attempts: 0,
      interruptions: 0,
      firstAttemptAt: null,
      verifyDeadline: null,
      decidedBy: null,
      decidedAt: null,
      cancelRequestedBy: null,
      reason: null,
    };
    this.rows.insertRun(run);
    this.rows.addTransition({
      runId: run.id,
      at: now,
      from: null,
      to: 'triggered',
      actor: input.actor,
      reason: input.trigger,
    });
    this.pending?.push({
      runId: run.id,
      at: now,
      from: null,
      to: 'triggered',
      actor: input.actor,
      reason: input.trigger,
    });
    this.record({
      kind: 'run_created',
      actor: input.actor,
      subject: run.id,
      data: {
        runbook: runbook.id,
        action: action.id,
        trigger: input.trigger,
        alertname: input.alertname,
        fingerprint: input.fingerprint,
        startsAt: new Date(input.startsAt).toISOString(),
        labels: input.labels,
        idempotencyKey: run.idempotencyKey,
      },
    });
    if (!rendered.ok) {
      this.record({
        kind: 'escalation',
        actor: 'system',
        subject: run.id,
        data: { event: rendered.code, message: rendered.message, problems: rendered.problems },
      });
      return this.transition(run, 'failed', 'system', rendered.code, {}, now);
    }
    if (refusal !== undefined) {
      return this.transition(run, 'skipped', 'system', refusal.reason, {}, now);
    }
    if (action.approval === 'required')
      return this.transition(run, 'awaiting_approval', 'system', 'approval required', {}, now);
    return this.transition(run, 'executing', 'system', null, { nextAt: now }, now);
  }

  /** Starts a run by hand (scope `operate`): the circuit breaker does not apply, the other rails do. */
  trigger(body: unknown, actor: string): RunView {
    const input = parseBody(triggerSchema, body);
    const found = this.actionOf(input.runbook, input.action);
    if (found === undefined) throw unknownAction(input.runbook, input.action, this.runbooks);
    const now = this.clock.now();
    const run = this.atomically(() =>
      this.createRun({
        runbook: found.runbook,
        action: found.action,
        trigger: 'manual',
        labels: input.labels,
        fingerprint: alertFingerprint(input.labels),
        startsAt: now,
        alertname: input.labels.alertname ?? null,
        actor,
      }),
    );
    this.wake();
    return runView(this.rows.getRun(run.id)!);
  }

  // --- decisions ------------------------------------------------------------------------------------

  private load(id: string): RunRow {
    const run = isRunId(id) ? this.rows.getRun(id) : undefined;
    if (run === undefined)
      throw new RemediationError(
        'not_found',
        'not_found',
        `no run with id ${JSON.stringify(id.slice(0, 40))}`,
      );
    return run;
  }

  private expect(run: RunRow, states: readonly RunState[], verb: string): void {
    if (!states.includes(run.state)) {
      throw new RemediationError(
        'conflict',
        'invalid_state',
        `run ${run.id} is ${run.state}; only a run that is ${states.join(' or ')} can be ${verb}`,
      );
    }
  }

  /** Approves a run awaiting approval; it executes next. */
  approve(id: string, actor: string, body?: unknown): RunView {
    const view = this.decide(id, actor, body, 'approved');
    this.wake();
    return view;
  }

  /** Rejects a run awaiting approval. */
  reject(id: string, actor: string, body?: unknown): RunView {
    return this.decide(id, actor, body, 'rejected');
  }

  /** A person's decision on a run awaiting approval: recorded with who and why, then the transition. */
  private decide(id: string, actor: string, body: unknown, decision: 'approved' | 'rejected'): RunView {
    const note = parseBody(noteSchema, body).reason ?? null;
    const now = this.clock.now();
    this.atomically(() => {
      const run = this.load(id);
      this.expect(run, ['awaiting_approval'], decision);
      this.record({
        kind: decision === 'approved' ? 'run_approved' : 'run_rejected',
        actor,
        subject: run.id,
        data: { runbook: run.runbook, action: run.action, reason: note },
      });
      const decided = { decidedBy: actor, decidedAt: now };
      if (decision === 'approved')
        this.transition(run, 'executing', actor, note ?? decision, { ...decided, nextAt: now }, now);
      else this.transition(run, 'rejected', actor, note ?? decision, decided, now);
    });
    return runView(this.rows.getRun(id)!);
  }

  /**
   * Cancels an unfinished run. A call in flight is not torn down (its effect may already be done): the
   * run is cancelled when it returns, and the result is recorded.
   */
  cancel(id: string, actor: string, body?: unknown): RunView {
    const note = parseBody(noteSchema, body).reason ?? null;
    const now = this.clock.now();
    this.atomically(() => {
      const run = this.load(id);
      this.expect(run, OPEN_STATES, 'cancelled');
      this.record({
        kind: 'run_cancelled',
        actor,
        subject: run.id,
        data: { runbook: run.runbook, action: run.action, reason: note, state: run.state },
      });
      if (run.state === 'executing' && this.inFlight.has(run.id)) {
        this.rows.updateRun(run.id, { cancelRequestedBy: actor, updatedAt: now });
      } else {
        this.transition(run, 'cancelled', actor, note ?? 'cancelled', { cancelRequestedBy: actor }, now);
      }
    });
    return runView(this.rows.getRun(id)!);
  }

  /** Closes an action's circuit breaker (scope `operate`). */
  resetBreaker(runbookId: string, actionId: string, actor: string): ActionStatus {
    const found = this.actionOf(runbookId, actionId);
    if (found === undefined) throw unknownAction(runbookId, actionId, this.runbooks);
    const now = this.clock.now();
    this.atomically(() => {
      const wasOpen = resetBreaker(this.rows, runbookId, actionId, now);
      this.record({
        kind: 'escalation',
        actor,
        subject: `${runbookId}/${actionId}`,
        data: { event: 'circuit_reset', runbook: runbookId, action: actionId, wasOpen },
      });
    });
    return this.actionStatus(found.runbook, found.action, now);
  }

  // --- the loop's steps -------------------------------------------------------------------------------

  /** One step of a due run; never throws. */
  private async step(run: RunRow): Promise<void> {
    try {
      if (run.state === 'executing') await this.attempt(run);
      else if (run.state === 'verifying') this.verify(run);
      else this.atomically(() => this.rows.updateRun(run.id, { nextAt: null }));
    } catch (error) {
      this.log.error({ err: error, run: run.id }, 'a run step failed; retrying later');
      try {
        const later = this.clock.now() + this.verifyIntervalMs;
        this.atomically(() => {
          const current = this.rows.getRun(run.id);
          if (current !== undefined && (current.state === 'executing' || current.state === 'verifying')) {
            this.rows.updateRun(run.id, { nextAt: later });
          }
        });
      } catch (inner) {
        this.log.error({ err: inner, run: run.id }, 'rescheduling a failed step failed');
      }
    }
  }

  private async attempt(due: RunRow): Promise<void> {
    const found = this.actionOf(due.runbook, due.action);
    const now = this.clock.now();
    const started = this.atomically(() => {
      const run = this.rows.getRun(due.id);
      if (run === undefined || run.state !== 'executing') return undefined;
      if (run.cancelRequestedBy !== null) {
        this.transition(run, 'cancelled', run.cancelRequestedBy, 'cancelled', {}, now);
        return undefined;
      }
      if (found === undefined || run.plan === null) {
        this.transition(run, 'failed', 'system', 'runbook_missing', {}, now);
        return undefined;
      }
      const number = this.rows.attempts(run.id).length + 1;
      this.rows.startAttempt(run.id, number, now);
      this.rows.updateRun(run.id, {
        nextAt: null,
        updatedAt: now,
        ...(run.firstAttemptAt === null ? { firstAttemptAt: now } : {}),
      });
      const plan = run.plan as RenderedAction;
      this.record({
        kind: 'action_request',
        actor: 'system',
        subject: run.id,
        data: {
          runbook: run.runbook,
          action: run.action,
          attempt: number,
          idempotencyKey: run.idempotencyKey,
          ...(plan.kind === 'http'
            ? { kind: 'http', method: plan.method, target: plan.target, path: new URL(plan.url).pathname }
            : { kind: 'command', program: plan.argv[0], args: plan.argv.length - 1 }),
        },
      });
      return { run, number, plan };
    });
    if (started === undefined || found === undefined) return;

    const result = await this.execute(started.run, started.plan, found.action);

    const done = this.clock.now();
    this.atomically(() => {
      this.rows.finishAttempt(started.run.id, started.number, {
        finishedAt: done,
        outcome: result.outcome,
        status: result.status ?? null,
        exitCode: result.exitCode ?? null,
        durationMs: result.durationMs,
        error: result.error ?? null,
        output: result.output ?? null,
      });
      this.record({
        kind: 'action_response',
        actor: 'system',
        subject: started.run.id,
        data: {
          runbook: started.run.runbook,
          action: started.run.action,
          attempt: started.number,
          outcome: result.outcome,
          status: result.status ?? null,
          exitCode: result.exitCode ?? null,
          durationMs: result.durationMs,
          reason: result.reason ?? null,
        },
      });
      const run = this.rows.getRun(started.run.id)!;
      const attempts = run.attempts + 1;
      this.rows.updateRun(run.id, { attempts });
      const current = { ...run, attempts };
      const action = found.action;
      if (result.outcome === 'ok') {
        if (current.cancelRequestedBy !== null) {
          this.transition(
            current,
            'cancelled',
            current.cancelRequestedBy,
            'cancelled after the action succeeded',
            {},
            done,
          );
        } else if (action.verify !== undefined) {
          this.transition(
            current,
            'verifying',
            'system',
            null,
            { verifyDeadline: done + action.verify.withinMs, nextAt: done },
            done,
          );
        } else {
          this.transition(current, 'succeeded', 'system', null, {}, done);
        }
      } else if (current.cancelRequestedBy !== null) {
        this.transition(current, 'cancelled', current.cancelRequestedBy, 'cancelled', {}, done);
      } else if (result.outcome === 'retryable' && attempts <= action.retries.max) {
        this.rows.updateRun(run.id, {
          nextAt: done + backoffMs(action.retries, attempts, result.retryAfterMs),
          updatedAt: done,
        });
      } else {
        const reason = result.reason ?? 'failed';
        this.transition(
          current,
          'failed',
          'system',
          result.outcome === 'retryable' ? `${reason} (retries exhausted)` : reason,
          {},
          done,
        );
      }
    });
    if (result.outcome !== 'ok') {
      this.log.warn(
        { run: due.id, runbook: due.runbook, action: due.action, reason: result.reason },
        'action attempt failed',
      );
    }
  }

  /** Makes the call of one attempt; never throws. */
  private async execute(run: RunRow, plan: RenderedAction, action: RunbookAction): Promise<AttemptResult> {
    try {
      if (plan.kind === 'http') {
        const target = this.targets.target(plan.target);
        if (target === undefined) {
          return {
            outcome: 'fatal',
            reason: 'unknown_target',
            error: `target ${plan.target} is no longer configured`,
            durationMs: 0,
          };
        }
        const url = new URL(plan.url);
        if (url.origin !== target.base.origin || !this.targets.hostAllowed(url.hostname)) {
          return {
            outcome: 'fatal',
            reason: 'target_changed',
            error: `target ${plan.target} no longer points at ${url.origin}; start a new run`,
            durationMs: 0,
          };
        }
        const secret = this.targets.headers(plan.target);
        const body = plan.body === undefined ? undefined : JSON.stringify(plan.body);
        return await executeHttp({
          method: plan.method,
          url: plan.url,
          headers: {
            'User-Agent': 'slactl',
            ...secret.values,
            ...runHeaders(run.idempotencyKey, run.id, body !== undefined),
          },
          ...(body !== undefined ? { body } : {}),
          timeoutMs: action.timeoutMs,
          redirectHosts: target.hosts,
          secretHeaders: Object.keys(secret.values),
          secrets: secret.secrets,
        });
      }
      if (!this.targets.programAllowed(plan.argv[0] ?? '')) {
        return {
          outcome: 'fatal',
          reason: 'command_not_allowed',
          error: `${plan.argv[0] ?? ''} is no longer in remediation.commands.allow`,
          durationMs: 0,
        };
      }
      const env = this.targets.commandEnv(runEnv(run.idempotencyKey, run.id, run.runbook, run.action));
      return await executeCommand({
        argv: plan.argv,
        env: env.values,
        timeoutMs: action.timeoutMs,
        secrets: env.secrets,
      });
    } catch (error) {
      if (error instanceof RemediationError) {
        return { outcome: 'fatal', reason: error.code, error: error.message, durationMs: 0 };
      }
      throw error;
    }
  }

  private verify(due: RunRow): void {
    const found = this.actionOf(due.runbook, due.action);
    const verifySpec = found?.action.verify;
    let firing: boolean | undefined;
    if (verifySpec !== undefined) {
      try {
        firing = this.isFiring(verifySpec.alert, due.labels);
      } catch (error) {
        this.log.error({ err: error, run: due.id }, 'checking the verification alert failed');
      }
    }
    const now = this.clock.now();
    this.atomically(() => {
      const run = this.rows.getRun(due.id);
      if (run === undefined || run.state !== 'verifying') return;
      if (run.cancelRequestedBy !== null) {
        this.transition(run, 'cancelled', run.cancelRequestedBy, 'cancelled', {}, now);
        return;
      }
      if (verifySpec === undefined) {
        this.transition(run, 'succeeded', 'system', 'nothing to verify', {}, now);
        return;
      }
      if (firing === false) {
        this.record({
          kind: 'verification',
          actor: 'system',
          subject: run.id,
          data: {
            runbook: run.runbook,
            action: run.action,
            alert: verifySpec.alert,
            recovered: true,
            via: 'check',
          },
        });
        this.transition(run, 'succeeded', 'system', `${verifySpec.alert} no longer firing`, {}, now);
        return;
      }
      const deadline = run.verifyDeadline ?? now;
      if (now >= deadline) {
        this.record({
          kind: 'verification',
          actor: 'system',
          subject: run.id,
          data: {
            runbook: run.runbook,
            action: run.action,
            alert: verifySpec.alert,
            recovered: false,
            checked: firing !== undefined,
          },
        });
        this.record({
          kind: 'escalation',
          actor: 'system',
          subject: run.id,
          data: {
            event: 'verification_timeout',
            runbook: run.runbook,
            action: run.action,
            alert: verifySpec.alert,
            withinMs: verifySpec.withinMs,
          },
        });
        this.transition(run, 'escalated', 'system', 'verification_timeout', {}, now);
        return;
      }
      this.rows.updateRun(run.id, {
        nextAt: Math.min(now + this.verifyIntervalMs, deadline),
        updatedAt: now,
      });
    });
  }

  /**
   * A resolved notification arrived for `episode` (inside the receiver's transaction): runs of that
   * episode waiting to verify the same alert succeed now; other runs verifying that alert look again.
   */
  episodeResolved(episode: EpisodeRow, actor: string): void {
    const now = this.clock.now();
    this.atomically(() => {
      for (const run of this.rows.runsInStates(['verifying'])) {
        const verifySpec = this.actionOf(run.runbook, run.action)?.action.verify;
        if (verifySpec?.alert !== episode.alertname) continue;
        const sameEpisode =
          run.trigger === 'alert' &&
          run.fingerprint === episode.fingerprint &&
          run.startsAt === episode.startsAt;
        if (sameEpisode && run.cancelRequestedBy === null) {
          this.record({
            kind: 'verification',
            actor,
            subject: run.id,
            data: {
              runbook: run.runbook,
              action: run.action,
              alert: verifySpec.alert,
              recovered: true,
              via: 'resolved_notification',
            },
          });
          this.transition(run, 'succeeded', actor, `${verifySpec.alert} resolved`, {}, now);
        } else if (sameObject(run.labels, episode.labels)) {
          this.rows.updateRun(run.id, { nextAt: now });
        }
      }
    });
    this.wake();
  }

  /** Default verification: an unresolved episode of `alertname` about the same object. */
  private firingFromEpisodes(alertname: string, labels: Readonly<Record<string, string>>): boolean {
    return this.rows.firingEpisodesNamed(alertname).some((e) => sameObject(labels, e.labels));
  }

  // --- reading ------------------------------------------------------------------------------------

  /** Runs newest first, filtered and paged (`next` is the cursor of the following page). */
  list(query: Record<string, unknown>): { runs: RunView[]; next: string | null } {
    const q = parseRunQuery(query);
    const rows = this.rows.listRuns({
      ...(q.states !== undefined ? { states: q.states } : {}),
      ...(q.runbook !== undefined ? { runbook: q.runbook } : {}),
      ...(q.action !== undefined ? { action: q.action } : {}),
      ...(q.after !== undefined ? { after: q.after } : {}),
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    return {
      runs: page.map(runView),
      next: rows.length > q.limit ? encodeCursor(page[page.length - 1]!) : null,
    };
  }

  /** One run with its request (masked) and its timeline. */
  get(id: string): RunDetail {
    const run = this.load(id);
    return runDetail(run, this.rows.transitions(run.id), this.rows.attempts(run.id), this.targets);
  }

  /** Exactly what a run of the action would send for these labels now, without sending anything. */
  dryRun(body: unknown): DryRun {
    const input = parseBody(dryRunSchema, body);
    const found = this.actionOf(input.runbook, input.action);
    if (found === undefined) throw unknownAction(input.runbook, input.action, this.runbooks);
    const { runbook, action } = found;
    const now = this.clock.now();
    const fingerprint = alertFingerprint(input.labels);
    const startsAt = input.startsAt === undefined ? now : Date.parse(input.startsAt);
    const key = idempotencyKey(runbook.id, action.id, fingerprint, startsAt);
    const rendered = renderAction(action, input.labels, this.targets);
    const refusal = checkPolicies(this.rows, {
      runbook: runbook.id,
      action,
      labelsKey: objectKey(input.labels),
      nowMs: now,
      manual: input.startsAt === undefined,
    });
    return {
      runbook: runbook.id,
      action: action.id,
      title: action.title,
      description: action.description ?? null,
      auto: action.auto,
      approval: action.approval,
      idempotencyKey: key,
      request: rendered.ok
        ? requestView(rendered.value, this.targets, {
            idempotencyKey: key,
            runId: '<run id>',
            runbook: runbook.id,
            action: action.id,
          })
        : null,
      refused: rendered.ok
        ? null
        : {
            code: rendered.code,
            message: rendered.message,
            problems: rendered.problems.map((p) => ({ field: `labels.${p.label}`, message: p.message })),
          },
      policy: {
        allowed: refusal === undefined,
        reason: refusal?.reason ?? null,
        message: refusal?.message ?? null,
        retryAt: refusal?.retryAtMs === undefined ? null : new Date(refusal.retryAtMs).toISOString(),
      },
      verify: action.verify ?? null,
      timeoutMs: action.timeoutMs,
      retries: action.retries,
    };
  }

  /** Every action with its breaker, budget use and availability. */
  actions(): ActionStatus[] {
    const now = this.clock.now();
    return [...this.runbooks.values()].flatMap((runbook) =>
      runbook.actions.map((action) => this.actionStatus(runbook, action, now)),
    );
  }

  private actionStatus(runbook: Runbook, action: RunbookAction, now: number): ActionStatus {
    const breaker = this.rows.getBreaker(runbook.id, action.id);
    const use = this.rows.budgetUse(runbook.id, action.id, now - action.maxRuns.windowMs, OPEN_STATES);
    const problem = this.targets.actionProblems([{ ...runbook, actions: [action] }])[0];
    return {
      runbook: runbook.id,
      action: action.id,
      title: action.title,
      kind: action.spec.kind,
      auto: action.auto,
      automatic: action.auto && this.targets.config.auto,
      approval: action.approval,
      unavailable: problem?.message ?? null,
      breaker: {
        open: breaker?.openedAt != null,
        consecutiveFailures: breaker?.consecutiveFailures ?? 0,
        threshold: this.breakerFailures,
        openedAt: breaker?.openedAt == null ? null : new Date(breaker.openedAt).toISOString(),
      },
      budget: {
        count: action.maxRuns.count,
        windowMs: action.maxRuns.windowMs,
        used: use.executedAt.length + use.pending,
      },
      cooldownMs: action.cooldownMs,
    };
  }
}

function renderError(rendered: Extract<ReturnType<typeof renderAction>, { ok: false }>): RemediationError {
  if (rendered.code === 'template_rejected') {
    return new RemediationError(
      'invalid',
      'template_rejected',
      rendered.message,
      rendered.problems.map((p) => ({ field: `labels.${p.label}`, message: p.message })),
    );
  }
  return new RemediationError('unavailable', 'action_unavailable', rendered.message);
}

function unknownAction(
  runbook: string,
  action: string,
  runbooks: ReadonlyMap<string, Runbook>,
): RemediationError {
  const known = runbooks.get(runbook);
  if (known === undefined) {
    return new RemediationError('not_found', 'unknown_runbook', `no runbook ${JSON.stringify(runbook)}`, [
      { field: 'runbook', message: `known runbooks: ${[...runbooks.keys()].join(', ') || 'none'}` },
    ]);
  }
  return new RemediationError(
    'not_found',
    'unknown_action',
    `runbook ${runbook} has no action ${JSON.stringify(action)}`,
    [{ field: 'action', message: `its actions: ${known.actions.map((a) => a.id).join(', ') || 'none'}` }],
  );
}
