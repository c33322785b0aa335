// The remediation tables: alert episodes (deduped deliveries), runs, their transitions and attempts,
// and per-action circuit breakers. Plain rows in and out; the state machine lives in
// server/remediate/run-engine.ts, which calls these inside `transaction()` so that a transition and
// the step result that caused it are committed together, before the next side effect.
import type Sqlite from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { Store } from './store.js';

/** Every state of a remediation run; see docs/remediation.md for the machine. */
export const RUN_STATES = [
  'triggered',
  'awaiting_approval',
  'executing',
  'verifying',
  'succeeded',
  'failed',
  'escalated',
  'rejected',
  'cancelled',
  'skipped',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** States a run never leaves. */
export const TERMINAL_STATES: readonly RunState[] = [
  'succeeded',
  'failed',
  'escalated',
  'rejected',
  'cancelled',
  'skipped',
];

export type RunTrigger = 'alert' | 'manual';
export type AttemptOutcome = 'ok' | 'retryable' | 'fatal' | 'interrupted';

/** One alert episode: an alert's label set firing from `startsAt`, however often it was delivered. */
export interface EpisodeRow {
  /** slactl's hash of the full label set (see remediate/fingerprint.ts). */
  fingerprint: string;
  startsAt: number;
  alertname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Who delivered it first: `alertmanager`, `evaluator`, … */
  source: string;
  /** The fingerprint the source gave, when it gave one (Alertmanager's), for cross-reference. */
  sourceFingerprint: string | null;
  status: 'firing' | 'resolved';
  firstSeenAt: number;
  lastSeenAt: number;
  deliveries: number;
  resolvedAt: number | null;
  endsAt: number | null;
}

export interface RunRow {
  id: string;
  runbook: string;
  action: string;
  state: RunState;
  trigger: RunTrigger;
  /** Episode fingerprint (alert runs) or the fingerprint of the given labels (manual runs). */
  fingerprint: string;
  /** Episode start (alert runs) or the creation time (manual runs). */
  startsAt: number;
  alertname: string | null;
  labels: Record<string, string>;
  /** Hash of the labels that identify the remediated object (cooldowns, one open run per object). */
  labelsKey: string;
  idempotencyKey: string;
  /** The rendered request (JSON, no secrets); null when rendering refused the alert's labels. */
  plan: unknown;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  /** When the engine should next look at the run; null while nothing is scheduled. */
  nextAt: number | null;
  /** Attempts that count against the retry policy (interrupted ones do not). */
  attempts: number;
  /** Attempts cut short by a crash and retried on resume. */
  interruptions: number;
  /** When the action was first called (cooldowns and budgets count from it); null before. */
  firstAttemptAt: number | null;
  verifyDeadline: number | null;
  decidedBy: string | null;
  decidedAt: number | null;
  cancelRequestedBy: string | null;
  /** Why the run ended where it did (`cooldown`, `http_404`, `verification_timeout`, …). */
  reason: string | null;
}

/** The fields of a run that change after creation. */
export type RunPatch = Partial<
  Pick<
    RunRow,
    | 'state'
    | 'updatedAt'
    | 'nextAt'
    | 'attempts'
    | 'interruptions'
    | 'firstAttemptAt'
    | 'verifyDeadline'
    | 'decidedBy'
    | 'decidedAt'
    | 'cancelRequestedBy'
    | 'reason'
  >
>;

export interface TransitionRow {
  runId: string;
  seq: number;
  at: number;
  from: RunState | null;
  to: RunState;
  actor: string;
  reason: string | null;
}

export interface AttemptRow {
  runId: string;
  /** 1-based, counting interrupted attempts too. */
  attempt: number;
  startedAt: number;
  finishedAt: number | null;
  outcome: AttemptOutcome | null;
  /** HTTP status of the last response. */
  status: number | null;
  exitCode: number | null;
  durationMs: number | null;
  error: string | null;
  /** Command output (tail, capped, secrets masked). */
  output: string | null;
}

export interface BreakerRow {
  runbook: string;
  action: string;
  consecutiveFailures: number;
  /** When the breaker opened; null while closed. */
  openedAt: number | null;
  updatedAt: number;
}

export interface RunFilter {
  states?: readonly RunState[];
  runbook?: string;
  action?: string;
  /** Keyset paging: rows strictly after this one in (createdAt desc, id desc) order. */
  after?: { createdAt: number; id: string };
  limit: number;
}

type Row = Record<string, unknown>;

const RUN_COLUMNS: Record<keyof RunPatch, string> = {
  state: 'state',
  updatedAt: 'updated_at',
  nextAt: 'next_at',
  attempts: 'attempts',
  interruptions: 'interruptions',
  firstAttemptAt: 'first_attempt_at',
  verifyDeadline: 'verify_deadline',
  decidedBy: 'decided_by',
  decidedAt: 'decided_at',
  cancelRequestedBy: 'cancel_requested_by',
  reason: 'reason',
};

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: unknown): T => JSON.parse(text as string) as T;
const num = (value: unknown): number | null => (value === null ? null : (value as number));
const str = (value: unknown): string | null => (value === null ? null : (value as string));

