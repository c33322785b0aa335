// The runbooks heal the demo: for every fault kind on every SLA it applies to, the runbooks that the
// fired alerts link to (runbook_url) have demo actions whose requests, filled from the alerts' labels
// and sent to the demo's remediation routes, heal the fault — and every alert they verify resolves
// within the action's verification deadline.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignalReader } from '../collector/derived.js';
import { Collector } from '../collector/ingest.js';
import { DEFAULT_SETTINGS, type SlaPlan } from '../compile/ir.js';
import { Evaluator } from '../evaluate/evaluator.js';
import type { AlertInstance } from '../evaluate/types.js';
import { errorHandler } from '../http/errors.js';
import { ManualClock } from '../lib/clock.js';
import { formatDiagnostic } from '../lib/diagnostics.js';
import { actionsFor, triggerMatches } from '../remediate/runbook-actions.js';
import type { Runbook } from '../remediate/runbook-types.js';
import { loadRunbooks } from '../remediate/runbook.js';
import { EMPTY_REMEDIATION_CONFIG, Targets } from '../remediate/targets.js';
import { renderAction } from '../remediate/template.js';
import { openStore } from '../store/store.js';
import { demoRouter } from './router.js';
import { DemoSimulator, type FaultKind } from './simulator.js';
import { REPO, examplePlans } from './test-support/fixtures.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const TICK_MS = 15_000;
const MINUTE = 60_000;

const CASES: Array<[FaultKind, string]> = [
  ['index_degradation', 'recommendations'],
  ['index_degradation', 'search-rag'],
  ['tombstone_buildup', 'recommendations'],
  ['tombstone_buildup', 'search-rag'],
  ['pipeline_stall', 'recommendations'],
  ['pipeline_stall', 'fraud-scoring'],
  ['schema_change_nulls', 'recommendations'],
  ['schema_change_nulls', 'fraud-scoring'],
  ['feature_drift', 'recommendations'],
  ['feature_drift', 'fraud-scoring'],
  ['feature_drift', 'search-rag'],
  ['model_slowdown', 'recommendations'],
  ['model_slowdown', 'fraud-scoring'],
  ['model_slowdown', 'search-rag'],
  ['online_store_slowdown', 'recommendations'],
  ['online_store_slowdown', 'fraud-scoring'],
  ['error_spike', 'recommendations'],
  ['error_spike', 'fraud-scoring'],
];

let plans: SlaPlan[];
let runbooks: Map<string, Runbook>;

beforeAll(async () => {
  plans = await examplePlans();
  const loaded = await loadRunbooks('runbooks', {}, REPO);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
  runbooks = new Map(loaded.runbooks.map((r) => [r.id, r]));
});

