// Chaos: the remediation target is down (its port refuses connections). Each run retries with backoff
// and fails; after N failed runs in a row the circuit breaker opens and automatic runs are skipped;
// every step is in the run's state and the signed audit log; nothing crashes. When the target is back,
// the breaker stays open as documented until a person's run succeeds, which closes it; automatic runs
// then work again, and one whose alert keeps firing past its deadline is escalated.
import { rmSync } from 'node:fs';
import { describe, it } from 'vitest';
import type { RunView } from '../server/remediate/views.js';
import { TargetServer } from '../server/remediate/test-support/target-server.js';
import { amAlert, notification, recallLabels } from './support/alertmanager.js';
import { cleanups } from './support/cleanup.js';
import { startInProcess, waitFor, writeProject } from './support/control-plane.js';
import { FaultProxy } from './support/fault-proxy.js';
import { describeHealth, probeHealth } from './support/health.js';
import { Inventory } from './support/inventory.js';
import { ACTION_ID, chaosRunbook, chaosSettings, RUNBOOK_ID } from './support/runbook.js';

const defer = cleanups();

const FINAL = ['succeeded', 'failed', 'escalated', 'skipped', 'cancelled', 'rejected'];
const BREAKER_FAILURES = 3;
const RETRIES = 2;
const BACKOFF_MS = 200;

