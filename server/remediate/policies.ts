// The guard rails that make it safe to let a machine act, all kept in SQLite so a restart forgets none:
// one open run per action and object, a cooldown per action and object, a run budget per action, and
// a circuit breaker that stops automatic runs of an action that keeps failing.
import type { BreakerRow, RunRows, RunState } from '../store/runs-rows.js';
import type { RunbookAction } from './runbook-types.js';

/** States of a run that has not finished. */
export const OPEN_STATES: readonly RunState[] = ['triggered', 'awaiting_approval', 'executing', 'verifying'];

export type RefusalReason = 'run_in_progress' | 'cooldown' | 'budget_exhausted' | 'circuit_open';

export interface Refusal {
  reason: RefusalReason;
  message: string;
  /** When the same request could pass (cooldowns and budgets). */
  retryAtMs?: number;
}

export interface PolicyInput {
  runbook: string;
  action: RunbookAction;
  labelsKey: string;
  nowMs: number;
  /** A person asked for it: the circuit breaker does not apply (a manual success closes it). */
  manual: boolean;
}

/** Why a new run of the action must not start now, or undefined when it may. */
export function checkPolicies(rows: RunRows, input: PolicyInput): Refusal | undefined {
  const { runbook, action, labelsKey, nowMs } = input;
  const open = rows.runsForObject(runbook, action.id, labelsKey, OPEN_STATES);
  if (open.length > 0) {
    return {
      reason: 'run_in_progress',
      message: `run ${open[0]!.id} of ${runbook}/${action.id} for the same object is still ${open[0]!.state}`,
    };
  }
  if (!input.manual) {
    const breaker = rows.getBreaker(runbook, action.id);
    if (breaker?.openedAt != null) {
      return {
        reason: 'circuit_open',
        message:
          `the circuit breaker of ${runbook}/${action.id} is open after ${breaker.consecutiveFailures} failed runs in a row; ` +
          'a successful manual run or a reset closes it',
      };
    }
  }
  const last = rows.lastExecutionFor(runbook, action.id, labelsKey);
  if (last !== undefined && action.cooldownMs > 0 && nowMs < last + action.cooldownMs) {
    return {
      reason: 'cooldown',
      message: `${runbook}/${action.id} ran for the same object at ${new Date(last).toISOString()}; cooldown lasts until ${new Date(last + action.cooldownMs).toISOString()}`,
      retryAtMs: last + action.cooldownMs,
    };
  }
  const { count, windowMs } = action.maxRuns;
  const use = rows.budgetUse(runbook, action.id, nowMs - windowMs, OPEN_STATES);
  if (use.executedAt.length + use.pending >= count) {
    const oldest = use.executedAt[0];
    return {
      reason: 'budget_exhausted',
      message:
        `${runbook}/${action.id} may run ${count} times per ${windowMs / 1000} s; ` +
        `${use.executedAt.length} ran in that window and ${use.pending} ${use.pending === 1 ? 'is' : 'are'} waiting`,
      ...(use.pending === 0 && oldest !== undefined ? { retryAtMs: oldest + windowMs } : {}),
    };
  }
  return undefined;
}

export interface BreakerChange {
  opened: boolean;
  closed: boolean;
  row: BreakerRow;
}

/**
 * Records a finished run in its action's breaker: a failure counts towards opening it (at
 * `threshold` in a row), a success resets the count and, when the run was manual, closes an open one.
 */
export function recordRunOutcome(
  rows: RunRows,
  input: {
    runbook: string;
    action: string;
    succeeded: boolean;
    manual: boolean;
    nowMs: number;
    threshold: number;
  },
): BreakerChange {
  const before = rows.getBreaker(input.runbook, input.action) ?? {
    runbook: input.runbook,
    action: input.action,
    consecutiveFailures: 0,
    openedAt: null,
    updatedAt: input.nowMs,
  };
  const wasOpen = before.openedAt !== null;
  let row: BreakerRow;
  if (input.succeeded) {
    // An automatic run started before the breaker opened proves less than a person's deliberate run.
    if (wasOpen && !input.manual) return { opened: false, closed: false, row: before };
    row = { ...before, consecutiveFailures: 0, openedAt: null, updatedAt: input.nowMs };
  } else {
    const failures = before.consecutiveFailures + 1;
    row = {
      ...before,
      consecutiveFailures: failures,
      openedAt: wasOpen ? before.openedAt : failures >= input.threshold ? input.nowMs : null,
      updatedAt: input.nowMs,
    };
  }
  rows.putBreaker(row);
  return { opened: !wasOpen && row.openedAt !== null, closed: wasOpen && row.openedAt === null, row };
}

/** Closes an action's breaker and clears its failure count; false when it was not open. */
export function resetBreaker(rows: RunRows, runbook: string, action: string, nowMs: number): boolean {
  const before = rows.getBreaker(runbook, action);
  rows.putBreaker({ runbook, action, consecutiveFailures: 0, openedAt: null, updatedAt: nowMs });
  return before?.openedAt != null;
}

/** Backoff before retry `n` (1-based): `backoffMs` doubled each time, capped, never below Retry-After. */
export function backoffMs(policy: RunbookAction['retries'], retry: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, retry - 1));
  return retryAfterMs === undefined
    ? exponential
    : Math.min(policy.maxBackoffMs, Math.max(exponential, retryAfterMs));
}
