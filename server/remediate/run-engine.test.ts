// The run state machine against a real SQLite store and a real HTTP target, time driven by a manual
// clock: transitions, approvals, retries and backoff, verification, guard rails across restarts,
// cancellation, events, and secrets kept out of everything recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAuditLog, type AuditLog } from '../audit/log.js';
import { RemediationError } from './errors.js';
import {
  compactAction,
  firing,
  harness,
  recallLabels,
  resolved,
  runbookOf,
  SECRET,
  targetConfig,
  T0,
  noVerify,
  type Harness,
  type HarnessOptions,
} from './test-support/fixtures.js';

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await harness(options);
  return h;
}

function tempDb(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-runs-'));
  dirs.push(dir);
  return path.join(dir, 'slactl.db');
}

const states = (t: Harness, id: string) => t.engine.get(id).transitions.map((x) => x.to);
const runOf = (t: Harness, startsAt = T0, labels = recallLabels()) => {
  const summary = t.receiver.receive([firing(labels, startsAt)], 'alertmanager');
  expect(summary.runs).toHaveLength(1);
  return summary.runs[0]!;
};

describe('an automatic run', () => {
  it('calls the target once with the Idempotency-Key, then verifies until the alert resolves', async () => {
    const t = await start();
    const id = runOf(t);
    expect(t.engine.get(id).state).toBe('executing');
    await t.engine.settle();

    expect(t.target.requests).toHaveLength(1);
    const request = t.target.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/admin/indexes/products-v3/compact');
    expect(JSON.parse(request.body)).toEqual({ index: 'products-v3', mode: 'full' });
    expect(request.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(request.headers['x-team']).toBe('search');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['idempotency-key']).toMatch(/^slactl-[0-9a-f]{40}$/);
    expect(request.headers['idempotency-key']).toBe(t.engine.get(id).idempotencyKey);
    expect(request.headers['x-slactl-run-id']).toBe(id);

    // Still firing: it keeps checking every 15 s until the deadline.
    expect(t.engine.get(id).state).toBe('verifying');
    t.clock.advance(15_000);
    await t.engine.settle();
    expect(t.engine.get(id).state).toBe('verifying');

    t.receiver.receive([resolved(recallLabels(), T0)], 'alertmanager');
    const run = t.engine.get(id);
    expect(run.state).toBe('succeeded');
    expect(states(t, id)).toEqual(['triggered', 'executing', 'verifying', 'succeeded']);
    expect(run.attempts).toMatchObject([{ attempt: 1, outcome: 'ok', status: 200 }]);
    expect(t.audit.kinds(id)).toEqual([
      'run_created',
      'run_transition',
      'action_request',
      'action_response',
      'run_transition',
      'verification',
      'run_transition',
    ]);
    expect(t.events.map((e) => `${e.data.transition.from ?? '-'}>${e.data.transition.to}`)).toEqual([
      '->triggered',
      'triggered>executing',
      'executing>verifying',
      'verifying>succeeded',
    ]);
  });

  it('escalates when the alert still fires at the verification deadline', async () => {
    const t = await start({
      runbooks: [
        runbookOf([compactAction({ verify: { alert: 'VectorRecallBelowTarget', withinMs: 60_000 } })]),
      ],
    });
    const id = runOf(t);
    await t.engine.settle();
    for (let i = 0; i < 3; i++) {
      t.clock.advance(15_000);
      await t.engine.settle();
      expect(t.engine.get(id).state).toBe('verifying');
    }
    t.clock.advance(15_000);
    await t.engine.settle();
    const run = t.engine.get(id);
    expect(run.state).toBe('escalated');
    expect(run.reason).toBe('verification_timeout');
    expect(t.audit.entries.filter((e) => e.subject === id && e.kind === 'escalation')).toHaveLength(1);
  });

  it('verifies through the injected isFiring when one is given', async () => {
    let firingNow = true;
    const seen: Array<[string, Record<string, string>]> = [];
    const t = await start({
      isFiring: (alertname, labels) => {
        seen.push([alertname, { ...labels }]);
        return firingNow;
      },
    });
    const id = runOf(t);
    await t.engine.settle();
    expect(t.engine.get(id).state).toBe('verifying');
    firingNow = false;
    t.clock.advance(15_000);
    await t.engine.settle();
    expect(t.engine.get(id).state).toBe('succeeded');
    expect(seen[0]).toEqual(['VectorRecallBelowTarget', recallLabels()]);
  });

  it('succeeds without verification when the action declares none', async () => {
    const t = await start({ runbooks: [runbookOf([noVerify(compactAction())])] });
    const id = runOf(t);
    await t.engine.settle();
    expect(states(t, id)).toEqual(['triggered', 'executing', 'succeeded']);
  });
});

