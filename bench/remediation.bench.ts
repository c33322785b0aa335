// Benchmark of the demo remediation loop (npm run bench:remediation), recorded in docs/benchmarks.md.
// For each demo fault kind, on the first example SLA it applies to, through the real server in process
// (the same composition as `npm start`; a manual clock steps 15 s at a time, the evaluator's interval):
//   - detection: fault injected → its first expected alert firing (simulated time);
//   - alert → action start: simulated time, and the wall time of the step in which the evaluator's
//     transition went through the receiver, the run engine and the action's HTTP call;
//   - MTTR: fault injected → the remediation run verified (succeeded) and the fault's alerts resolved.
// Runbooks whose demo action is not automatic are started by hand a minute after the alert fires,
// and runs that need approval are approved the moment they wait (a person's reaction time is not the
// product's); those are marked.
import { performance } from 'node:perf_hooks';
import { FAULT_KINDS } from '../server/demo/faults.js';
import { startTestServer, type TestServer } from '../server/test-support/server.js';

const TICK_MS = 15_000;
const MINUTE = 60_000;
const LIMIT_MS = 120 * MINUTE;

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const minutes = (ms: number | undefined): string =>
  ms === undefined ? '—' : `${(ms / MINUTE).toFixed(2)} min`;

interface RunView {
  id: string;
  runbook: string;
  action: string;
  state: string;
  createdAt: string;
}

