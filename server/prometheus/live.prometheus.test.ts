// `slactl serve --prometheus-url` end to end: the control plane (demo on) scraped by a real Prometheus
// that loads the committed rule files plus the compiled rules of a test SLA whose availability is a
// custom PromQL SLI over the collector's own request counters. The API answers statuses, alerts and
// series from Prometheus; Prometheus goes down (stale but available, nothing crashes) and comes back.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { emitRules } from '../compile/emit-rules.js';
import { DEFAULT_SETTINGS } from '../compile/ir.js';
import { fingerprint } from '../evaluate/alert-state.js';
import { planFromYaml } from '../evaluate/test-support/plans.js';
import { DEFAULT_LIMITS } from '../http/config.js';
import { loadRunbooks } from '../remediate/runbook.js';
import { ALERT_NAMES, planAlertNames } from '../triage/catalog.js';
import { loadTreeFile } from '../triage/load.js';
import { startServer, type RunningServer } from '../main.js';
import { freePort } from '../test-support/ports.js';
import { prometheusAlerts, startPrometheus, type PrometheusServer } from '../test-support/prometheus.js';
import { REPO, repoPlans } from '../test-support/server.js';

const CUSTOM = `apiVersion: slactl/v1
kind: SLA
metadata:
  name: checkout-live
  service: checkout-live
  tier: low-latency
spec:
  window: 30d
  availability:
    objective: 99.9%
    sli:
      errors: sum(rate(slactl_request_errors_total{service="checkout-live"}[{{window}}]))
      total: sum(rate(slactl_requests_total{service="checkout-live"}[{{window}}]))
`;

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface SlasBody {
  data: Array<{
    name: string;
    error?: string;
    objectives: Array<{ slo: string; evaluatedBy: string; sli?: number }>;
    alerts: { firing: number; pending: number };
  }>;
  dataSource: { kind: string; url: string; healthy: boolean; lastSuccessAt: string | null; error?: string };
}