describe('retries', () => {
  it('retries 5xx with exponential backoff on the engine clock, with the same key, then succeeds', async () => {
    const t = await start();
    t.target.behave((_r, i) => (i < 2 ? { status: 503 } : { status: 200 }));
    const id = runOf(t);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(1);
    expect(t.engine.get(id).nextAt).toBe(new Date(T0 + 1_000).toISOString());

    t.clock.advance(999);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(1);
    t.clock.advance(1);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(2);
    // Second retry waits twice as long.
    expect(t.engine.get(id).nextAt).toBe(new Date(T0 + 1_000 + 2_000).toISOString());
    t.clock.advance(2_000);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(3);
    expect(new Set(t.target.requests.map((r) => r.idempotencyKey)).size).toBe(1);
    const run = t.engine.get(id);
    expect(run.state).toBe('verifying');
    expect(run.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['retryable', 503],
      ['retryable', 503],
      ['ok', 200],
    ]);
  });

  it('fails at once on a 4xx, without retrying', async () => {
    const t = await start();
    t.target.behave(() => ({ status: 404, body: { error: 'no such index' } }));
    const id = runOf(t);
    await t.engine.settle();
    t.clock.advance(60_000);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(1);
    const run = t.engine.get(id);
    expect(run.state).toBe('failed');
    expect(run.reason).toBe('http_404');
    expect(run.attempts[0]).toMatchObject({
      outcome: 'fatal',
      status: 404,
      output: '{"error":"no such index"}',
    });
  });

  it('gives up after retries.max retries', async () => {
    const t = await start();
    t.target.behave(() => ({ status: 500 }));
    const id = runOf(t);
    for (let i = 0; i < 5; i++) {
      await t.engine.settle();
      t.clock.advance(10_000);
    }
    expect(t.target.requests).toHaveLength(3);
    expect(t.engine.get(id)).toMatchObject({ state: 'failed', reason: 'http_500 (retries exhausted)' });
  });

  it('treats a timeout as retryable', async () => {
    const t = await start({
      runbooks: [
        runbookOf([compactAction({ timeoutMs: 200, retries: { max: 1, backoffMs: 10, maxBackoffMs: 10 } })]),
      ],
    });
    t.target.behave((_r, i) => (i === 0 ? { status: 200, delayMs: 1_000 } : { status: 200 }));
    const id = runOf(t);
    await t.engine.settle();
    expect(t.engine.get(id).attempts[0]).toMatchObject({ outcome: 'retryable' });
    expect(t.engine.get(id).attempts[0]!.error).toMatch(/within 200 ms/);
    t.clock.advance(10);
    await t.engine.settle();
    expect(t.engine.get(id).state).toBe('verifying');
  });
});

