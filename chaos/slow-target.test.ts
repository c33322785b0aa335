// Chaos: a slow remediation target, whose answers come later than the action's timeout. Each attempt
// is cut at the timeout and recorded as such, retried with the same Idempotency-Key, and the run ends as
// documented: succeeded when a retry is answered in time, failed ("timeout (retries exhausted)") when
// none is. No request is left hanging, and the server keeps answering meanwhile.
import { rmSync } from 'node:fs';
import { describe, it } from 'vitest';
import type { RunDetail } from '../server/remediate/views.js';
import { TargetServer } from '../server/remediate/test-support/target-server.js';
import { amAlert, notification, recallLabels } from './support/alertmanager.js';
import { cleanups } from './support/cleanup.js';
import { startInProcess, waitFor, writeProject } from './support/control-plane.js';
import { FaultProxy } from './support/fault-proxy.js';
import { describeHealth, probeHealth } from './support/health.js';
import { Inventory } from './support/inventory.js';
import { chaosRunbook, chaosSettings, RUNBOOK_ID } from './support/runbook.js';

const defer = cleanups();

const TIMEOUT_MS = 800;
const RETRIES = 2;
/** How late the slow target answers: well past the timeout. */
const LATENCY_MS = 2_500;
/** How the executor words a timed-out attempt. */
const timedOut = new RegExp(`within ${TIMEOUT_MS} ms`);

describe('chaos: a slow remediation target', () => {
  it('times each attempt out, retries with the same key, ends as documented, and leaves nothing hanging', async () => {
    const inv = new Inventory(
      `slow remediation target (answers after ${LATENCY_MS} ms, timeout ${TIMEOUT_MS} ms)`,
    );
    const target = await TargetServer.start();
    defer(() => target.close());
    const proxy = await FaultProxy.start(target.port);
    defer(() => proxy.close());
    const project = writeProject({
      runbooks: {
        [RUNBOOK_ID]: chaosRunbook({
          timeout: `${TIMEOUT_MS}ms`,
          retries: { max: RETRIES, backoff: '200ms', maxBackoff: '800ms' },
        }),
      },
      settings: chaosSettings(proxy.url),
    });
    defer(() => rmSync(project, { recursive: true, force: true }));
    const plane = await startInProcess(project);
    defer(() => plane.stop());
    const { api } = plane;
    const probe = probeHealth(api.url);
    defer(() => probe.stop());

    const t0 = Date.now() - 60_000;
    const fire = async (index: string): Promise<string> => {
      const answer = await api.deliver(notification([amAlert('firing', recallLabels(index), t0)]));
      const runs = (answer.body as { runs?: string[] } | undefined)?.runs ?? [];
      if (answer.status !== 200 || runs.length !== 1)
        throw new Error(`delivering ${index}: ${answer.status} ${answer.text}`);
      return runs[0]!;
    };
    const finished = (id: string) =>
      waitFor(
        `run ${id} to finish`,
        () => api.run(id),
        (r: RunDetail) => ['succeeded', 'failed'].includes(r.state),
        60_000,
      );

    // 1. Slow once: the first answer comes too late, then the target is fast again. The retry carries
    // the same Idempotency-Key, so the target answers it from memory instead of compacting twice.
    proxy.latencyMs = LATENCY_MS;
    const once = await fire('slow-once');
    await waitFor(
      'the first attempt to be cut off',
      () => Promise.resolve(proxy.stats().abandoned),
      (n) => n >= 1,
      10_000,
      20,
    );
    proxy.latencyMs = 0;
    const onceRun = await finished(once);
    inv.did(`slow once: the first answer came too late, the retry in time → ${onceRun.state}`);
    const requestsOnce = target.requests.filter((r) => r.idempotencyKey === onceRun.idempotencyKey);

    // 2. Slow for good: every answer comes too late.
    proxy.latencyMs = LATENCY_MS;
    const always = await fire('slow-always');
    const alwaysRun = await finished(always);
    inv.did(`slow for good: ${alwaysRun.attempts.length} attempts timed out → ${alwaysRun.state}`);
    const requestsAlways = target.requests.filter((r) => r.idempotencyKey === alwaysRun.idempotencyKey);
    await proxy.waitUntilNothingHangs(5_000).catch(() => undefined);
    const stats = proxy.stats();
    const health = await probe.stop();

    // --- the inventory ------------------------------------------------------------------------------
    inv.tally('slow once: attempts (timeout, then ok)', 2, onceRun.attempts.length);
    inv.fact(
      'slow once: outcomes are timeout then ok, the run succeeded',
      onceRun.state === 'succeeded' &&
        onceRun.attempts[0]?.outcome === 'retryable' &&
        timedOut.test(onceRun.attempts[0]?.error ?? '') &&
        onceRun.attempts[1]?.outcome === 'ok',
      onceRun.attempts.map((x) => `${x.outcome}${x.error ? ` (${x.error})` : ''}`).join(', '),
    );
    inv.tally(
      'slow once: target executions of its key',
      1,
      target.executions.get(onceRun.idempotencyKey) ?? 0,
    );
    inv.tally(
      'slow once: the retry → answered from memory (replay)',
      1,
      requestsOnce.filter((r) => r.replay).length,
    );

    inv.tally('slow for good: attempts (1 + retries.max)', RETRIES + 1, alwaysRun.attempts.length);
    inv.tally(
      'slow for good: attempts → recorded as timeouts',
      RETRIES + 1,
      alwaysRun.attempts.filter((x) => x.outcome === 'retryable' && timedOut.test(x.error ?? '')).length,
    );
    const durations = alwaysRun.attempts.map((x) => x.durationMs ?? -1);
    inv.fact(
      'each attempt was cut at the timeout (not before it, and before the slow answer came)',
      durations.every((d) => d >= TIMEOUT_MS && d < LATENCY_MS),
      durations.map((d) => `${d} ms`).join(', '),
    );
    inv.fact(
      'slow for good: the run failed as documented',
      alwaysRun.state === 'failed' && alwaysRun.reason === 'timeout (retries exhausted)',
      `${alwaysRun.state}: ${alwaysRun.reason ?? ''}`,
    );
    inv.tally('slow for good: target calls', RETRIES + 1, requestsAlways.length);
    inv.tally(
      'slow for good: target executions of its key',
      1,
      target.executions.get(alwaysRun.idempotencyKey) ?? 0,
    );

    const cutOff = 1 + (RETRIES + 1);
    inv.tally('attempts cut at the timeout → connections the client abandoned', cutOff, stats.abandoned);
    inv.tally('requests left hanging after the runs ended', 0, stats.hanging);
    inv.tally('/healthz polls → answered 200', health.polls, health.ok);
    const audit = await api.audit();
    inv.tally(
      'attempts → action_response records',
      onceRun.attempts.length + alwaysRun.attempts.length,
      audit.filter((e) => e.kind === 'action_response').length,
    );
    inv.fact(
      'no error in the server log',
      plane.errors().length === 0,
      `${plane.errors().length} error lines`,
    );
    const verification = await api.auditVerify();
    inv.fact('audit chain verifies', verification.ok, `${verification.entries} entries`);
    inv.note(describeHealth(health));
    inv.note(
      'at-least-once: the "slow for good" run is failed, yet the target did the work once (its first ' +
        'call executed; the answer only came too late). A timeout says nothing about whether the work ' +
        'happened; the Idempotency-Key is what makes the retries harmless.',
    );
    inv.settle();
  });
});
