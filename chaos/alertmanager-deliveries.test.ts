// Chaos: Alertmanager delivers the same notifications many times, concurrently, from an HA pair whose
// replicas disagree on startsAt, and out of order (resolved before firing). The control plane must keep
// exactly one episode per alert episode, start exactly one run per episode that fired first, and end
// every run in the right state, with every delivery accounted for in the signed audit log.
import { rmSync } from 'node:fs';
import { describe, it } from 'vitest';
import type { AlertmanagerAlert } from '../server/remediate/alertmanager.js';
import { alertFingerprint } from '../server/remediate/keys.js';
import { TargetServer } from '../server/remediate/test-support/target-server.js';
import { amAlert, notification, recallLabels } from './support/alertmanager.js';
import { cleanups } from './support/cleanup.js';
import { startInProcess, waitFor, writeProject, type Answer } from './support/control-plane.js';
import { Inventory } from './support/inventory.js';
import { chaosRunbook, chaosSettings, RUNBOOK_ID } from './support/runbook.js';

const defer = cleanups();

interface Summary {
  received: number;
  new: number;
  duplicates: number;
  resolved: number;
  runs: string[];
}

/** A deterministic shuffle (so a failure replays), to mix the order concurrent deliveries leave in. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('chaos: duplicate and out-of-order Alertmanager deliveries', () => {
  it('keeps one episode per alert episode and one run per episode that fired first, whatever the order', async () => {
    const inv = new Inventory('duplicate and out-of-order Alertmanager deliveries');
    const target = await TargetServer.start();
    defer(() => target.close());
    const project = writeProject({
      runbooks: {
        [RUNBOOK_ID]: chaosRunbook({
          timeout: '5s',
          retries: { max: 2, backoff: '100ms', maxBackoff: '400ms' },
          verifyWithin: '2m',
        }),
      },
      settings: chaosSettings(target.url),
    });
    defer(() => rmSync(project, { recursive: true, force: true }));
    const plane = await startInProcess(project);
    defer(() => plane.stop());
    const { api } = plane;

    const answers: Answer[] = [];
    let deliveries = 0;
    /** Posts notifications all at once (shuffled) and keeps every answer. */
    const post = async (batch: AlertmanagerAlert[][], seed: number) => {
      const sent = await Promise.all(
        shuffled(batch, seed).map((alerts) => {
          deliveries += alerts.length;
          return api.deliver(notification(alerts));
        }),
      );
      answers.push(...sent);
    };
    const times = (n: number, alerts: AlertmanagerAlert[]) => Array.from({ length: n }, () => alerts);

    // The episodes this scenario makes, and whether each fired before it was seen resolved.
    const episodes: Array<{
      name: string;
      labels: Record<string, string>;
      startsAt: number;
      firesFirst: boolean;
    }> = [];
    const t0 = Date.now() - 10 * 60_000;

    // A: four alerts fired by both replicas of an Alertmanager HA pair fed by two Prometheus replicas:
    // replica 1 says startsAt t0, replica 2 (a cycle later) t0 + 15 s. Replica 1's first notification
    // lands first; then both replicas' repeats at once (4× and 2× per alert).
    const a = ['alpha-1', 'alpha-2', 'alpha-3', 'alpha-4'].map((index) => recallLabels(index));
    const replica2 = t0 + 15_000;
    for (const labels of a)
      episodes.push({ name: `A ${labels.index}`, labels, startsAt: t0, firesFirst: true });
    await post(
      a.map((labels) => [amAlert('firing', labels, t0)]),
      1,
    );
    await post(
      a.flatMap((labels) => [
        ...times(4, [amAlert('firing', labels, t0)]),
        ...times(2, [amAlert('firing', labels, replica2)]),
      ]),
      2,
    );
    inv.did(
      'A: 4 alerts fired; per alert 5 notifications from replica 1 (t0) and 2 from replica 2 (t0 + 15 s)',
    );

    // B: three alerts whose resolved notification overtakes the firing one (twice), then the late firing
    // notification arrives 4 times at once: it must start nothing.
    const b = ['beta-1', 'beta-2', 'beta-3'].map((index) => recallLabels(index));
    for (const labels of b)
      episodes.push({ name: `B ${labels.index}`, labels, startsAt: t0, firesFirst: false });
    await post(
      b.flatMap((labels) => times(2, [amAlert('resolved', labels, t0, t0 + 120_000)])),
      2,
    );
    await post(
      b.flatMap((labels) => times(4, [amAlert('firing', labels, t0)])),
      3,
    );
    inv.did('B: 3 alerts delivered resolved 2× first, then firing 4× at once (out of order)');

    // C: resolved and firing of one episode in the same notification, resolved first.
    const c = recallLabels('gamma-1');
    episodes.push({ name: 'C gamma-1', labels: c, startsAt: t0, firesFirst: false });
    await post(times(3, [amAlert('resolved', c, t0, t0 + 60_000), amAlert('firing', c, t0)]), 4);
    inv.did('C: one notification holding resolved then firing of the same episode, delivered 3× at once');

    // The runs of A execute (the target answers 200) and wait to verify that the alert resolves.
    await waitFor(
      'the runs of A to execute',
      () => api.runs(),
      (runs) => runs.length >= 4 && runs.every((r) => r.state !== 'triggered' && r.state !== 'executing'),
    );

    // A resolves (replica 1, 3× at once per alert). Then replica 2's firing notification, which
    // Alertmanager retried after a failed send, arrives late (2×), and replica 2's resolved one (2×): the
    // same episodes, already resolved, so nothing may start.
    const endsAt = t0 + 5 * 60_000;
    await post(
      a.flatMap((labels) => times(3, [amAlert('resolved', labels, t0, endsAt)])),
      5,
    );
    await post(
      a.flatMap((labels) => times(2, [amAlert('firing', labels, replica2)])),
      6,
    );
    await post(
      a.flatMap((labels) => times(2, [amAlert('resolved', labels, replica2, endsAt)])),
      7,
    );
    inv.did(
      "A: replica 1's resolved 3× at once per alert; then replica 2's late firing retry 2× and its resolved 2×",
    );

    // D: alpha-1 fires again later: a new episode, with its own run.
    const tD = t0 + 6 * 60_000;
    episodes.push({ name: 'D alpha-1 again', labels: a[0]!, startsAt: tD, firesFirst: true });
    await post(times(3, [amAlert('firing', a[0]!, tD)]), 8);
    await waitFor(
      'the run of D to verify',
      () => api.runs(),
      (runs) => runs.length >= 5 && runs.every((r) => r.state !== 'triggered' && r.state !== 'executing'),
    );
    await post(times(2, [amAlert('resolved', a[0]!, tD, tD + 60_000)]), 9);
    inv.did('D: alpha-1 fired again 6 min later (3× at once), then resolved (2× at once)');

    const runs = await waitFor(
      'every run to finish',
      () => api.runs(),
      (list) =>
        list.length >= 5 &&
        list.every((r) => ['succeeded', 'failed', 'escalated', 'skipped'].includes(r.state)),
    );
    inv.did(`${runs.length} runs finished; reading the audit log and the target's records`);

    // --- the inventory ------------------------------------------------------------------------------
    const summaries = answers.filter((x) => x.status === 200).map((x) => x.body as Summary);
    inv.tally('notifications posted → answered 200', answers.length, summaries.length);
    const accounted = summaries.reduce((n, s) => n + s.new + s.duplicates + s.resolved, 0);
    inv.tally('alert deliveries → each counted new, duplicate or resolved', deliveries, accounted);

    const audit = await api.audit();
    const alertRecords = audit.filter((e) => e.kind === 'alert_received' || e.kind === 'alert_duplicate');
    inv.tally('alert deliveries → alert records in the audit log', deliveries, alertRecords.length);
    const episodeRecords = audit.filter(
      (e) => e.kind === 'alert_received' && (e.data.status === 'firing' || e.data.firingNotSeen === true),
    );
    inv.tally('alert episodes → episodes recorded', episodes.length, episodeRecords.length);
    inv.tally(
      'episodes → recorded once each (by fingerprint and startsAt)',
      episodes.length,
      new Set(episodeRecords.map((e) => `${String(e.data.fingerprint)}@${String(e.data.startsAt)}`)).size,
    );

    const firing = episodes.filter((e) => e.firesFirst);
    inv.tally('episodes that fired first → runs', firing.length, runs.length);
    // An episode's startsAt is whichever replica's notification arrived first (t0 or t0 + 15 s).
    const runsOf = (e: (typeof episodes)[number]) =>
      runs.filter(
        (r) =>
          r.alert.fingerprint === alertFingerprint(e.labels) &&
          Math.abs(Date.parse(r.alert.startsAt) - e.startsAt) <= 15_000,
      ).length;
    const wrong = episodes.filter((e) => runsOf(e) !== (e.firesFirst ? 1 : 0));
    inv.fact(
      'each episode has the runs its order calls for (1 if it fired first, else 0)',
      wrong.length === 0,
      wrong.length === 0
        ? `${firing.length} with one run, ${episodes.length - firing.length} with none`
        : wrong.map((e) => `${e.name}: ${runsOf(e)} runs`).join(', '),
    );
    inv.tally('runs → succeeded', runs.length, runs.filter((r) => r.state === 'succeeded').length);
    // Each remediation must reach the target once: one call per episode that fired first.
    inv.tally('episodes that fired first → target calls', firing.length, target.requests.length);
    inv.tally(
      'episodes that fired first → target executions',
      firing.length,
      [...target.executions.values()].reduce((n, k) => n + k, 0),
    );
    const verification = await api.auditVerify();
    inv.fact('audit chain verifies', verification.ok, `${verification.entries} entries`);
    inv.fact(
      'no error in the server log',
      plane.errors().length === 0,
      `${plane.errors().length} error lines`,
    );
    inv.note(
      `${deliveries} alert deliveries in ${answers.length} notifications: ` +
        `${summaries.reduce((n, s) => n + s.new, 0)} new, ${summaries.reduce((n, s) => n + s.duplicates, 0)} duplicates, ` +
        `${summaries.reduce((n, s) => n + s.resolved, 0)} resolutions`,
    );
    inv.settle();
  });
});