describe('resume', () => {
  it('retries an attempt a stop interrupted, and fails a run interrupted more than maxInterruptions times', async () => {
    const t = await start({ engine: { maxInterruptions: 2 } });
    const crash = (id: string) => {
      // What a process that died mid-call leaves: an attempt started and never finished.
      t.rows.startAttempt(id, t.rows.attempts(id).length + 1, t.clock.now());
      t.rows.updateRun(id, { nextAt: null });
      t.restart();
      expect(t.engine.resume()).toBe(1);
    };
    const survives = runOf(t, T0, recallLabels('a'));
    crash(survives);
    crash(survives);
    await t.engine.settle();
    expect(t.engine.get(survives)).toMatchObject({ state: 'verifying', interruptions: 2, attemptCount: 1 });
    expect(t.engine.get(survives).attempts.map((a) => a.outcome)).toEqual([
      'interrupted',
      'interrupted',
      'ok',
    ]);

    const doomed = runOf(t, T0, recallLabels('b'));
    for (let i = 0; i < 3; i++) crash(doomed);
    expect(t.engine.get(doomed)).toMatchObject({ state: 'failed', reason: 'interrupted', interruptions: 3 });
    await t.engine.settle();
    expect(t.target.requests.map((r) => r.url)).toEqual(['/admin/indexes/a/compact']);
  });
});