async function json<T>(t: TestServer, pathname: string, init?: RequestInit): Promise<T> {
  const res = await t.api(pathname, init);
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface AlertJson {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

async function firingList(t: TestServer, sla: string): Promise<AlertJson[]> {
  const body = await json<{ data: { alerts: AlertJson[] } }>(t, '/api/v1/alerts');
  return body.data.alerts.filter((a) => a.state === 'firing' && a.labels.sla === sla);
}

/**
 * Starts by hand, as the on-call engineer would from the dashboard, the demo action of the runbook the
 * incident tree leads to (then of the other matching failure modes, then of the alerts' runbook_url),
 * for faults whose runbook runs nothing on its own. Returns the runbook, or undefined.
 */
async function triggerByHand(t: TestServer, sla: string, alerts: AlertJson[]): Promise<string | undefined> {
  const triage = await json<{ data: { leaf?: { runbook?: string }; others: Array<{ runbook?: string }> } }>(
    t,
    `/api/v1/triage?sla=${sla}`,
  );
  const candidates = [
    triage.data.leaf?.runbook,
    ...triage.data.others.map((o) => o.runbook),
    ...alerts.map((a) => (a.annotations.runbook_url ?? '').split('/').at(-1)),
  ].filter((id): id is string => id !== undefined && id !== '');
  for (const id of new Set(candidates)) {
    const runbook = await json<{ data: { actions: Array<{ id: string; spec: { target?: string } }> } }>(
      t,
      `/api/v1/runbooks/${id}`,
    );
    const action = runbook.data.actions.find((a) => a.spec.target === 'demo');
    if (action === undefined) continue;
    // Labels of an alert that links to this runbook first: they fill the action's slots.
    const ordered = [...alerts].sort(
      (a, b) =>
        Number((b.annotations.runbook_url ?? '').endsWith(`/${id}`)) -
        Number((a.annotations.runbook_url ?? '').endsWith(`/${id}`)),
    );
    let started = false;
    for (const alert of ordered) {
      const res = await t.api('/api/v1/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ runbook: id, action: action.id, labels: alert.labels }),
      });
      if (res.ok) {
        started = true;
        break;
      }
    }
    if (!started) continue;
    return id;
  }
  return undefined;
}

interface Outcome {
  kind: string;
  sla: string;
  detectionMs?: number;
  alertToActionMs?: number;
  alertToActionWallMs?: number;
  mttrMs?: number;
  runbook?: string;
  action?: string;
  approved: boolean;
  manual: boolean;
}

async function measure(kind: string): Promise<Outcome> {
  const t = await startTestServer({ demo: true });
  try {
    const faults = await json<{ kinds: Array<{ kind: string; appliesTo: string[] }> }>(
      t,
      '/api/v1/demo/faults',
    );
    const sla = faults.kinds.find((k) => k.kind === kind)?.appliesTo[0];
    if (sla === undefined) return { kind, sla: '—', approved: false, manual: false };
    let wallOfStep = 0;
    const step = async () => {
      t.clock.advance(TICK_MS);
      await t.server.demo!.tick();
      const start = performance.now();
      t.server.evaluateNow();
      await t.server.engine.settle();
      wallOfStep = performance.now() - start;
    };
    for (let i = 0; i < (10 * MINUTE) / TICK_MS; i++) await step();
    const injected = await json<{ fault: { expectedAlerts: string[] } }>(t, '/api/v1/demo/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind, sla }),
    });
    const expected = injected.fault.expectedAlerts;
    const injectedAt = t.clock.now();
    const outcome: Outcome = { kind, sla, approved: false, manual: false };
    let firedAt: number | undefined;
    let triedByHand = false;
    for (let elapsed = 0; elapsed < LIMIT_MS; elapsed += TICK_MS) {
      await step();
      const alerts = await firingList(t, sla);
      const firing = new Set(alerts.map((a) => a.labels.alertname ?? ''));
      if (firedAt === undefined && expected.some((a) => firing.has(a))) {
        firedAt = t.clock.now();
        outcome.detectionMs = firedAt - injectedAt;
      }
      let runs = (await json<{ data: RunView[] }>(t, '/api/v1/runs')).data;
      // Nothing started on its own a minute after the alert fired: the engineer starts it.
      if (runs.length === 0 && firedAt !== undefined && t.clock.now() - firedAt >= 4 * TICK_MS) {
        const relevant = alerts.filter((a) => expected.includes(a.labels.alertname ?? ''));
        if (relevant.length > 0 && !triedByHand) {
          triedByHand = true;
          outcome.manual = (await triggerByHand(t, sla, relevant)) !== undefined;
          runs = (await json<{ data: RunView[] }>(t, '/api/v1/runs')).data;
        }
      }
      for (const run of runs.filter((r) => r.state === 'awaiting_approval')) {
        await json(t, `/api/v1/runs/${run.id}/approve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'benchmark: approved at once' }),
        });
        outcome.approved = true;
      }
      const first = runs.at(-1);
      if (first !== undefined && outcome.alertToActionMs === undefined && firedAt !== undefined) {
        outcome.alertToActionMs = Date.parse(first.createdAt) - firedAt;
        outcome.alertToActionWallMs = wallOfStep;
        outcome.runbook = first.runbook;
        outcome.action = first.action;
      }
      const succeeded = runs.some((r) => r.state === 'succeeded');
      if (succeeded && !expected.some((a) => firing.has(a))) {
        outcome.mttrMs = t.clock.now() - injectedAt;
        break;
      }
    }
    return outcome;
  } finally {
    await t.stop();
  }
}

out(`# slactl remediation loop benchmark — ${new Date().toISOString()}`);
out(
  `method: in-process server with the demo, manual clock stepping ${TICK_MS / 1000} s (the evaluation interval)\n`,
);
out(
  '| fault | SLA | detection | alert → action start (simulated / wall) | runbook action | MTTR (inject → verified, resolved) |',
);
out('| --- | --- | ---: | ---: | --- | ---: |');
for (const kind of FAULT_KINDS) {
  const o = await measure(kind);
  out(
    `| ${o.kind} | ${o.sla} | ${minutes(o.detectionMs)} | ${minutes(o.alertToActionMs)} / ${o.alertToActionWallMs === undefined ? '—' : `${o.alertToActionWallMs.toFixed(0)} ms`} | ${o.runbook ? `${o.runbook} / ${o.action}${o.manual ? ' (started by hand)' : ''}${o.approved ? ' (approved)' : ''}` : '—'} | ${minutes(o.mttrMs)} |`,
  );
}