function episodeFromRow(row: Row): EpisodeRow {
  return {
    fingerprint: row.fingerprint as string,
    startsAt: row.starts_at as number,
    alertname: row.alertname as string,
    labels: parse(row.labels),
    annotations: parse(row.annotations),
    source: row.source as string,
    sourceFingerprint: str(row.source_fingerprint),
    status: row.status as EpisodeRow['status'],
    firstSeenAt: row.first_seen_at as number,
    lastSeenAt: row.last_seen_at as number,
    deliveries: row.deliveries as number,
    resolvedAt: num(row.resolved_at),
    endsAt: num(row.ends_at),
  };
}

function runFromRow(row: Row): RunRow {
  return {
    id: row.id as string,
    runbook: row.runbook as string,
    action: row.action as string,
    state: row.state as RunState,
    trigger: row.trigger as RunTrigger,
    fingerprint: row.fingerprint as string,
    startsAt: row.starts_at as number,
    alertname: str(row.alertname),
    labels: parse(row.labels),
    labelsKey: row.labels_key as string,
    idempotencyKey: row.idempotency_key as string,
    plan: row.plan === null ? null : parse(row.plan),
    createdBy: row.created_by as string,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
    nextAt: num(row.next_at),
    attempts: row.attempts as number,
    interruptions: row.interruptions as number,
    firstAttemptAt: num(row.first_attempt_at),
    verifyDeadline: num(row.verify_deadline),
    decidedBy: str(row.decided_by),
    decidedAt: num(row.decided_at),
    cancelRequestedBy: str(row.cancel_requested_by),
    reason: str(row.reason),
  };
}

function attemptFromRow(row: Row): AttemptRow {
  return {
    runId: row.run_id as string,
    attempt: row.attempt as number,
    startedAt: row.started_at as number,
    finishedAt: num(row.finished_at),
    outcome: str(row.outcome) as AttemptOutcome | null,
    status: num(row.status),
    exitCode: num(row.exit_code),
    durationMs: num(row.duration_ms),
    error: str(row.error),
    output: str(row.output),
  };
}