describe('chaos: a remediation target that is down', () => {
  it('retries with backoff, opens the circuit breaker, escalates, and recovers when the target is back', async () => {
    const inv = new Inventory('remediation target down (connection refused), then back');
    const target = await TargetServer.start();
    defer(() => target.close());
    const proxy = await FaultProxy.start(target.port);
    defer(() => proxy.close());
    const project = writeProject({
      runbooks: {
        [RUNBOOK_ID]: chaosRunbook({
          timeout: '2s',
          retries: { max: RETRIES, backoff: `${BACKOFF_MS}ms`, maxBackoff: '800ms' },
          verifyWithin: '3s',
        }),
      },
      settings: chaosSettings(proxy.url, BREAKER_FAILURES),
    });
    defer(() => rmSync(project, { recursive: true, force: true }));
    const plane = await startInProcess(project);
    defer(() => plane.stop());
    const { api } = plane;

    // /healthz is polled throughout: the server must answer while its target is down.
    const probe = probeHealth(api.url);
    defer(() => probe.stop());

    const t0 = Date.now() - 60_000;
    const fire = async (index: string) => {
      const answer = await api.deliver(notification([amAlert('firing', recallLabels(index), t0)]));
      if (answer.status !== 200) throw new Error(`delivering ${index}: ${answer.status} ${answer.text}`);
      return (answer.body as { runs: string[] }).runs;
    };
    const runOf = async (id: string) => (await api.runs()).find((r) => r.id === id);
    const finished = (ids: string[]) =>
      waitFor(
        `runs ${ids.join(', ')} to finish`,
        async () => (await api.runs()).filter((r) => ids.includes(r.id)),
        (runs: RunView[]) => runs.length === ids.length && runs.every((r) => FINAL.includes(r.state)),
      );

    // 1. The target goes down; three alerts about three indexes start three runs.
    await proxy.down();
    inv.did('target down: its port refuses connections');
    const failing = [...(await fire('down-1')), ...(await fire('down-2')), ...(await fire('down-3'))];
    await finished(failing);
    const breakerAfterFailures = (await api.actions()).find((a) => a.runbook === RUNBOOK_ID)!.breaker;
    inv.did(`3 alerts → 3 runs, all finished; breaker open: ${breakerAfterFailures.open}`);

    // 2. Two more alerts while it is down: the breaker skips them without calling.
    const whileOpen = [...(await fire('down-4')), ...(await fire('down-5'))];
    await finished(whileOpen);
    inv.did('2 more alerts while the breaker is open');

    // 3. The target is back. The breaker stays open (documented: only a person's successful run or a
    // reset closes it), so an automatic run is still skipped.
    const callsWhileDown = target.requests.length;
    await proxy.up();
    const afterBack = await fire('down-6');
    await finished(afterBack);
    inv.did('target back on the same port; 1 alert while the breaker is still open');

    // 4. A person runs the action by hand for an index whose alert does not fire: it succeeds and
    // closes the breaker.
    const manualAnswer = await api.request('POST', '/api/v1/runs', {
      runbook: RUNBOOK_ID,
      action: ACTION_ID,
      labels: recallLabels('manual-check'),
    });
    if (manualAnswer.status !== 201)
      throw new Error(`manual run: ${manualAnswer.status} ${manualAnswer.text}`);
    const manual = (manualAnswer.body as { data: RunView }).data.id;
    await finished([manual]);
    const breakerAfterManual = (await api.actions()).find((a) => a.runbook === RUNBOOK_ID)!.breaker;
    inv.did(`a person's run succeeded; breaker open: ${breakerAfterManual.open}`);

    // 5. Automatic runs work again: one alert resolves in time (succeeded), one keeps firing past
    // verify.within (escalated).
    const recovering = await fire('back-1');
    const stuck = await fire('back-2');
    await waitFor(
      'back-1 to verify',
      async () => runOf(recovering[0]!),
      (r) => r?.state === 'verifying' || (r !== undefined && FINAL.includes(r.state)),
    );
    await api.deliver(notification([amAlert('resolved', recallLabels('back-1'), t0, Date.now())]));
    await finished([...recovering, ...stuck]);
    inv.did('2 alerts after the breaker closed: back-1 resolved in time, back-2 kept firing');

    // --- the inventory ------------------------------------------------------------------------------
    const runs = await api.runs();
    const state = (ids: string[]) => runs.filter((r) => ids.includes(r.id));
    const details = await Promise.all(failing.map((id) => api.run(id)));
    inv.tally('alerts while down → runs', 3, failing.length);
    inv.tally(
      'runs while down → failed (retries exhausted)',
      3,
      details.filter((d) => d.state === 'failed' && d.reason === 'network_error (retries exhausted)').length,
    );
    const attempts = details.flatMap((d) => d.attempts);
    inv.tally('attempts per failed run (1 + retries.max) × 3', 3 * (RETRIES + 1), attempts.length);
    inv.tally(
      'attempts → recorded as retryable network errors (ECONNREFUSED)',
      attempts.length,
      attempts.filter((x) => x.outcome === 'retryable' && /ECONNREFUSED/.test(x.error ?? '')).length,
    );
    // Backoff: retry n waits at least backoff × 2^(n-1) after the previous attempt ended.
    const gaps = details.flatMap((d) =>
      d.attempts.slice(1).map((x, i) => ({
        waitedMs: Date.parse(x.startedAt) - Date.parse(d.attempts[i]!.finishedAt!),
        backoffMs: BACKOFF_MS * 2 ** i,
      })),
    );
    inv.fact(
      'each retry waited at least its backoff',
      gaps.length === 3 * RETRIES && gaps.every((g) => g.waitedMs >= g.backoffMs),
      gaps.map((g) => `${g.waitedMs}≥${g.backoffMs} ms`).join(', '),
    );
    inv.fact(
      `breaker opened after ${BREAKER_FAILURES} failed runs`,
      breakerAfterFailures.open && breakerAfterFailures.consecutiveFailures === BREAKER_FAILURES,
      `open ${breakerAfterFailures.open}, ${breakerAfterFailures.consecutiveFailures} failures in a row`,
    );
    const skipped = state([...whileOpen, ...afterBack]);
    inv.tally(
      'alerts while the breaker is open → runs skipped (circuit_open)',
      3,
      skipped.filter((r) => r.state === 'skipped' && r.reason === 'circuit_open').length,
    );
    inv.fact(
      'breaker closed by the successful manual run',
      !breakerAfterManual.open,
      `open ${breakerAfterManual.open}`,
    );
    inv.tally('manual run → succeeded', 1, state([manual]).filter((r) => r.state === 'succeeded').length);
    inv.tally(
      'alert resolved in time → run succeeded',
      1,
      state(recovering).filter((r) => r.state === 'succeeded').length,
    );
    inv.tally(
      'alert still firing at the deadline → run escalated',
      1,
      state(stuck).filter((r) => r.state === 'escalated' && r.reason === 'verification_timeout').length,
    );

    const audit = await api.audit();
    const escalations = audit.filter((e) => e.kind === 'escalation').map((e) => String(e.data.event));
    inv.tally(
      'breaker openings → escalation records',
      1,
      escalations.filter((e) => e === 'circuit_opened').length,
    );
    inv.tally(
      'breaker closings → escalation records',
      1,
      escalations.filter((e) => e === 'circuit_closed').length,
    );
    inv.tally(
      'verification timeouts → escalation records',
      1,
      escalations.filter((e) => e === 'verification_timeout').length,
    );
    inv.tally(
      'attempts → action_request + action_response records',
      2 * (attempts.length + 3),
      audit.filter((e) => e.kind === 'action_request' || e.kind === 'action_response').length,
    );
    inv.tally('requests reaching the target while it was down', 0, callsWhileDown);
    inv.tally(
      'runs that called the target after it came back → target executions',
      3,
      [...target.executions.values()].reduce((n, k) => n + k, 0),
    );
    const health = await probe.stop();
    inv.tally('/healthz polls → answered 200', health.polls, health.ok);
    inv.fact(
      'no error in the server log',
      plane.errors().length === 0,
      `${plane.errors().length} error lines`,
    );
    const verification = await api.auditVerify();
    inv.fact('audit chain verifies', verification.ok, `${verification.entries} entries`);
    inv.note(describeHealth(health));
    inv.settle();
  });
});
