// The remediation tables: rows round-trip, one run per alert episode and action is enforced by the
// schema, paging is stable, and everything survives closing and reopening the database.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { RunRows, type EpisodeRow, type RunRow } from './runs-rows.js';
import { openStore } from './store.js';
import { tempDirs } from './test-support/temp-dirs.js';

const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);
const newDir = tempDirs('slactl-runs-rows-');

function episode(overrides: Partial<EpisodeRow> = {}): EpisodeRow {
  return {
    fingerprint: 'f1',
    startsAt: T0,
    alertname: 'VectorRecallBelowTarget',
    labels: { alertname: 'VectorRecallBelowTarget', index: 'products-v3' },
    annotations: { summary: 'recall low' },
    source: 'alertmanager',
    sourceFingerprint: 'abc',
    status: 'firing',
    firstSeenAt: T0,
    lastSeenAt: T0,
    deliveries: 1,
    resolvedAt: null,
    endsAt: null,
    ...overrides,
  };
}

function run(id: string, overrides: Partial<RunRow> = {}): RunRow {
  return {
    id,
    runbook: 'vector-index-degradation',
    action: 'compact-index',
    state: 'executing',
    trigger: 'alert',
    fingerprint: 'f1',
    startsAt: T0,
    alertname: 'VectorRecallBelowTarget',
    labels: { index: 'products-v3' },
    labelsKey: 'k1',
    idempotencyKey: 'slactl-1',
    plan: { kind: 'http', url: 'http://x/y' },
    createdBy: 'alertmanager',
    createdAt: T0,
    updatedAt: T0,
    nextAt: T0,
    attempts: 0,
    interruptions: 0,
    firstAttemptAt: null,
    verifyDeadline: null,
    decidedBy: null,
    decidedAt: null,
    cancelRequestedBy: null,
    reason: null,
    ...overrides,
  };
}

const id = (n: number) => `01J0000000000000000000000${n}`;

