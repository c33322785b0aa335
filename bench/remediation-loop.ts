// The demo remediation loop as the benchmarks drive it: the control plane in process with the demo and a
// manual clock stepped 15 s at a time (the evaluation interval), a fault injected after 10 minutes of
// healthy traffic, and the conventions of docs/benchmarks.md for runbooks a person starts and approves.
// bench/remediation.bench.ts measures the embedded evaluator with it; bench/prometheus-path.bench.ts
// measures the same faults through Prometheus beside it.
import { performance } from 'node:perf_hooks';
import { startTestServer, type TestServer } from '../server/test-support/server.js';

export const TICK_MS = 15_000;
export const MINUTE = 60_000;
/** Healthy traffic before the fault is injected. */
export const HEALTHY_MS = 10 * MINUTE;
/** The longest a fault is followed after injection. */
export const LIMIT_MS = 120 * MINUTE;
/** An engineer starts a runbook by hand this long after the alert fires, if nothing started on its own. */
export const BY_HAND_AFTER_MS = 4 * TICK_MS;

/** `7.25 min`, or `—` for a figure that was not reached. */
export const minutes = (ms: number | undefined): string =>
  ms === undefined ? '—' : `${(ms / MINUTE).toFixed(2)} min`;

export interface RunView {
  id: string;
  runbook: string;
  action: string;
  state: string;
  createdAt: string;
  updatedAt?: string;
}

/** A JSON API call with the admin token; throws with the status and body on an error answer. */
export async function json<T>(t: TestServer, pathname: string, init?: RequestInit): Promise<T> {
  const res = await t.api(pathname, init);
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface AlertJson {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
}

/** The firing alerts of one SLA, as the control plane lists them (GET /api/v1/alerts). */
async function firingList(t: TestServer, sla: string): Promise<AlertJson[]> {
  const body = await json<{ data: { alerts: AlertJson[] } }>(t, '/api/v1/alerts');
  return body.data.alerts.filter((a) => a.state === 'firing' && a.labels.sla === sla);
}

/** The remediation runs, newest first. */
export async function listRuns(t: TestServer): Promise<RunView[]> {
  return (await json<{ data: RunView[] }>(t, '/api/v1/runs')).data;
}

/** Approves every run waiting for approval (a person's reaction time is not the product's); how many. */
export async function approveWaiting(t: TestServer, runs: readonly RunView[]): Promise<number> {
  let approved = 0;
  for (const run of runs.filter((r) => r.state === 'awaiting_approval')) {
    await json(t, `/api/v1/runs/${run.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'benchmark: approved at once' }),
    });
    approved++;
  }
  return approved;
}

/**
 * Starts by hand, as the on-call engineer would from the dashboard, the demo action of the runbook the
 * incident tree leads to (then of the other matching failure modes, then of the alerts' runbook_url),
 * for faults whose runbook runs nothing on its own. Returns the runbook, or undefined.
 */
export async function triggerByHand(
  t: TestServer,
  sla: string,
  alerts: readonly AlertJson[],
): Promise<string | undefined> {
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

/** The SLA a fault kind is measured on (the first it applies to), and the alerts it should fire there. */
export async function faultTarget(t: TestServer, kind: string): Promise<string | undefined> {
  const faults = await json<{ kinds: Array<{ kind: string; appliesTo: string[] }> }>(
    t,
    '/api/v1/demo/faults',
  );
  return faults.kinds.find((k) => k.kind === kind)?.appliesTo[0];
}

/** Injects a fault through the API; its expected alerts. */
export async function injectFault(t: TestServer, kind: string, sla: string): Promise<string[]> {
  const injected = await json<{ fault: { expectedAlerts: string[] } }>(t, '/api/v1/demo/faults', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind, sla }),
  });
  return injected.fault.expectedAlerts;
}

export interface Outcome {
  kind: string;
  sla: string;
  expectedAlerts: string[];
  injectedAt?: number;
  /** The first expected alert that fired, and when (ms since the epoch). */
  firstAlert?: string;
  detectionMs?: number;
  alertToActionMs?: number;
  alertToActionWallMs?: number;
  mttrMs?: number;
  runbook?: string;
  action?: string;
  approved: boolean;
  manual: boolean;
}

/**
 * The embedded evaluator's loop for one fault kind: detection (injection → the first expected alert
 * firing), alert → action start, and MTTR (injection → a run succeeded and none of the fault's alerts
 * firing), all in simulated time.
 */
export async function measureEmbedded(kind: string): Promise<Outcome> {
  const t = await startTestServer({ demo: true });
  try {
    const sla = await faultTarget(t, kind);
    if (sla === undefined) return { kind, sla: '—', expectedAlerts: [], approved: false, manual: false };
    let wallOfStep = 0;
    const step = async () => {
      t.clock.advance(TICK_MS);
      await t.server.demo!.tick();
      const start = performance.now();
      t.server.evaluateNow();
      await t.server.engine.settle();
      wallOfStep = performance.now() - start;
    };
    for (let i = 0; i < HEALTHY_MS / TICK_MS; i++) await step();
    const expected = await injectFault(t, kind, sla);
    const injectedAt = t.clock.now();
    const outcome: Outcome = {
      kind,
      sla,
      expectedAlerts: expected,
      injectedAt,
      approved: false,
      manual: false,
    };
    let firedAt: number | undefined;
    let triedByHand = false;
    for (let elapsed = 0; elapsed < LIMIT_MS; elapsed += TICK_MS) {
      await step();
      const alerts = await firingList(t, sla);
      const firing = new Set(alerts.map((a) => a.labels.alertname ?? ''));
      if (firedAt === undefined && expected.some((a) => firing.has(a))) {
        firedAt = t.clock.now();
        outcome.detectionMs = firedAt - injectedAt;
        const first = expected.find((a) => firing.has(a));
        if (first !== undefined) outcome.firstAlert = first;
      }
      let runs = await listRuns(t);
      // Nothing started on its own a minute after the alert fired: the engineer starts it.
      if (runs.length === 0 && firedAt !== undefined && t.clock.now() - firedAt >= BY_HAND_AFTER_MS) {
        const relevant = alerts.filter((a) => expected.includes(a.labels.alertname ?? ''));
        if (relevant.length > 0 && !triedByHand) {
          triedByHand = true;
          outcome.manual = (await triggerByHand(t, sla, relevant)) !== undefined;
          runs = await listRuns(t);
        }
      }
      if ((await approveWaiting(t, runs)) > 0) outcome.approved = true;
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

/** `runbook / action`, marked when started by hand or approved; `—` when nothing ran. */
export function runbookCell(o: Pick<Outcome, 'runbook' | 'action' | 'manual' | 'approved'>): string {
  return o.runbook
    ? `${o.runbook} / ${o.action}${o.manual ? ' (started by hand)' : ''}${o.approved ? ' (approved)' : ''}`
    : '—';
}