/** An in-memory control plane with the demo's routes served over HTTP as the target `demo`. */
async function controlPlane(selected: SlaPlan[]) {
  const clock = new ManualClock(START);
  const store = openStore({ path: ':memory:' });
  const collector = new Collector({ store, clock, plans: selected });
  const evaluator = new Evaluator({
    plans: selected,
    settings: DEFAULT_SETTINGS,
    store,
    reader: new SignalReader(store),
  });
  const sim = new DemoSimulator({
    plans: selected,
    clock,
    seed: 7,
    client: {
      send: (signals) => {
        collector.ingestSignals(signals);
        return Promise.resolve();
      },
    },
  });
  const app = express();
  const allow: express.RequestHandler = (_req, _res, next) => next();
  app.use(demoRouter(sim, { read: allow, operate: allow }, { plans: selected }));
  app.use(errorHandler({ error: () => undefined }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  // The target `demo` is the control plane itself, as under `npm start`.
  const targets = new Targets({
    ...EMPTY_REMEDIATION_CONFIG,
    allowHosts: ['127.0.0.1'],
    targets: {
      demo: {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        allowHosts: [],
        headers: {},
      },
    },
  });
  let alerts: AlertInstance[] = [];
  /** Ticks and evaluates every 15 s until `done` holds or `limitMs` passed. */
  const runUntil = async (limitMs: number, done: (alerts: AlertInstance[]) => boolean): Promise<boolean> => {
    const begin = clock.now();
    while (clock.now() - begin < limitMs) {
      clock.advance(TICK_MS);
      await sim.tick();
      const evaluation = evaluator.evaluate(clock.now());
      expect(evaluation.errors).toEqual([]);
      alerts = evaluation.alerts;
      if (done(alerts)) return true;
    }
    return false;
  };
  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    store.close();
  };
  return { clock, sim, runUntil, targets, close, firing: () => alerts.filter((a) => a.state === 'firing') };
}

const runbookOf = (alert: AlertInstance): string => path.posix.basename(alert.annotations.runbook_url ?? '');

describe('the runbooks heal every demo fault', () => {
  const open: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of open) await close();
  });

  it.each(CASES)('%s on %s', async (kind, sla) => {
    const plane = await controlPlane(plans.filter((p) => p.name === sla));
    open.push(plane.close);
    const { sim, runUntil, clock } = plane;
    await runUntil(30 * MINUTE, () => false);
    expect(plane.firing()).toEqual([]);

    const fault = sim.injectFault(kind, sla);
    const fired = await runUntil((kind === 'feature_drift' ? 45 : 35) * MINUTE, (alerts) =>
      fault.expectedAlerts.every((name) => alerts.some((a) => a.state === 'firing' && a.alertname === name)),
    );
    expect(fired).toBe(true);

    // The responder: every firing alert's runbook, every demo action it offers for that alert.
    const appliedAt = clock.now();
    const verifications: Array<{ alert: AlertInstance; withinMs: number; action: string }> = [];
    const healed: string[] = [];
    for (const alert of plane.firing()) {
      const runbook = runbooks.get(runbookOf(alert));
      expect(runbook, `runbook of ${alert.alertname}: ${alert.annotations.runbook_url}`).toBeDefined();
      expect(triggerMatches(runbook!, alert)).toBe(true);
      for (const action of actionsFor(runbook!, alert)) {
        if (action.spec.kind !== 'http' || action.spec.target !== 'demo') continue;
        const rendered = renderAction(action, alert.labels, plane.targets);
        expect(rendered, `${runbook!.id}/${action.id}`).toMatchObject({ ok: true });
        if (!rendered.ok || rendered.value.kind !== 'http') continue;
        const request = rendered.value;
        const response = await fetch(request.url, {
          method: request.method,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request.body),
        });
        const body = (await response.json()) as { result?: { healed: Array<{ kind: string }> } };
        expect(response.status, `${runbook!.id}/${action.id}: ${JSON.stringify(body)}`).toBe(200);
        healed.push(...(body.result?.healed ?? []).map((f) => f.kind));
        if (action.verify !== undefined) {
          expect(action.verify.alert).toBe(alert.alertname);
          verifications.push({
            alert,
            withinMs: action.verify.withinMs,
            action: `${runbook!.id}/${action.id}`,
          });
        }
      }
    }
    expect(healed).toEqual([kind]);
    expect(sim.faults()).toEqual([]);
    expect(verifications.length).toBeGreaterThan(0);

    // Every verified alert resolves before its deadline.
    const resolvedAt = new Map<string, number>();
    const deadline = Math.max(...verifications.map((v) => v.withinMs));
    await runUntil(deadline, (alerts) => {
      for (const v of verifications) {
        const still = alerts.some((a) => a.fingerprint === v.alert.fingerprint && a.state === 'firing');
        if (!still && !resolvedAt.has(v.alert.fingerprint)) resolvedAt.set(v.alert.fingerprint, clock.now());
      }
      return verifications.every((v) => resolvedAt.has(v.alert.fingerprint));
    });
    for (const v of verifications) {
      const at = resolvedAt.get(v.alert.fingerprint);
      expect(at, `${v.action}: ${v.alert.alertname} still firing`).toBeDefined();
      expect(at! - appliedAt, `${v.action}: ${v.alert.alertname}`).toBeLessThanOrEqual(v.withinMs);
    }
  });
});