describe('RunRows', () => {
  it('stores episodes, counts deliveries and resolves them once', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    rows.insertEpisode(episode());
    expect(() => rows.insertEpisode(episode())).toThrow(/UNIQUE|PRIMARY KEY/);
    rows.touchEpisode('f1', T0, T0 + 5);
    expect(rows.getEpisode('f1', T0)).toEqual(episode({ deliveries: 2, lastSeenAt: T0 + 5 }));
    expect(rows.firingEpisodesOf('f1')).toHaveLength(1);
    expect(rows.firingEpisodesNamed('VectorRecallBelowTarget')).toHaveLength(1);
    expect(rows.resolveEpisode('f1', T0, T0 + 10, T0 + 9)).toBe(true);
    expect(rows.resolveEpisode('f1', T0, T0 + 11, null)).toBe(false);
    expect(rows.getEpisode('f1', T0)).toMatchObject({
      status: 'resolved',
      resolvedAt: T0 + 10,
      endsAt: T0 + 9,
    });
    expect(rows.firingEpisodesOf('f1')).toEqual([]);
    rows.insertEpisode(episode({ fingerprint: 'f2', lastSeenAt: T0 + 100 }));
    expect(rows.pruneEpisodes(T0 + 50)).toBe(1);
    expect(rows.getEpisode('f1', T0)).toBeUndefined();
    expect(rows.getEpisode('f2', T0)).toBeDefined();
  });

  it('allows one alert run per episode and action, any number of manual ones', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    rows.insertRun(run(id(1)));
    expect(() => rows.insertRun(run(id(2)))).toThrow(/UNIQUE constraint failed/);
    rows.insertRun(run(id(3), { action: 'other' }));
    rows.insertRun(run(id(4), { trigger: 'manual' }));
    rows.insertRun(run(id(5), { trigger: 'manual' }));
    expect(rows.listRuns({ limit: 10 })).toHaveLength(4);
  });

  it('round-trips runs, applies patches, and refuses a patch to a missing run', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    rows.insertRun(run(id(1)));
    rows.updateRun(id(1), {
      state: 'verifying',
      nextAt: null,
      verifyDeadline: T0 + 60_000,
      firstAttemptAt: T0,
    });
    expect(rows.getRun(id(1))).toEqual(
      run(id(1), { state: 'verifying', nextAt: null, verifyDeadline: T0 + 60_000, firstAttemptAt: T0 }),
    );
    expect(() => rows.updateRun(id(9), { state: 'failed' })).toThrow(
      new StoreError(`no run with id ${id(9)}`),
    );
    expect(rows.getRun(id(9))).toBeUndefined();
  });

  it('lists newest first with filters and stable keyset pages', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    for (let i = 0; i < 7; i++) {
      rows.insertRun(
        run(id(i), {
          trigger: 'manual',
          createdAt: T0 + Math.floor(i / 2),
          state: i % 2 === 0 ? 'succeeded' : 'failed',
        }),
      );
    }
    const first = rows.listRuns({ limit: 3 });
    expect(first.map((r) => r.id)).toEqual([id(6), id(5), id(4)]);
    const last = first.at(-1)!;
    const second = rows.listRuns({ limit: 3, after: { createdAt: last.createdAt, id: last.id } });
    expect(second.map((r) => r.id)).toEqual([id(3), id(2), id(1)]);
    expect(rows.listRuns({ limit: 10, states: ['failed'] }).map((r) => r.id)).toEqual([id(5), id(3), id(1)]);
    expect(rows.listRuns({ limit: 10, runbook: 'nope' })).toEqual([]);
    expect(
      rows.listRuns({ limit: 10, action: 'compact-index', states: ['succeeded', 'failed'] }),
    ).toHaveLength(7);
  });

  it('finds due runs in time order', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    rows.insertRun(run(id(1), { trigger: 'manual', nextAt: T0 + 30 }));
    rows.insertRun(run(id(2), { trigger: 'manual', nextAt: T0 + 10 }));
    rows.insertRun(run(id(3), { trigger: 'manual', nextAt: null }));
    expect(rows.dueRuns(T0 + 20, 10).map((r) => r.id)).toEqual([id(2)]);
    expect(rows.dueRuns(T0 + 30, 10).map((r) => r.id)).toEqual([id(2), id(1)]);
    expect(rows.dueRuns(T0 + 30, 1).map((r) => r.id)).toEqual([id(2)]);
  });

  it('keeps a timeline of transitions and attempts, and finds attempts left open', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    rows.insertRun(run(id(1)));
    expect(
      rows.addTransition({ runId: id(1), at: T0, from: null, to: 'triggered', actor: 'a', reason: null }),
    ).toBe(1);
    expect(
      rows.addTransition({
        runId: id(1),
        at: T0,
        from: 'triggered',
        to: 'executing',
        actor: 'b',
        reason: 'r',
      }),
    ).toBe(2);
    expect(rows.transitions(id(1)).map((t) => [t.seq, t.from, t.to, t.actor, t.reason])).toEqual([
      [1, null, 'triggered', 'a', null],
      [2, 'triggered', 'executing', 'b', 'r'],
    ]);
    rows.startAttempt(id(1), 1, T0);
    expect(rows.unfinishedAttempts()).toMatchObject([{ runId: id(1), attempt: 1, finishedAt: null }]);
    const result = {
      finishedAt: T0 + 5,
      outcome: 'ok' as const,
      status: 200,
      exitCode: null,
      durationMs: 5,
      error: null,
      output: 'ok',
    };
    rows.finishAttempt(id(1), 1, result);
    expect(() => rows.finishAttempt(id(1), 1, result)).toThrow(`run ${id(1)} has no open attempt 1`);
    expect(rows.unfinishedAttempts()).toEqual([]);
    expect(rows.attempts(id(1))).toEqual([{ runId: id(1), attempt: 1, startedAt: T0, ...result }]);
  });

  it('answers the guard rails: last execution per object, budget use per action', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    rows.insertRun(run(id(1), { trigger: 'manual', firstAttemptAt: T0, state: 'succeeded' }));
    rows.insertRun(
      run(id(2), { trigger: 'manual', firstAttemptAt: T0 + 100, state: 'failed', labelsKey: 'k2' }),
    );
    rows.insertRun(run(id(3), { trigger: 'manual', firstAttemptAt: null, state: 'awaiting_approval' }));
    rows.insertRun(run(id(4), { trigger: 'manual', firstAttemptAt: null, state: 'skipped' }));
    expect(rows.lastExecutionFor('vector-index-degradation', 'compact-index', 'k1')).toBe(T0);
    expect(rows.lastExecutionFor('vector-index-degradation', 'compact-index', 'k3')).toBeUndefined();
    expect(
      rows.budgetUse('vector-index-degradation', 'compact-index', T0 - 1, [
        'triggered',
        'awaiting_approval',
        'executing',
      ]),
    ).toEqual({ executedAt: [T0, T0 + 100], pending: 1 });
    expect(
      rows
        .runsForObject('vector-index-degradation', 'compact-index', 'k1', ['awaiting_approval'])
        .map((r) => r.id),
    ).toEqual([id(3)]);
  });

  it('keeps breakers, and everything else, across closing and reopening', () => {
    const file = path.join(newDir(), 'slactl.db');
    const store = openStore({ path: file });
    const rows = new RunRows(store);
    rows.insertRun(run(id(1)));
    rows.startAttempt(id(1), 1, T0);
    rows.putBreaker({ runbook: 'r', action: 'a', consecutiveFailures: 3, openedAt: T0, updatedAt: T0 });
    store.close();

    const again = new RunRows(openStore({ path: file }));
    expect(again.getRun(id(1))).toEqual(run(id(1)));
    expect(again.unfinishedAttempts()).toHaveLength(1);
    expect(again.listBreakers()).toEqual([
      { runbook: 'r', action: 'a', consecutiveFailures: 3, openedAt: T0, updatedAt: T0 },
    ]);
    again.putBreaker({
      runbook: 'r',
      action: 'a',
      consecutiveFailures: 0,
      openedAt: null,
      updatedAt: T0 + 1,
    });
    expect(again.getBreaker('r', 'a')).toMatchObject({ consecutiveFailures: 0, openedAt: null });
  });

  it('rolls a transaction back whole', () => {
    const rows = new RunRows(openStore({ path: ':memory:' }));
    expect(() =>
      rows.transaction(() => {
        rows.insertRun(run(id(1)));
        rows.addTransition({ runId: id(1), at: T0, from: null, to: 'triggered', actor: 'a', reason: null });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(rows.getRun(id(1))).toBeUndefined();
    expect(rows.transitions(id(1))).toEqual([]);
  });
});