describe('approval', () => {
  const approvalRunbooks = [runbookOf([compactAction({ approval: 'required' })])];

  it('waits for approval, records who approved, then executes', async () => {
    const t = await start({ runbooks: approvalRunbooks });
    const id = runOf(t);
    await t.engine.settle();
    expect(t.engine.get(id).state).toBe('awaiting_approval');
    expect(t.target.requests).toHaveLength(0);
    const approved = t.engine.approve(id, 'token:t1 (alice)', { reason: 'recall is at 0.71' });
    expect(approved).toMatchObject({ state: 'executing', decidedBy: 'token:t1 (alice)' });
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(1);
    const approval = t.audit.entries.find((e) => e.kind === 'run_approved')!;
    expect(approval).toMatchObject({
      actor: 'token:t1 (alice)',
      subject: id,
      data: { reason: 'recall is at 0.71' },
    });
    expect(t.engine.get(id).transitions[2]).toMatchObject({
      from: 'awaiting_approval',
      to: 'executing',
      actor: 'token:t1 (alice)',
    });
  });

  it('rejects, and refuses a second decision', async () => {
    const t = await start({ runbooks: approvalRunbooks });
    const id = runOf(t);
    expect(t.engine.reject(id, 'token:t2 (bob)')).toMatchObject({
      state: 'rejected',
      decidedBy: 'token:t2 (bob)',
    });
    expect(() => t.engine.approve(id, 'token:t1 (alice)')).toThrow(
      /run .* is rejected; only a run that is awaiting_approval can be approved/,
    );
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(0);
    expect(t.audit.entries.find((e) => e.kind === 'run_rejected')).toMatchObject({ actor: 'token:t2 (bob)' });
  });

  it('answers an unknown run id with not_found', () => {
    return start().then((t) => {
      const error = (() => {
        try {
          t.engine.approve('01ARZ3NDEKTSV4RRFFQ69G5FAV', 'x');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(RemediationError);
      expect(error).toMatchObject({ kind: 'not_found', code: 'not_found' });
      expect(() => t.engine.get('../../etc/passwd')).toThrow(/no run with id/);
    });
  });
});

describe('cancel', () => {
  it('cancels a run waiting for approval, in backoff, or verifying; not a finished one', async () => {
    const t = await start({
      runbooks: [
        runbookOf([compactAction({ approval: 'required' })]),
        runbookOf([compactAction()], { id: 'other', triggers: ['Other'] }),
      ],
    });
    const waiting = runOf(t);
    expect(t.engine.cancel(waiting, 'token:t1 (alice)', { reason: 'false alarm' }).state).toBe('cancelled');

    t.target.behave(() => ({ status: 503 }));
    const inBackoff = runOf(t, T0, { ...recallLabels('orders'), alertname: 'Other' });
    await t.engine.settle();
    expect(t.engine.get(inBackoff).nextAt).not.toBeNull();
    t.engine.cancel(inBackoff, 'token:t1 (alice)');
    t.clock.advance(60_000);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(1);
    expect(t.engine.get(inBackoff).state).toBe('cancelled');
    expect(() => t.engine.cancel(inBackoff, 'x')).toThrow(/is cancelled/);
    expect(t.audit.entries.filter((e) => e.kind === 'run_cancelled').map((e) => e.actor)).toEqual([
      'token:t1 (alice)',
      'token:t1 (alice)',
    ]);
  });

  it('lets a call in flight finish and records it, then cancels', async () => {
    const t = await start();
    t.target.behave(() => ({ stall: true }));
    const id = runOf(t);
    const ticking = t.engine.tick();
    await t.target.waitForRequests(1);
    expect(t.engine.cancel(id, 'token:t1 (alice)')).toMatchObject({
      state: 'executing',
      cancelRequestedBy: 'token:t1 (alice)',
    });
    t.target.release();
    await ticking;
    const run = t.engine.get(id);
    expect(run.state).toBe('cancelled');
    expect(run.attempts).toMatchObject([{ outcome: 'ok' }]);
    expect(run.transitions.at(-1)).toMatchObject({
      actor: 'token:t1 (alice)',
      reason: 'cancelled after the action succeeded',
    });
  });
});

describe('guard rails', () => {
  it('keeps one open run per action and object', async () => {
    const t = await start({ runbooks: [runbookOf([compactAction({ approval: 'required' })])] });
    runOf(t, T0);
    const second = t.receiver.receive(
      [firing(recallLabels('products-v3', { severity: 'warning' }), T0 + 600_000)],
      'alertmanager',
    );
    expect(t.engine.get(second.runs[0]!)).toMatchObject({ state: 'skipped', reason: 'run_in_progress' });
    // Another index is another object.
    const other = t.receiver.receive([firing(recallLabels('faq-v1'), T0 + 600_000)], 'alertmanager');
    expect(t.engine.get(other.runs[0]!).state).toBe('awaiting_approval');
  });

  it('holds the cooldown per action and object, across a restart', async () => {
    const t = await start({
      path: tempDb(),
      runbooks: [runbookOf([noVerify(compactAction({ cooldownMs: 3_600_000 }))])],
    });
    runOf(t, T0);
    await t.engine.settle();
    t.clock.advance(10 * 60_000);
    t.restart();
    const again = t.receiver.receive([firing(recallLabels(), T0 + 10 * 60_000)], 'alertmanager').runs[0]!;
    expect(t.engine.get(again)).toMatchObject({ state: 'skipped', reason: 'cooldown' });
    const other = t.receiver.receive([firing(recallLabels('faq-v1'), T0 + 10 * 60_000)], 'alertmanager')
      .runs[0]!;
    expect(t.engine.get(other).state).toBe('executing');
    // A person is held to it too, and told when it ends.
    let refused: unknown;
    try {
      t.engine.trigger(
        { runbook: 'vector-index-degradation', action: 'compact-index', labels: recallLabels() },
        'token:t1 (alice)',
      );
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ kind: 'conflict', code: 'cooldown', retryAtMs: T0 + 3_600_000 });
    t.clock.set(T0 + 3_600_001);
    const later = t.receiver.receive([firing(recallLabels(), T0 + 3_600_001)], 'alertmanager').runs[0]!;
    expect(t.engine.get(later).state).toBe('executing');
  });

  it('holds the run budget per action across all objects and a restart', async () => {
    const t = await start({
      path: tempDb(),
      runbooks: [runbookOf([noVerify(compactAction({ maxRuns: { count: 2, windowMs: 3_600_000 } }))])],
    });
    runOf(t, T0, recallLabels('a'));
    runOf(t, T0, recallLabels('b'));
    await t.engine.settle();
    t.restart();
    const third = runOf(t, T0 + 1, recallLabels('c'));
    expect(t.engine.get(third)).toMatchObject({ state: 'skipped', reason: 'budget_exhausted' });
    t.clock.set(T0 + 3_600_001);
    const fourth = runOf(t, T0 + 3_600_001, recallLabels('d'));
    expect(t.engine.get(fourth).state).toBe('executing');
  });

  it('opens the circuit breaker after 3 failed runs, refuses automatic runs across a restart, and closes on a manual success', async () => {
    const t = await start({
      path: tempDb(),
      runbooks: [
        runbookOf([noVerify(compactAction({ retries: { max: 0, backoffMs: 1, maxBackoffMs: 1 } }))]),
      ],
    });
    t.target.behave(() => ({ status: 500 }));
    for (const index of ['a', 'b', 'c']) {
      const id = runOf(t, T0, recallLabels(index));
      await t.engine.settle();
      expect(t.engine.get(id).state).toBe('failed');
    }
    expect(t.engine.actions()[0]!.breaker).toMatchObject({
      open: true,
      consecutiveFailures: 3,
      threshold: 3,
    });
    expect(t.audit.entries.filter((e) => e.kind === 'escalation').map((e) => e.data.event)).toEqual([
      'circuit_opened',
    ]);

    t.restart();
    const refused = runOf(t, T0 + 1, recallLabels('d'));
    expect(t.engine.get(refused)).toMatchObject({ state: 'skipped', reason: 'circuit_open' });
    expect(t.target.requests).toHaveLength(3);

    // A person may still run it; its success closes the breaker.
    t.target.behave(() => ({ status: 200 }));
    const manual = t.engine.trigger(
      { runbook: 'vector-index-degradation', action: 'compact-index', labels: recallLabels('d') },
      'token:t1 (alice)',
    );
    expect(manual.state).toBe('executing');
    await t.engine.settle();
    expect(t.engine.get(manual.id).state).toBe('succeeded');
    expect(t.engine.actions()[0]!.breaker).toMatchObject({ open: false, consecutiveFailures: 0 });
    const after = runOf(t, T0 + 2, recallLabels('e'));
    expect(t.engine.get(after).state).toBe('executing');
  });

  it('closes the breaker on a reset, recorded with who reset it', async () => {
    const t = await start({
      runbooks: [runbookOf([compactAction({ retries: { max: 0, backoffMs: 1, maxBackoffMs: 1 } })])],
      engine: { breakerFailures: 1 },
    });
    t.target.behave(() => ({ status: 400 }));
    runOf(t, T0, recallLabels('a'));
    await t.engine.settle();
    expect(t.engine.actions()[0]!.breaker.open).toBe(true);
    expect(
      t.engine.resetBreaker('vector-index-degradation', 'compact-index', 'token:t1 (alice)').breaker.open,
    ).toBe(false);
    expect(t.audit.entries.at(-1)).toMatchObject({
      kind: 'escalation',
      actor: 'token:t1 (alice)',
      data: { event: 'circuit_reset', wasOpen: true },
    });
    expect(t.engine.get(runOf(t, T0 + 1, recallLabels('b'))).state).toBe('executing');
  });

  it('does not count refused labels against the breaker', async () => {
    const t = await start({ engine: { breakerFailures: 1 } });
    const id = runOf(t, T0, recallLabels('../../etc'));
    expect(t.engine.get(id)).toMatchObject({ state: 'failed', reason: 'template_rejected', request: null });
    expect(t.engine.actions()[0]!.breaker).toMatchObject({ open: false, consecutiveFailures: 0 });
  });
});

describe('manual runs and dry runs', () => {
  it('triggers by hand with the given labels and names bad fields', async () => {
    const t = await start();
    const run = t.engine.trigger(
      { runbook: 'vector-index-degradation', action: 'compact-index', labels: { index: 'faq-v1' } },
      'token:t1 (alice)',
    );
    expect(run).toMatchObject({ trigger: 'manual', createdBy: 'token:t1 (alice)', state: 'executing' });
    expect(() => t.engine.trigger({ runbook: 'nope', action: 'x' }, 'a')).toThrow(/no runbook "nope"/);
    expect(() => t.engine.trigger({ runbook: 'vector-index-degradation', action: 'x' }, 'a')).toThrow(
      /has no action "x"/,
    );
    const bad = (() => {
      try {
        t.engine.trigger(
          { runbook: 'vector-index-degradation', action: 'compact-index', labels: { index: 'a;rm -rf /' } },
          'a',
        );
      } catch (e) {
        return e as RemediationError;
      }
      return undefined;
    })();
    expect(bad).toMatchObject({ kind: 'invalid', code: 'template_rejected' });
    expect(bad!.problems).toEqual([
      { field: 'labels.index', message: expect.stringMatching(/does not match/) as string },
    ]);
    expect(() =>
      t.engine.trigger(
        { runbook: 'vector-index-degradation', action: 'compact-index', labels: { index: 7 } },
        'a',
      ),
    ).toThrow('invalid request body: labels.index: expected a string');
    expect(() =>
      t.engine.trigger({ runbook: 'vector-index-degradation', action: 'compact-index', extra: 1 }, 'a'),
    ).toThrow('invalid request body: unknown field extra');
  });

  it('shows exactly the request a run would send, secrets masked, and sends nothing', async () => {
    const t = await start();
    const dry = t.engine.dryRun({
      runbook: 'vector-index-degradation',
      action: 'compact-index',
      labels: recallLabels(),
      startsAt: new Date(T0).toISOString(),
    });
    expect(dry.request).toEqual({
      kind: 'http',
      target: 'search-admin',
      method: 'POST',
      url: `${t.target.url}/admin/indexes/products-v3/compact`,
      headers: {
        Authorization: 'Bearer [secret from $SEARCH_ADMIN_TOKEN]',
        'X-Team': 'search',
        'Idempotency-Key': dry.idempotencyKey,
        'X-Slactl-Run-Id': '<run id>',
        'Content-Type': 'application/json',
      },
      body: { index: 'products-v3', mode: 'full' },
    });
    expect(dry.policy).toEqual({ allowed: true, reason: null, message: null, retryAt: null });
    expect(t.target.requests).toHaveLength(0);
    // The key is the one the alert's run sends.
    const id = runOf(t, T0);
    await t.engine.settle();
    expect(t.target.requests[0]!.idempotencyKey).toBe(dry.idempotencyKey);
    expect(JSON.stringify(dry)).not.toContain(SECRET);

    const refused = t.engine.dryRun({
      runbook: 'vector-index-degradation',
      action: 'compact-index',
      labels: { index: 'x/../../y' },
    });
    expect(refused.request).toBeNull();
    expect(refused.refused).toMatchObject({
      code: 'template_rejected',
      problems: [{ field: 'labels.index' }],
    });
    expect(t.engine.get(id).request).toMatchObject({
      headers: { Authorization: 'Bearer [secret from $SEARCH_ADMIN_TOKEN]' },
    });
  });
});

describe('secrets', () => {
  it('never appear in the audit log, run details, events or logs, even when the target echoes them', async () => {
    const t = await start();
    t.target.behave((r, i) =>
      i === 0
        ? { status: 500, body: { echo: r.headers.authorization } }
        : { status: 200, body: { token: r.headers.authorization } },
    );
    const id = runOf(t);
    await t.engine.settle();
    t.clock.advance(1_000);
    await t.engine.settle();
    expect(t.target.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    const everything = JSON.stringify([
      t.audit.entries,
      t.engine.get(id),
      t.engine.list({}),
      t.events,
      t.log.lines,
    ]);
    expect(everything).not.toContain(SECRET);
    expect(t.engine.get(id).attempts[0]!.output).toBe('{"echo":"Bearer [redacted]"}');
  });

  it('fails the attempt, naming the variable but no value, when the secret is missing', async () => {
    const t = await start({ env: {} });
    const id = runOf(t);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(0);
    expect(t.engine.get(id)).toMatchObject({ state: 'failed', reason: 'secret_unavailable' });
    expect(t.engine.get(id).attempts[0]!.error).toBe(
      'target search-admin: Authorization comes from environment variable SEARCH_ADMIN_TOKEN, which is unset or empty',
    );
  });
});

describe('the signed audit log', () => {
  it('records every decision of a run in the real chain, which verifies', async () => {
    const dataDir = path.dirname(tempDb());
    let log: AuditLog | undefined;
    const t = await start({
      path: path.join(dataDir, 'slactl.db'),
      auditFor: (store, clock) => (log = openAuditLog({ store, dataDir, clock })),
    });
    const id = runOf(t);
    await t.engine.settle();
    t.receiver.receive([resolved(recallLabels(), T0)], 'alertmanager');
    expect(t.engine.get(id).state).toBe('succeeded');
    expect(log!.verify()).toMatchObject({ ok: true });
    const stored = log!.page({ limit: 100, subject: id }).entries.map((e) => e.kind);
    expect([...stored].reverse()).toEqual(t.audit.kinds(id));
    expect(JSON.stringify(log!.page({ limit: 500 }))).not.toContain(SECRET);
  });

  it('commits a step only with its audit record: a refused record means no call and no state change', async () => {
    const t = await start();
    let refuse = true;
    t.audit.inner = {
      append: (record) => {
        if (refuse && record.kind === 'action_request') throw new Error('audit disk full');
        return undefined as never;
      },
    };
    const id = runOf(t);
    await t.engine.tick();
    // Nothing was called, no attempt was recorded, and the run waits to try again.
    expect(t.target.requests).toHaveLength(0);
    expect(t.engine.get(id)).toMatchObject({ state: 'executing', attempts: [] });
    expect(t.audit.kinds(id)).not.toContain('action_request');
    expect(t.log.lines.some((l) => l.includes('a run step failed; retrying later'))).toBe(true);
    refuse = false;
    t.clock.advance(15_000);
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(1);
    expect(t.engine.get(id).state).toBe('verifying');
  });
});

describe('options', () => {
  it('are validated at construction, naming the field', async () => {
    const t = await start();
    const { RunEngine } = await import('./run-engine.js');
    expect(
      () =>
        new RunEngine(
          { rows: t.rows, runbooks: [], targets: t.targets, audit: t.audit, clock: t.clock },
          { verifyIntervalMs: 0 },
        ),
    ).toThrow('verifyIntervalMs must be a whole number ≥ 1, got 0');
    expect(
      () =>
        new RunEngine({
          rows: t.rows,
          runbooks: [runbookOf([]), runbookOf([])],
          targets: t.targets,
          audit: t.audit,
          clock: t.clock,
        }),
    ).toThrow('two runbooks have the id vector-index-degradation');
  });
});

describe('remediation.auto: false', () => {
  it('records the alert but starts no run; the action stays offered and runs by hand', async () => {
    const t = await start({ config: (url) => targetConfig(url, { auto: false }) });
    const summary = t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager');
    expect(summary).toMatchObject({ new: 1, runs: [] });
    await t.engine.settle();
    expect(t.target.requests).toHaveLength(0);
    expect(t.rows.listRuns({ limit: 10 })).toEqual([]);
    expect(t.audit.entries.map((e) => e.kind)).toEqual(['alert_received']);
    expect(t.engine.actions()[0]).toMatchObject({ auto: true, automatic: false });

    const manual = t.engine.trigger(
      { runbook: 'vector-index-degradation', action: 'compact-index', labels: recallLabels() },
      'token:t1 (alice)',
    );
    await t.engine.settle();
    expect(t.engine.get(manual.id).state).toBe('verifying');
    expect(t.target.requests).toHaveLength(1);
  });

  it('is on by default: the same alert starts the auto action', async () => {
    const t = await start();
    expect(t.engine.actions()[0]).toMatchObject({ auto: true, automatic: true });
    expect(t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager').runs).toHaveLength(1);
  });
});
