// Chaos: `slactl serve` is killed with SIGKILL while remediation runs are calling their target, and
// again while they wait to verify; each time it restarts on the same data dir. Every acknowledged alert
// delivery and every run survives, each run resumes and finishes exactly once, the target executes each
// action once (the resumed call carries the same Idempotency-Key and is answered from memory), a
// finished step is never repeated, and the audit chain verifies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import type { RunDetail, RunView } from '../server/remediate/views.js';
import { TargetServer } from '../server/remediate/test-support/target-server.js';
import { amAlert, notification, recallLabels } from './support/alertmanager.js';
import { cleanups } from './support/cleanup.js';
import { auditVerifyCli, spawnPlane, waitFor, type ChildPlane } from './support/control-plane.js';
import { Inventory } from './support/inventory.js';

const defer = cleanups();

/** The repo's runbook and its automatic action on the recall alert (target `demo`, here our target). */
const RUNBOOK = 'vector-index-degradation';
const ACTION = 'compact-index';

describe('chaos: the control plane killed with SIGKILL mid-remediation', () => {
  it('resumes every run after kill -9 and finishes each exactly once, executing each action once', async () => {
    const inv = new Inventory(
      'control plane killed with SIGKILL mid-remediation, restarted on the same data dir',
    );
    const target = await TargetServer.start();
    defer(() => target.close());
    const root = mkdtempSync(path.join(os.tmpdir(), 'slactl-chaos-kill-'));
    defer(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'data');
    const config = path.join(root, 'slactl.yaml');
    // The repo's runbooks call their fixes on the target `demo`; with the demo off, slactl.yaml points
    // it at the test's target, as an operator points it at their infrastructure API.
    writeFileSync(
      config,
      `remediation:\n  allowHosts: [127.0.0.1]\n  targets:\n    demo:\n      url: ${target.url}\n`,
    );
    const planes: ChildPlane[] = [];
    defer(async () => {
      for (const p of planes) await p.kill9();
    });
    const start = async () => {
      const plane = await spawnPlane(dataDir, config);
      planes.push(plane);
      return plane;
    };

    // The target does the work at once but its answers never come (until the caller dies): the
    // control plane is killed with the calls in flight.
    target.behave(() => ({ stall: true }));
    const first = await start();
    const indexes = ['products-v1', 'products-v2', 'products-v3'];
    const t0 = Date.now() - 5 * 60_000;
    const delivered: string[] = [];
    let acknowledged = 0;
    for (const index of indexes) {
      const answer = await first.api.deliver(notification([amAlert('firing', recallLabels(index), t0)]));
      if (answer.status !== 200) continue;
      acknowledged++;
      delivered.push(...(answer.body as { runs: string[] }).runs);
    }
    await target.waitForRequests(indexes.length, 30_000);
    const runsBefore = await first.api.runs();
    const auditBefore = await first.api.audit();
    inv.did(
      `${acknowledged} recall alerts acknowledged (200), ${delivered.length} runs started; ` +
        `the target holds ${target.requests.length} calls`,
    );
    await first.kill9();
    inv.did(`kill -9 with ${runsBefore.filter((r) => r.state === 'executing').length} runs executing`);

    // Restart: the interrupted calls are made again with the same keys; the target now answers.
    target.behave(() => ({ status: 200, body: { compacted: true } }));
    const second = await start();
    const verifying = await waitFor(
      'the resumed runs to verify',
      () => second.api.runs(),
      // States only, not a count: the tallies below count the runs that came back.
      (runs: RunView[]) => runs.length > 0 && runs.every((r) => r.state === 'verifying'),
    );
    const callsBeforeSecondKill = target.requests.length;
    inv.did(`restarted: ${verifying.length} runs resumed, called again and now verify the alert`);
    await second.kill9();
    inv.did('kill -9 again while the runs wait to verify');

    const third = await start();
    for (const index of indexes) {
      await third.api.deliver(notification([amAlert('resolved', recallLabels(index), t0, Date.now())]));
    }
    const finalRuns = await waitFor(
      'the runs to succeed',
      () => third.api.runs(),
      (runs: RunView[]) =>
        runs.length > 0 && runs.every((r) => !['executing', 'verifying'].includes(r.state)),
    );
    inv.did('restarted again; the alerts resolved');
    const details: RunDetail[] = await Promise.all(finalRuns.map((r) => third.api.run(r.id)));
    const auditAfter = await third.api.audit();
    const verification = await third.api.auditVerify();
    await third.stop();
    const cli = await auditVerifyCli(dataDir);
    inv.did(`stopped; \`slactl audit verify\` exited ${cli.code}`);

    // --- the inventory ------------------------------------------------------------------------------
    inv.tally(
      'alert deliveries acknowledged before the kill → episodes after it',
      acknowledged,
      auditAfter.filter((e) => e.kind === 'alert_received' && e.data.status === 'firing').length,
    );
    inv.tally('alerts delivered → acknowledged before the kill', indexes.length, acknowledged);
    inv.tally(
      'runs started before the kill → resumed and verifying after the first restart',
      delivered.length,
      verifying.length,
    );
    inv.tally('runs started before the kill → runs after the restarts', delivered.length, finalRuns.length);
    inv.tally(
      `runs → of ${RUNBOOK}/${ACTION}`,
      delivered.length,
      finalRuns.filter((r) => r.runbook === RUNBOOK && r.action === ACTION).length,
    );
    inv.tally(
      'runs started → succeeded, each once',
      delivered.length,
      details.filter(
        (d) => d.state === 'succeeded' && d.transitions.filter((t) => t.to === 'succeeded').length === 1,
      ).length,
    );
    inv.tally(
      'runs → timeline triggered, executing, verifying, succeeded (no step twice)',
      delivered.length,
      details.filter(
        (d) => d.transitions.map((t) => t.to).join(',') === 'triggered,executing,verifying,succeeded',
      ).length,
    );
    inv.tally(
      'interrupted attempts → recorded as interrupted, then ok',
      delivered.length,
      details.filter((d) => d.attempts.map((a) => a.outcome).join(',') === 'interrupted,ok').length,
    );
    const keys = details.map((d) => d.idempotencyKey);
    inv.tally(
      'runs → target executions (one per Idempotency-Key)',
      delivered.length,
      keys.reduce((n, k) => n + (target.executions.get(k) ?? 0), 0),
    );
    inv.tally(
      'resumed calls → same Idempotency-Key, answered from memory',
      delivered.length,
      target.requests.filter((r) => r.replay && keys.includes(r.idempotencyKey ?? '')).length,
    );
    inv.tally(
      'target calls after the kill while verifying',
      0,
      target.requests.length - callsBeforeSecondKill,
    );
    const kept = auditBefore.filter((e) => auditAfter.find((x) => x.seq === e.seq)?.hash === e.hash);
    inv.tally('audit entries before the first kill → unchanged after', auditBefore.length, kept.length);
    inv.fact('audit chain verifies (API)', verification.ok, `${verification.entries} entries`);
    inv.fact(
      '`slactl audit verify` exits 0',
      cli.code === 0 && (cli.result as { ok?: boolean }).ok === true,
      `${(cli.result as { entries?: number }).entries ?? '?'} entries`,
    );
    inv.note(
      `at-least-once: the target saw ${target.requests.length} calls for ${delivered.length} runs ` +
        `(each interrupted call was made again after the restart with the same Idempotency-Key) and ` +
        `executed ${keys.reduce((n, k) => n + (target.executions.get(k) ?? 0), 0)}: a target that ` +
        'ignores the key would have compacted each index twice.',
    );
    inv.settle();
  });
});
