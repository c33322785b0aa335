// Issue 4's demo loop through the running server: an injected index_degradation fires
// VectorRecallBelowTarget in the embedded evaluator → the alert takes the receiver's path → triage →
// the vector-index runbook's automatic compact-index action calls the demo's remediation endpoint over
// HTTP → verification waits for recall to recover → the alert resolves and the run succeeds, every
// decision in the signed audit log, which verifies.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../cli/audit.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const TICK_MS = 15_000;
const MINUTE = 60_000;

let t: TestServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'slactl-loop-'));
  t = await startTestServer({ demo: true, dataDir });
});

afterAll(async () => {
  await t?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface RunView {
  id: string;
  runbook: string;
  action: string;
  state: string;
  trigger: string;
  alert: { alertname: string | null; labels: Record<string, string> };
}

async function json<T>(pathname: string): Promise<T> {
  const res = await t.api(pathname);
  expect(res.status, pathname).toBe(200);
  return (await res.json()) as T;
}

async function recallAlert(): Promise<'firing' | 'pending' | undefined> {
  const body = await json<{ data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }>(
    '/api/v1/alerts',
  );
  const alert = body.data.alerts.find(
    (a) => a.labels.alertname === 'VectorRecallBelowTarget' && a.labels.sla === 'recommendations',
  );
  return alert?.state as 'firing' | 'pending' | undefined;
}

async function compactRuns(): Promise<RunView[]> {
  const body = await json<{ data: RunView[] }>('/api/v1/runs?runbook=vector-index-degradation');
  return body.data.filter((r) => r.action === 'compact-index');
}

/** One demo step: time passes, the demo sends, the evaluator runs, the engine does what is due. */
async function step(): Promise<void> {
  t.clock.advance(TICK_MS);
  await t.server.demo!.tick();
  t.server.evaluateNow();
  await t.server.engine.settle();
}

describe('the demo remediation loop', () => {
  it('goes alert → triage → run → compaction → verified recovery → resolved, all audited', async () => {
    for (let i = 0; i < (10 * MINUTE) / TICK_MS; i++) await step();
    expect(await recallAlert()).toBeUndefined();

    const injectedAt = t.clock.now();
    const inject = await t.api('/api/v1/demo/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'index_degradation', sla: 'recommendations' }),
    });
    expect(inject.status).toBe(201);

    let firedAt: number | undefined;
    let runStartedAt: number | undefined;
    let resolvedAt: number | undefined;
    for (let elapsed = 0; elapsed < 40 * MINUTE && resolvedAt === undefined; elapsed += TICK_MS) {
      await step();
      const state = await recallAlert();
      if (state === 'firing') firedAt ??= t.clock.now();
      if (runStartedAt === undefined && (await compactRuns()).length > 0) runStartedAt = t.clock.now();
      if (firedAt !== undefined && state === undefined) resolvedAt = t.clock.now();
    }
    expect(firedAt, 'VectorRecallBelowTarget fired').toBeDefined();
    expect(runStartedAt, 'a compact-index run started').toBeDefined();
    expect(resolvedAt, 'VectorRecallBelowTarget resolved').toBeDefined();
    // The run starts when the alert fires (same evaluation), and recovery follows the compaction.
    expect(runStartedAt! - firedAt!).toBeLessThanOrEqual(TICK_MS);
    // compact-index ends with a recall verification sweep: the 10-minute recall window recovers at once
    // (without it, organic probes took about 8.5 minutes to dilute the bad ones).
    expect(resolvedAt! - runStartedAt!).toBeLessThan(2 * MINUTE);
    expect(resolvedAt! - injectedAt).toBeLessThan(30 * MINUTE);

    // Let verification see the resolution.
    for (let i = 0; i < 4; i++) await step();
    const runs = await compactRuns();
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run).toMatchObject({
      state: 'succeeded',
      trigger: 'alert',
      alert: { alertname: 'VectorRecallBelowTarget', labels: { index: 'products', sla: 'recommendations' } },
    });
    const detail = await json<{ data: { transitions: Array<{ to: string }> } }>(`/api/v1/runs/${run.id}`);
    expect(detail.data.transitions.map((x) => x.to)).toEqual([
      'triggered',
      'executing',
      'verifying',
      'succeeded',
    ]);

    // The fault is healed: the demo lists none.
    expect((await json<{ faults: unknown[] }>('/api/v1/demo/faults')).faults).toEqual([]);

    const audit = await json<{
      data: Array<{ kind: string; subject?: string; data: Record<string, unknown> }>;
    }>('/api/v1/audit?limit=500');
    const kinds = new Set(audit.data.map((e) => e.kind));
    for (const kind of [
      'alert_received',
      'triage_path',
      'run_created',
      'run_transition',
      'action_request',
      'action_response',
      'verification',
    ])
      expect(kinds, kind).toContain(kind);
    const path = audit.data.find(
      (e) =>
        e.kind === 'triage_path' && (e.data as { runbook?: string }).runbook === 'vector-index-degradation',
    );
    expect(path, 'a triage path ending at the vector index runbook').toBeDefined();
    const request = audit.data.find((e) => e.kind === 'action_request' && e.subject === run.id);
    expect(JSON.stringify(request)).not.toMatch(/slactl_[A-Za-z0-9_-]{20,}/); // no token in the log

    // `slactl audit verify` on the stopped server's data dir: the whole chain checks out.
    await t.stop();
    t = undefined as unknown as TestServer;
    let out = '';
    const code = auditCommand(
      { out: (text) => void (out += text), err: (text) => void (out += text), cwd: dataDir },
      { action: 'verify', args: [], dataDir, format: 'json' },
    );
    expect(JSON.parse(out)).toMatchObject({ ok: true });
    expect(code).toBe(0);
  });
});