function breakerFromRow(row: Row): BreakerRow {
  return {
    runbook: row.runbook as string,
    action: row.action as string,
    consecutiveFailures: row.consecutive_failures as number,
    openedAt: num(row.opened_at),
    updatedAt: row.updated_at as number,
  };
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Reads and writes the remediation tables of one store's database. */
export class RunRows {
  private readonly db: Sqlite.Database;
  private readonly statements = new Map<string, Sqlite.Statement<unknown[]>>();

  constructor(store: Store) {
    this.db = store.sqlite();
    const missing = ['alert_episodes', 'runs', 'run_transitions', 'run_attempts', 'action_breakers'].filter(
      (table) =>
        this.db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table) ===
        undefined,
    );
    if (missing.length > 0) {
      throw new StoreError(`the database lacks the remediation tables (${missing.join(', ')}); migrate it`);
    }
  }

  /**
   * Runs `fn` in one write transaction (IMMEDIATE, so it never fails half-way on a lock upgrade); a
   * nested call becomes a savepoint of the outer one. Throws after rolling back everything `fn` wrote.
   */
  transaction<T>(fn: () => T): T {
    const transaction = this.db.transaction(fn);
    return this.db.inTransaction ? transaction() : transaction.immediate();
  }

  private stmt(sql: string): Sqlite.Statement<unknown[]> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  // --- episodes -----------------------------------------------------------------------------------

  getEpisode(fingerprint: string, startsAt: number): EpisodeRow | undefined {
    const row = this.stmt('SELECT * FROM alert_episodes WHERE fingerprint = ? AND starts_at = ?').get(
      fingerprint,
      startsAt,
    ) as Row | undefined;
    return row === undefined ? undefined : episodeFromRow(row);
  }

  /** Stores a new episode; its (fingerprint, startsAt) must be new. */
  insertEpisode(e: EpisodeRow): void {
    this.stmt(
      'INSERT INTO alert_episodes (fingerprint, starts_at, alertname, labels, annotations, source, ' +
        'source_fingerprint, status, first_seen_at, last_seen_at, deliveries, resolved_at, ends_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      e.fingerprint,
      e.startsAt,
      e.alertname,
      json(e.labels),
      json(e.annotations),
      e.source,
      e.sourceFingerprint,
      e.status,
      e.firstSeenAt,
      e.lastSeenAt,
      e.deliveries,
      e.resolvedAt,
      e.endsAt,
    );
  }

  /** Counts one more delivery of a known episode. */
  touchEpisode(fingerprint: string, startsAt: number, atMs: number): void {
    this.stmt(
      'UPDATE alert_episodes SET deliveries = deliveries + 1, last_seen_at = max(last_seen_at, ?) ' +
        'WHERE fingerprint = ? AND starts_at = ?',
    ).run(atMs, fingerprint, startsAt);
  }

  /** Marks an episode resolved; false when it already was (or does not exist). */
  resolveEpisode(fingerprint: string, startsAt: number, atMs: number, endsAt: number | null): boolean {
    const info = this.stmt(
      "UPDATE alert_episodes SET status = 'resolved', resolved_at = ?, ends_at = ? " +
        "WHERE fingerprint = ? AND starts_at = ? AND status = 'firing'",
    ).run(atMs, endsAt, fingerprint, startsAt);
    return info.changes > 0;
  }

  /** Firing episodes of one label set (newest first). */
  firingEpisodesOf(fingerprint: string): EpisodeRow[] {
    return (
      this.stmt(
        "SELECT * FROM alert_episodes WHERE fingerprint = ? AND status = 'firing' ORDER BY starts_at DESC",
      ).all(fingerprint) as Row[]
    ).map(episodeFromRow);
  }

  /** Episodes of one label set, firing or resolved, starting within `windowMs` of `startsAt` (nearest first). */
  episodesNear(fingerprint: string, startsAt: number, windowMs: number): EpisodeRow[] {
    return (
      this.stmt(
        'SELECT * FROM alert_episodes WHERE fingerprint = ? AND starts_at BETWEEN ? AND ? ' +
          'ORDER BY abs(starts_at - ?), starts_at DESC',
      ).all(fingerprint, startsAt - windowMs, startsAt + windowMs, startsAt) as Row[]
    ).map(episodeFromRow);
  }

  /** Firing episodes of one alert name, any labels. */
  firingEpisodesNamed(alertname: string): EpisodeRow[] {
    return (
      this.stmt(
        "SELECT * FROM alert_episodes WHERE alertname = ? AND status = 'firing' ORDER BY starts_at DESC",
      ).all(alertname) as Row[]
    ).map(episodeFromRow);
  }

  // --- runs ---------------------------------------------------------------------------------------

  insertRun(r: RunRow): void {
    this.stmt(
      'INSERT INTO runs (id, runbook, action, state, trigger, fingerprint, starts_at, alertname, labels, ' +
        'labels_key, idempotency_key, plan, created_by, created_at, updated_at, next_at, attempts, ' +
        'interruptions, first_attempt_at, verify_deadline, decided_by, decided_at, cancel_requested_by, reason) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(
      r.id,
      r.runbook,
      r.action,
      r.state,
      r.trigger,
      r.fingerprint,
      r.startsAt,
      r.alertname,
      json(r.labels),
      r.labelsKey,
      r.idempotencyKey,
      r.plan === null ? null : json(r.plan),
      r.createdBy,
      r.createdAt,
      r.updatedAt,
      r.nextAt,
      r.attempts,
      r.interruptions,
      r.firstAttemptAt,
      r.verifyDeadline,
      r.decidedBy,
      r.decidedAt,
      r.cancelRequestedBy,
      r.reason,
    );
  }

  getRun(id: string): RunRow | undefined {
    const row = this.stmt('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : runFromRow(row);
  }

  /** Applies `patch` to run `id`; throws when there is no such run. */
  updateRun(id: string, patch: RunPatch): void {
    const keys = (Object.keys(patch) as Array<keyof RunPatch>).filter((k) => patch[k] !== undefined);
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${RUN_COLUMNS[k]} = ?`).join(', ');
    const info = this.stmt(`UPDATE runs SET ${sets} WHERE id = ?`).run(...keys.map((k) => patch[k]), id);
    if (info.changes === 0) throw new StoreError(`no run with id ${id}`);
  }

  /** Runs newest first, filtered; keyset-paged by (createdAt, id). */
  listRuns(filter: RunFilter): RunRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.states !== undefined && filter.states.length > 0) {
      where.push(`state IN (${placeholders(filter.states.length)})`);
      args.push(...filter.states);
    }
    if (filter.runbook !== undefined) {
      where.push('runbook = ?');
      args.push(filter.runbook);
    }
    if (filter.action !== undefined) {
      where.push('action = ?');
      args.push(filter.action);
    }
    if (filter.after !== undefined) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(filter.after.createdAt, filter.after.createdAt, filter.after.id);
    }
    const sql =
      `SELECT * FROM runs${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY created_at DESC, id DESC LIMIT ?';
    return (this.stmt(sql).all(...args, filter.limit) as Row[]).map(runFromRow);
  }

  /** Runs the engine should look at by `nowMs`, earliest first. */
  dueRuns(nowMs: number, limit: number): RunRow[] {
    return (
      this.stmt(
        'SELECT * FROM runs WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at, id LIMIT ?',
      ).all(nowMs, limit) as Row[]
    ).map(runFromRow);
  }

  /** Runs in any of `states`. */
  runsInStates(states: readonly RunState[]): RunRow[] {
    return (
      this.stmt(
        `SELECT * FROM runs WHERE state IN (${placeholders(states.length)}) ORDER BY created_at, id`,
      ).all(...states) as Row[]
    ).map(runFromRow);
  }

  /** When the action last ran (first attempt of the newest run that called it) for one object. */
  lastExecutionFor(runbook: string, action: string, labelsKey: string): number | undefined {
    const value = this.stmt(
      'SELECT max(first_attempt_at) FROM runs WHERE runbook = ? AND action = ? AND labels_key = ?',
    )
      .pluck()
      .get(runbook, action, labelsKey) as number | null;
    return value ?? undefined;
  }

  /** Runs of an action for one object that are in one of `states`. */
  runsForObject(runbook: string, action: string, labelsKey: string, states: readonly RunState[]): RunRow[] {
    return (
      this.stmt(
        `SELECT * FROM runs WHERE runbook = ? AND action = ? AND labels_key = ? ` +
          `AND state IN (${placeholders(states.length)}) ORDER BY created_at, id`,
      ).all(runbook, action, labelsKey, ...states) as Row[]
    ).map(runFromRow);
  }

  /**
   * An action's share of its run budget: runs whose action was first called after `sinceMs` (their
   * first-call times, oldest first), and runs in `open` states that have not called it yet.
   */
  budgetUse(
    runbook: string,
    action: string,
    sinceMs: number,
    open: readonly RunState[],
  ): { executedAt: number[]; pending: number } {
    const executedAt = this.stmt(
      'SELECT first_attempt_at FROM runs WHERE runbook = ? AND action = ? AND first_attempt_at > ? ' +
        'ORDER BY first_attempt_at',
    )
      .pluck()
      .all(runbook, action, sinceMs) as number[];
    const pending = this.stmt(
      `SELECT count(*) FROM runs WHERE runbook = ? AND action = ? AND first_attempt_at IS NULL ` +
        `AND state IN (${placeholders(open.length)})`,
    )
      .pluck()
      .get(runbook, action, ...open) as number;
    return { executedAt, pending };
  }

  /**
   * Forgets episodes not delivered since `beforeMs` (resolved long ago, or never resolved and no
   * longer repeated by their sender); returns how many. Runs keep their own copy of the labels.
   */
  pruneEpisodes(beforeMs: number): number {
    return this.stmt('DELETE FROM alert_episodes WHERE last_seen_at < ?').run(beforeMs).changes;
  }

  // --- transitions ----------------------------------------------------------------------------------

  /** Appends a transition to a run's timeline; returns its 1-based sequence number. */
  addTransition(t: Omit<TransitionRow, 'seq'>): number {
    const seq =
      ((this.stmt('SELECT max(seq) FROM run_transitions WHERE run_id = ?').pluck().get(t.runId) as
        number | null) ?? 0) + 1;
    this.stmt(
      'INSERT INTO run_transitions (run_id, seq, at, from_state, to_state, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ).run(t.runId, seq, t.at, t.from, t.to, t.actor, t.reason);
    return seq;
  }

  transitions(runId: string): TransitionRow[] {
    return (this.stmt('SELECT * FROM run_transitions WHERE run_id = ? ORDER BY seq').all(runId) as Row[]).map(
      (row) => ({
        runId: row.run_id as string,
        seq: row.seq as number,
        at: row.at as number,
        from: str(row.from_state) as RunState | null,
        to: row.to_state as RunState,
        actor: row.actor as string,
        reason: str(row.reason),
      }),
    );
  }

  // --- attempts -------------------------------------------------------------------------------------

  /** Records that attempt `attempt` of a run is about to call its target. */
  startAttempt(runId: string, attempt: number, startedAt: number): void {
    this.stmt('INSERT INTO run_attempts (run_id, attempt, started_at) VALUES (?, ?, ?)').run(
      runId,
      attempt,
      startedAt,
    );
  }

  /** Records how an attempt ended; throws when it is not open. */
  finishAttempt(
    runId: string,
    attempt: number,
    result: Pick<
      AttemptRow,
      'finishedAt' | 'outcome' | 'status' | 'exitCode' | 'durationMs' | 'error' | 'output'
    >,
  ): void {
    const info = this.stmt(
      'UPDATE run_attempts SET finished_at = ?, outcome = ?, status = ?, exit_code = ?, duration_ms = ?, ' +
        'error = ?, output = ? WHERE run_id = ? AND attempt = ? AND finished_at IS NULL',
    ).run(
      result.finishedAt,
      result.outcome,
      result.status,
      result.exitCode,
      result.durationMs,
      result.error,
      result.output,
      runId,
      attempt,
    );
    if (info.changes === 0) throw new StoreError(`run ${runId} has no open attempt ${attempt}`);
  }

  attempts(runId: string): AttemptRow[] {
    return (
      this.stmt('SELECT * FROM run_attempts WHERE run_id = ? ORDER BY attempt').all(runId) as Row[]
    ).map(attemptFromRow);
  }

  /** Attempts started and never finished: the process died while they were in flight. */
  unfinishedAttempts(): AttemptRow[] {
    return (
      this.stmt(
        'SELECT * FROM run_attempts WHERE finished_at IS NULL ORDER BY run_id, attempt',
      ).all() as Row[]
    ).map(attemptFromRow);
  }

  // --- circuit breakers -------------------------------------------------------------------------------

  getBreaker(runbook: string, action: string): BreakerRow | undefined {
    const row = this.stmt('SELECT * FROM action_breakers WHERE runbook = ? AND action = ?').get(
      runbook,
      action,
    ) as Row | undefined;
    return row === undefined ? undefined : breakerFromRow(row);
  }

  putBreaker(b: BreakerRow): void {
    this.stmt(
      'INSERT INTO action_breakers (runbook, action, consecutive_failures, opened_at, updated_at) ' +
        'VALUES (?, ?, ?, ?, ?) ON CONFLICT (runbook, action) DO UPDATE SET ' +
        'consecutive_failures = excluded.consecutive_failures, opened_at = excluded.opened_at, ' +
        'updated_at = excluded.updated_at',
    ).run(b.runbook, b.action, b.consecutiveFailures, b.openedAt, b.updatedAt);
  }

  listBreakers(): BreakerRow[] {
    return (this.stmt('SELECT * FROM action_breakers ORDER BY runbook, action').all() as Row[]).map(
      breakerFromRow,
    );
  }
}
