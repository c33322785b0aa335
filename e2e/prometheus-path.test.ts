// The production path end to end, with the real servers from Debian's packages: `slactl serve` with the
// demo and Prometheus as its data source, a real Prometheus scraping the control plane's /metrics and
// evaluating the committed alerts/*.rules.yaml, and a real Alertmanager configured from the committed
// alerts/alertmanager.yaml, delivering to the control plane's webhook with a bearer token.
// index_degradation is injected → Prometheus fires VectorRecallBelowTarget → Alertmanager delivers →
// the control plane triages and runs the vector-index runbook → verified recovery → the alert resolves in
// Prometheus, and Alertmanager delivers the resolution. Every hop is asserted and timed; the timings go
// to dist/e2e/prometheus-path-figures.json (docs/benchmarks.md quotes them).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { AuditEntry } from '../server/audit/types.js';
import type { RunDetail, RunView } from '../server/remediate/views.js';
import { freePort } from '../server/test-support/ports.js';
import { createToken, spawnServer, type ServerProcess } from '../server/test-support/process.js';
import {
  instantQuery,
  prometheusAlerts,
  startAlertmanager,
  startPrometheus,
  type AlertmanagerServer,
  type PrometheusServer,
} from '../server/test-support/prometheus.js';
import { REPO } from '../server/test-support/server.js';

const FIGURES = path.join(REPO, 'dist/e2e/prometheus-path-figures.json');
const SLA = 'recommendations';
const ALERT = 'VectorRecallBelowTarget';
/** Scrape and rule evaluation interval: short, so the test takes minutes (production: 15–60 s). */
const INTERVAL_SECONDS = 2;
/** The rule's `for` is 5 minutes; recall needs 20 probes in its 10-minute window first. */
const FIRES_WITHIN_MS = 10 * 60_000;
const RESOLVES_WITHIN_MS = 5 * 60_000;

let dir: string;
let dataDir: string;
let control: ServerProcess | undefined;
let prometheus: PrometheusServer | undefined;
let alertmanager: AlertmanagerServer | undefined;
let adminToken = '';
let webhookTokenName = '';

async function api<T>(pathname: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${control!.url}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...init.headers },
  });
  expect(res.ok, `${pathname}: ${res.status} ${res.ok ? '' : await res.clone().text()}`).toBe(true);
  return (await res.json()) as T;
}

/** Polls until `probe` returns a value (not undefined), or fails naming `what`. */
async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const recallAlertOf = (alerts: Array<{ labels: Record<string, string>; state: string }>) =>
  alerts.find((a) => a.labels.alertname === ALERT && a.labels.sla === SLA);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-prometheus-path-'));
  dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  const [controlPort, prometheusPort] = [await freePort(), await freePort()];
  // Least privilege: Prometheus scrapes with a read token, Alertmanager delivers with an ingest token.
  const scrapeToken = await createToken(dataDir, 'prometheus', ['read']);
  webhookTokenName = 'alertmanager';
  const webhookToken = await createToken(dataDir, webhookTokenName, ['ingest']);
  // The test's own token (with tokens present, the server creates no first-start admin token).
  adminToken = await createToken(dataDir, 'e2e', ['read', 'operate']);

  // alerts/alertmanager.yaml as committed, pointed at this control plane, with the notification delays
  // shortened so the test takes minutes (they are the only changes).
  const am = parse(readFileSync(path.join(REPO, 'alerts/alertmanager.yaml'), 'utf8')) as {
    route: Record<string, unknown>;
    receivers: Array<{
      webhook_configs: Array<{ url: string; http_config: { authorization: Record<string, string> } }>;
    }>;
  };
  const webhook = am.receivers[0]!.webhook_configs[0]!;
  expect(webhook.url).toMatch(/\/api\/v1\/alertmanager$/);
  webhook.url = `http://127.0.0.1:${controlPort}/api/v1/alertmanager`;
  Object.assign(am.route, { group_wait: '1s', group_interval: '5s', repeat_interval: '1h' });
  alertmanager = await startAlertmanager({
    config: stringify(am),
    files: { [webhook.http_config.authorization.credentials_file!]: `${webhookToken}\n` },
  });

  const ruleFiles = readdirSync(path.join(REPO, 'alerts'))
    .filter((f) => f.endsWith('.rules.yaml'))
    .map((f) => path.join(REPO, 'alerts', f));
  expect(ruleFiles.length).toBeGreaterThanOrEqual(3);
  prometheus = await startPrometheus({
    port: prometheusPort,
    ruleFiles,
    scrapeIntervalSeconds: INTERVAL_SECONDS,
    evaluationIntervalSeconds: INTERVAL_SECONDS,
    alertmanagerUrl: alertmanager.url,
    scrape: [{ job: 'slactl', target: `127.0.0.1:${controlPort}`, bearerToken: scrapeToken }],
  });

  control = await spawnServer(
    ['--port', String(controlPort), '--data-dir', dataDir, '--prometheus-url', prometheus.url],
    { SLACTL_EVALUATION_INTERVAL: `${INTERVAL_SECONDS}s`, SLACTL_DEMO: 'true' },
  );
});