describe('slactl serve with Prometheus as the data source', () => {
  it('serves statuses, alerts and series from Prometheus, stale while it is down, fresh again after', async () => {
    const custom = planFromYaml(CUSTOM);
    const plans = [...(await repoPlans()), custom];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-live-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const customRules = path.join(dir, 'checkout-live.rules.yaml');
    writeFileSync(customRules, emitRules(custom, DEFAULT_SETTINGS));
    const ruleFiles = [
      ...readdirSync(path.join(REPO, 'alerts'))
        .filter((f) => f.endsWith('.rules.yaml'))
        .map((f) => path.join(REPO, 'alerts', f)),
      customRules,
    ];
    // The repo's runbooks and decision tree, loaded as `slactl serve` does (cli/operations.ts).
    const runbooks = await loadRunbooks(
      'runbooks',
      { alertNames: new Set([...ALERT_NAMES, ...planAlertNames(plans)]) },
      REPO,
    );
    const tree = await loadTreeFile('runbooks/decision-tree.yaml', REPO, {
      alertNames: planAlertNames(plans),
      runbookIds: runbooks.runbooks.map((r) => r.id),
    });
    if (!tree.ok)
      throw new Error(`the repo's decision tree does not load: ${JSON.stringify(tree.diagnostics)}`);
    const promPort = await freePort();
    const promUrl = `http://127.0.0.1:${promPort}`;

    const server: RunningServer = await startServer({
      config: {
        host: '127.0.0.1',
        port: 0,
        dataDir: path.join(dir, 'data'),
        slas: path.join(REPO, 'slas'),
        demo: true,
        evaluationIntervalMs: 1000,
        retentionMs: 35 * 86_400_000,
        publicMetrics: true,
        logLevel: 'silent',
        limits: DEFAULT_LIMITS,
        prometheus: { url: promUrl, headers: { 'X-Scope-OrgID': 'team-a' }, timeoutMs: 2_000 },
      },
      plans,
      compileSettings: DEFAULT_SETTINGS,
      runbooks: runbooks.runbooks,
      tree: tree.value,
      log: pino({ level: 'silent' }),
      loops: true,
      demoSeed: 7,
    });
    cleanup.push(() => server.close());
    const token = server.admin!.token;
    const api = async <T>(pathname: string): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${server.url}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as T };
    };

    // Prometheus is not there yet: ready after the first (failed) poll, answering honestly.
    await until('readiness', async () =>
      (await fetch(`${server.url}/readyz`)).status === 200 ? true : undefined,
    );
    const before = await api<SlasBody>('/api/v1/slas');
    expect(before.status).toBe(200);
    expect(before.body.dataSource).toMatchObject({
      kind: 'prometheus',
      url: promUrl,
      healthy: false,
      lastSuccessAt: null,
    });
    expect(before.body.dataSource.error).toMatch(/unreachable/);
    expect(before.body.data.map((s) => s.name)).toEqual(plans.map((p) => p.name));
    expect(before.body.data.every((s) => /failing since/.test(s.error ?? ''))).toBe(true);

    let prometheus: PrometheusServer | undefined = await startPrometheus({
      scrape: [{ job: 'slactl', target: new URL(server.url).host }],
      ruleFiles,
      port: promPort,
      dir: path.join(dir, 'prometheus'),
    });
    cleanup.push(() => prometheus?.stop());

    // Traffic of the custom SLI's service: half the requests fail, so its burn-rate alert goes pending.
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        const signals = Array.from({ length: 20 }, (_, i) => ({
          type: 'request',
          service: 'checkout-live',
          ok: i % 2 === 0,
          seconds: 0.02,
        }));
        await fetch(`${server.url}/api/v1/signals`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ signals }),
        }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    cleanup.push(async () => {
      sending = false;
      await traffic;
    });

    const live = await until('the custom SLI and its alert from Prometheus', async () => {
      const { body } = await api<SlasBody>('/api/v1/slas');
      const status = body.data.find((s) => s.name === 'checkout-live');
      const sli = status?.objectives[0]?.sli;
      return body.dataSource.healthy &&
        sli !== undefined &&
        status!.alerts.pending + status!.alerts.firing > 0
        ? body
        : undefined;
    });
    const checkout = live.data.find((s) => s.name === 'checkout-live')!;
    expect(checkout.objectives[0]).toMatchObject({ slo: 'availability', evaluatedBy: 'prometheus' });
    expect(checkout.objectives[0]!.sli).toBeGreaterThan(0.2);
    expect(checkout.objectives[0]!.sli).toBeLessThan(0.8);
    expect(checkout.error).toBeUndefined();
    expect(live.dataSource.lastSuccessAt).not.toBeNull();

    // Alerts are Prometheus' own, filtered to the loaded SLAs, with the evaluator's fingerprints.
    const alerts = await api<{ data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }>(
      '/api/v1/alerts',
    );
    const burn = alerts.body.data.alerts.find(
      (a) => a.labels.sla === 'checkout-live' && a.labels.alertname === 'SLOAvailabilityBurnRateHigh',
    );
    expect(burn).toBeDefined();
    const fromPrometheus = (await prometheusAlerts(prometheus.url)).filter(
      (a) => a.labels.sla === 'checkout-live',
    );
    expect(fromPrometheus.map((a) => a.labels)).toContainEqual(burn!.labels);
    const detail = await api<{ data: { alerts: Array<{ labels: Record<string, string> }> } }>(
      '/api/v1/slas/checkout-live',
    );
    expect(detail.body.data.alerts.map((a) => fingerprint(a.labels))).toContain(fingerprint(burn!.labels));

    // Charts: query_range over the collector's series as Prometheus scraped them.
    const now = Date.now();
    const series = await api<{
      data: { series: Array<{ labels: Record<string, string>; points: Array<[number, number | null]> }> };
    }>(`/api/v1/signals/query?sla=checkout-live&signal=error_ratio&from=${now - 120_000}&to=${now}&step=10s`);
    expect(series.status).toBe(200);
    expect(series.body.data.series[0]!.labels).toEqual({ service: 'checkout-live' });
    expect(series.body.data.series[0]!.points.some(([, v]) => v !== null && v > 0.2 && v < 0.8)).toBe(true);

    // Triage reads the same statuses and alerts.
    const triage = await api<{ data: { sla: string } }>('/api/v1/triage?sla=checkout-live');
    expect(triage.status).toBe(200);

    // The embedded evaluator does not run: no alert reached remediation but through Alertmanager.
    const runs = await api<{ data: unknown[] }>('/api/v1/runs');
    expect(runs.body.data).toEqual([]);

    // Prometheus goes down: the same answers, stale, and the server keeps serving.
    await prometheus.stop();
    prometheus = undefined;
    const stale = await until('the outage to show', async () => {
      const { body } = await api<SlasBody>('/api/v1/slas');
      return body.dataSource.healthy ? undefined : body;
    });
    const staleCheckout = stale.data.find((s) => s.name === 'checkout-live')!;
    expect(staleCheckout.objectives[0]!.sli).toBeGreaterThan(0.2);
    expect(staleCheckout.objectives[0]!.sli).toBeLessThan(0.8);
    expect(staleCheckout.error).toMatch(/failing since .*last complete answer at/);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const staleAlerts = await api<{ data: { alerts: Array<{ labels: Record<string, string> }> } }>(
      '/api/v1/alerts',
    );
    expect(staleAlerts.body.data.alerts.map((a) => a.labels)).toContainEqual(burn!.labels);
    const chartDown = await api<{ error: { code: string; message: string } }>(
      `/api/v1/signals/query?sla=checkout-live&signal=request_rate`,
    );
    expect(chartDown.status).toBe(502);
    expect(chartDown.body.error.code).toBe('data_source_unavailable');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/slactl_prometheus_up 0/);
    expect(metrics).toMatch(/slactl_prometheus_failures_total\{family="series"\} 1/);

    // It comes back on the same address with its data: fresh answers again, by themselves.
    prometheus = await startPrometheus({
      scrape: [{ job: 'slactl', target: new URL(server.url).host }],
      ruleFiles,
      port: promPort,
      dir: path.join(dir, 'prometheus'),
    });
    const back = await until('recovery', async () => {
      const { body } = await api<SlasBody>('/api/v1/slas');
      return body.dataSource.healthy ? body : undefined;
    });
    expect(back.data.find((s) => s.name === 'checkout-live')!.error).toBeUndefined();
    // The demo's SLAs have data too (the collector's exposition, scraped).
    expect(
      back.data.some((s) => s.name !== 'checkout-live' && s.objectives.some((o) => o.sli !== undefined)),
    ).toBe(true);
  }, 90_000);
});