afterAll(async () => {
  if (control && control.child.exitCode === null) {
    control.child.kill('SIGTERM');
    await control.exited;
  }
  await prometheus?.stop();
  await alertmanager?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the production path: real Prometheus and Alertmanager', () => {
  it('index_degradation → Prometheus fires → Alertmanager delivers → triage → runbook → verified → resolved', async () => {
    const t0 = Date.now();
    const hops: Record<string, number> = {};
    const mark = (hop: string) => {
      hops[hop] ??= (Date.now() - t0) / 1000;
    };

    // Hop 0: Prometheus scrapes the control plane (read token) and has loaded every compiled rule.
    await until('Prometheus to scrape the control plane', 60_000, async () => {
      const up = await instantQuery(prometheus!.url, 'up{job="slactl"}');
      return up[0]?.value[1] === '1' ? true : undefined;
    });
    const rules = (await (await fetch(`${prometheus!.url}/api/v1/rules?type=alert`)).json()) as {
      data: {
        groups: Array<{ rules: Array<{ name: string; health: string; labels: Record<string, string> }> }>;
      };
    };
    const recallRules = rules.data.groups.flatMap((g) => g.rules).filter((r) => r.name === ALERT);
    expect(recallRules.length).toBeGreaterThan(0);
    for (const rule of rules.data.groups.flatMap((g) => g.rules))
      expect(rule.health, rule.name).not.toBe('err');
    // The control plane reads its SLA status from Prometheus.
    const slas = await api<{
      data: Array<{ name: string }>;
      dataSource?: { kind: string; healthy: boolean };
    }>('/api/v1/slas');
    expect(slas.data.map((s) => s.name)).toContain(SLA);
    expect(slas.dataSource).toMatchObject({ kind: 'prometheus', healthy: true });
    // Healthy before the fault: no recall alert anywhere.
    expect(recallAlertOf(await prometheusAlerts(prometheus!.url))).toBeUndefined();

    // Inject the fault through the demo API.
    const injected = await fetch(`${control!.url}/api/v1/demo/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'index_degradation', sla: SLA }),
    });
    expect(injected.status).toBe(201);
    const injectedAt = Date.now();
    mark('injected');

    // Hop 1: Prometheus sees recall drop (pending), then fires after the rule's `for`.
    await until(`${ALERT} pending or firing in Prometheus`, FIRES_WITHIN_MS, async () =>
      recallAlertOf(await prometheusAlerts(prometheus!.url)) ? true : undefined,
    );
    mark('prometheus_pending');
    const firing = await until(`${ALERT} firing in Prometheus`, FIRES_WITHIN_MS, async () => {
      const alert = recallAlertOf(await prometheusAlerts(prometheus!.url));
      return alert?.state === 'firing' ? alert : undefined;
    });
    mark('prometheus_firing');
    expect(firing.labels).toMatchObject({ sla: SLA, severity: 'critical', index: 'products' });

    // Hop 2: Alertmanager holds it.
    await until(`${ALERT} active in Alertmanager`, 60_000, async () => {
      const res = await fetch(`${alertmanager!.url}/api/v2/alerts?filter=alertname%3D%22${ALERT}%22`);
      const alerts = (await res.json()) as Array<{
        labels: Record<string, string>;
        status: { state: string };
      }>;
      return alerts.some((a) => a.labels.sla === SLA && a.status.state === 'active') ? true : undefined;
    });
    mark('alertmanager_active');

    // Hop 3: the webhook delivered it (with the alertmanager token) and the control plane triaged it to
    // the vector index runbook.
    const received = await until('the delivery at the control plane', 60_000, async () => {
      const audit = await api<{ data: AuditEntry[] }>('/api/v1/audit?kind=alert_received&limit=100');
      return audit.data.find(
        (e) =>
          (e.data.labels as Record<string, string> | undefined)?.alertname === ALERT &&
          e.data.status !== 'resolved',
      );
    });
    mark('delivered');
    expect(received.actor).toContain(webhookTokenName);
    const triage = await api<{ data: AuditEntry[] }>(
      `/api/v1/audit?kind=triage_path&subject=${encodeURIComponent(received.subject!)}`,
    );
    expect(triage.data[0]?.data).toMatchObject({ sla: SLA, runbook: 'vector-index-degradation' });

    // Hop 4: the runbook's automatic action runs against the demo's index.
    const run = await until('a compact-index run', 60_000, async () => {
      const runs = await api<{ data: RunView[] }>('/api/v1/runs?runbook=vector-index-degradation');
      return runs.data.find((r) => r.action === 'compact-index');
    });
    mark('run_created');
    expect(run).toMatchObject({
      trigger: 'alert',
      alert: { alertname: ALERT, labels: { sla: SLA, index: 'products' } },
    });

    // Hop 5: recovery in Prometheus: the alert resolves there…
    await until(`${ALERT} resolved in Prometheus`, RESOLVES_WITHIN_MS, async () =>
      recallAlertOf(await prometheusAlerts(prometheus!.url)) === undefined ? true : undefined,
    );
    mark('prometheus_resolved');
    // …the run saw it and succeeded…
    const done = await until('the run to succeed', RESOLVES_WITHIN_MS, async () => {
      const detail = await api<{ data: RunDetail }>(`/api/v1/runs/${run.id}`);
      return ['succeeded', 'failed', 'escalated', 'cancelled'].includes(detail.data.state)
        ? detail.data
        : undefined;
    });
    mark('run_finished');
    expect(done.state).toBe('succeeded');
    expect(done.transitions.map((x) => x.to)).toEqual(['triggered', 'executing', 'verifying', 'succeeded']);
    // …and Alertmanager delivered the resolution.
    await until('the resolved notification', 60_000, async () => {
      const audit = await api<{ data: AuditEntry[] }>(
        `/api/v1/audit?kind=alert_received&subject=${encodeURIComponent(received.subject!)}&limit=100`,
      );
      return audit.data.find((e) => e.data.status === 'resolved');
    });
    mark('resolution_delivered');

    // Exactly one run for the episode; the fault is healed; the audit chain verifies.
    const runs = await api<{ data: RunView[] }>('/api/v1/runs?runbook=vector-index-degradation');
    expect(runs.data.filter((r) => r.action === 'compact-index')).toHaveLength(1);
    expect((await api<{ faults: unknown[] }>('/api/v1/demo/faults')).faults).toEqual([]);
    expect(await api<{ data: { ok: boolean } }>('/api/v1/audit/verify')).toMatchObject({
      data: { ok: true },
    });

    const figures = {
      measuredAt: new Date().toISOString(),
      intervalSeconds: INTERVAL_SECONDS,
      secondsFromInjection: Object.fromEntries(
        Object.entries(hops).map(([hop, s]) => [hop, Math.round((s - (injectedAt - t0) / 1000) * 10) / 10]),
      ),
    };
    mkdirSync(path.dirname(FIGURES), { recursive: true });
    writeFileSync(FIGURES, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(
      `prometheus path, seconds from injection: ${JSON.stringify(figures.secondsFromInjection)}\n`,
    );
  });
});
