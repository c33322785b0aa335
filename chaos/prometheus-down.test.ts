// Chaos: Prometheus, the control plane's data source, dies (kill -9: no shutdown, no flush) while the
// demo sends signals, a client reads the API and a dashboard's event stream is open; it stays down for
// several evaluation intervals and comes back on the same port and data dir. The control plane must
// stay available and honest: every answer a clean one (the last good statuses and alerts, marked stale
// with `dataSource.healthy: false` and an error naming Prometheus, or the documented 502 for chart
// queries), no answer lost to a hang or a refused connection, the event stream open and announcing each
// change of health, every signal accepted (ingest never depends on Prometheus), the process never gone;
// fresh statuses again by themselves once Prometheus answers, and Prometheus' own samples kept across
// the kill (the gap is the outage, nothing else).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, it } from 'vitest';
import type { SlaStatus } from '../server/evaluate/types.js';
import { freePort } from '../server/test-support/ports.js';
import { createToken, spawnServer } from '../server/test-support/process.js';
import { startPrometheus, type PrometheusServer } from '../server/test-support/prometheus.js';
import { REPO } from '../server/test-support/server.js';
import { launchChromium } from '../e2e/test-support/browser.js';
import { pollApi, type Polled } from './support/api-poller.js';
import { cleanups } from './support/cleanup.js';
import { Api, waitFor } from './support/control-plane.js';
import { Inventory } from './support/inventory.js';
import { killPrometheus, rawSamples, samplesOf, sumOf } from './support/prometheus.js';
import { openEventStream, type ReceivedEvent } from './support/sse.js';

const defer = cleanups();

/** The control plane polls Prometheus this often (SLACTL_EVALUATION_INTERVAL). */
const EVALUATION_INTERVAL_MS = 1_000;
/** How long Prometheus stays down after the kill: several evaluation (and API poll) intervals. */
const OUTAGE_MS = 8_000;
/** The API client's round interval and its timeout per request (a longer wait is a hang). */
const POLL_INTERVAL_MS = 250;
const CLIENT_TIMEOUT_MS = 5_000;
/** Fresh statuses within this long after Prometheus is back (its readiness), or recovery failed. */
const RECOVERY_BOUND_MS = 10_000;
/** The SLA whose alert is made to fire (a demo fault) and which triage and the charts read. */
const SLA = 'recommendations';
/** The test's own ingest client's service: its counters count only what this test sent. */
const OWN_SERVICE = 'chaos-prometheus-down';
const OWN_BATCH = 10;

interface DataSourceJson {
  kind: string;
  url?: string;
  healthy: boolean;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  error?: string;
}
interface SlasBody {
  data: SlaStatus[];
  evaluatedAt: string | null;
  dataSource: DataSourceJson;
}
interface AlertJson {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
  value: string;
}
interface AlertsBody {
  status: string;
  data: { alerts: AlertJson[] };
}

type Phase = 'before' | 'outage' | 'after';
const PHASES: readonly Phase[] = ['before', 'outage', 'after'];

/** Statuses without their `error` (the staleness note is the one thing allowed to change). */
const withoutError = (statuses: readonly SlaStatus[]) => statuses.map(({ error: _error, ...rest }) => rest);

/** An SLA has data when an objective, a component or an index has a measured value. */
const hasData = (s: SlaStatus) =>
  s.objectives.some((o) => o.sli !== undefined) ||
  s.components.some((c) => c.p99Ms !== undefined) ||
  s.recall.some((r) => r.recall !== undefined);

/** An alert as one short line: its name, the labels that tell it apart, its state. */
const describeAlert = (a: AlertJson) => {
  const labels = Object.entries(a.labels)
    .filter(([k]) => !['alertname', 'job', 'instance', 'service', 'severity', 'team'].includes(k))
    .map(([k, v]) => `${k}=${v}`);
  return `${a.labels.alertname}{${labels.join(',')}} ${a.state}`;
};

const stackTrace = /\n\s+at |\.[jt]s:\d+:\d+|node_modules/;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

describe('chaos: Prometheus (the data source) goes down', () => {
  it('serves the last good statuses, stale and saying so, loses nothing, and is fresh again once Prometheus is back', async () => {
    const inv = new Inventory(
      'Prometheus killed (SIGKILL) while the demo ingests and clients read, held down, restarted on the same port and data',
    );
    const root = mkdtempSync(path.join(os.tmpdir(), 'slactl-chaos-prometheus-'));
    defer(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'data');
    const config = path.join(root, 'slactl.yaml');
    writeFileSync(config, 'server:\n  prometheus:\n    timeout: 2s\n');
    const promPort = await freePort();
    const promUrl = `http://127.0.0.1:${promPort}`;

    // --- the world: control plane (child process, demo on), tokens, Prometheus with the committed rules
    const proc = await spawnServer(['--data-dir', dataDir, '--config', config, '--prometheus-url', promUrl], {
      SLACTL_DEMO: 'true',
      SLACTL_EVALUATION_INTERVAL: `${EVALUATION_INTERVAL_MS / 1000}s`,
    });
    let exitedAt: number | undefined;
    let exit = '';
    void proc.exited.then(({ code, signal }) => {
      exitedAt = Date.now();
      exit = `code ${code ?? '-'} signal ${signal ?? '-'}`;
    });
    defer(async () => {
      if (exitedAt === undefined) proc.child.kill('SIGKILL');
      await proc.exited;
    });
    inv.did(`slactl serve --prometheus-url ${promUrl} (child process, demo on, evaluation every 1s)`);
    // Each client its own scoped token, as an operator hands them out: Prometheus and the readers get
    // read, the ingest client ingest, and the one who injects the demo fault operate.
    const [scrapeToken, readToken, ingestToken, operateToken] = await Promise.all([
      createToken(dataDir, 'prometheus', ['read']),
      createToken(dataDir, 'chaos reader', ['read']),
      createToken(dataDir, 'chaos ingest', ['ingest']),
      createToken(dataDir, 'chaos operator', ['operate']),
    ]);
    const api = new Api(proc.url, readToken);
    const ruleFiles = readdirSync(path.join(REPO, 'alerts'))
      .filter((f) => f.endsWith('.rules.yaml'))
      .map((f) => path.join(REPO, 'alerts', f));
    const prometheusOptions = {
      scrape: [{ job: 'slactl', target: new URL(proc.url).host, bearerToken: scrapeToken }],
      ruleFiles,
      port: promPort,
      dir: path.join(root, 'prometheus'),
    };
    let prometheus: PrometheusServer | undefined = await startPrometheus(prometheusOptions);
    defer(() => prometheus?.stop());
    inv.did(
      `Prometheus 2.42 up at ${promUrl}: scrapes /metrics every 1s with a read token, ${ruleFiles.length} rule files`,
    );

    // A demo fault makes an alert of the SLA active, so "the last good alerts" are not an empty list.
    const fault = await new Api(proc.url, operateToken).request('POST', '/api/v1/demo/faults', {
      kind: 'error_spike',
      sla: SLA,
    });
    if (fault.status !== 201)
      throw new Error(`injecting the demo fault failed: ${fault.status} ${fault.text}`);
    const live = await waitFor(
      'statuses and an alert from Prometheus',
      async () => ({
        slas: await api.get<SlasBody>('/api/v1/slas'),
        alerts: await api.get<AlertsBody>('/api/v1/alerts'),
      }),
      ({ slas, alerts }) =>
        slas.dataSource.healthy &&
        slas.data.every(hasData) &&
        alerts.data.alerts.some((a) => a.labels.sla === SLA),
      60_000,
      250,
    );
    const names = live.slas.data.map((s) => s.name);
    inv.did(
      `statuses from Prometheus: dataSource healthy, ${names.length} SLAs with data, ` +
        `${live.alerts.data.alerts.length} alert(s) active (demo fault error_spike on ${SLA})`,
    );

    // --- the clients that run through the whole fault -------------------------------------------------
    const started = Date.now();
    const sse = await openEventStream(proc.url, readToken);
    defer(() => sse.close());
    const poller = pollApi({
      url: proc.url,
      token: readToken,
      paths: [
        '/api/v1/slas',
        '/api/v1/alerts',
        `/api/v1/signals/query?sla=${SLA}&signal=request_rate`,
        `/api/v1/triage?sla=${SLA}`,
        '/healthz',
        '/readyz',
      ],
      intervalMs: POLL_INTERVAL_MS,
      timeoutMs: CLIENT_TIMEOUT_MS,
    });
    defer(() => poller.stop());
    const ingestApi = new Api(proc.url, ingestToken);
    const ingest = { posted: 0, accepted: 0, answers: new Map<string, number>(), running: true };
    const ingesting = (async () => {
      while (ingest.running) {
        const signals = Array.from({ length: OWN_BATCH }, () => ({
          type: 'request',
          service: OWN_SERVICE,
          ok: true,
          seconds: 0.01,
        }));
        ingest.posted++;
        let key: string;
        try {
          const answer = await ingestApi.request('POST', '/api/v1/signals', { signals });
          key = String(answer.status);
          if (answer.status === 202) ingest.accepted++;
        } catch (error) {
          key = (error as Error).message;
        }
        ingest.answers.set(key, (ingest.answers.get(key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
      }
    })();
    defer(async () => {
      ingest.running = false;
      await ingesting;
    });
    await waitFor(
      'a few rounds of the API client',
      () => Promise.resolve(poller.polled.length),
      (n) => n >= 6 * 4,
      30_000,
    );
    inv.did(
      `clients started: API poller (6 routes every ${POLL_INTERVAL_MS} ms, ${CLIENT_TIMEOUT_MS} ms timeout), ` +
        `event stream, ingest client (${OWN_BATCH} signals every ${POLL_INTERVAL_MS} ms)`,
    );

    // The dashboard itself, in Debian's Chromium, signed in with the read token: open through the fault.
    const browser = await launchChromium();
    defer(() => browser.close());
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${proc.url}/login?token=${encodeURIComponent(readToken)}`);
    await page.locator(`article[data-sla="${SLA}"]`).waitFor({ timeout: 15_000 });
    const bannerBefore = await page.getByTestId('data-source-banner').count();
    inv.did('the dashboard open in Chromium (signed in with the read token), its SLA cards shown');

    // --- the outage ---------------------------------------------------------------------------------
    // Kill right after a poll refreshed the statuses, so "the last good values" are the ones read here.
    const previous = (await api.get<SlasBody>('/api/v1/slas')).evaluatedAt;
    const baseline = await waitFor(
      'a fresh poll',
      () => api.get<SlasBody>('/api/v1/slas'),
      (b) => b.dataSource.healthy && b.evaluatedAt !== previous,
      10_000,
      20,
    );
    const baselineAlerts = (await api.get<AlertsBody>('/api/v1/alerts')).data.alerts;
    const metricsAtKill = (await api.request('GET', '/metrics')).text;
    const killedAt = Date.now();
    const { pid } = await killPrometheus(prometheus);
    prometheus = undefined;
    inv.did(`kill -9 Prometheus (pid ${pid}); its port refuses connections`);
    const unhealthyEvent = await sse.waitFor(
      'dataSource healthy: false',
      (e) => e.event === 'dataSource' && (e.data as DataSourceJson).healthy === false,
      10_000,
    );
    inv.did(`the event stream announced the outage (${unhealthyEvent.atMs - killedAt} ms after the kill)`);
    const banner = page.getByTestId('data-source-banner');
    await banner.waitFor({ timeout: 10_000 });
    const bannerText = (await banner.textContent()) ?? '';
    const cardsDuringOutage = await page.locator('article[data-sla]').count();
    inv.did(`the dashboard showed the data-source banner ${Date.now() - killedAt} ms after the kill`);
    // A dashboard that opens during the outage: its snapshot is the stale state, said so.
    const lateSse = await openEventStream(proc.url, readToken);
    defer(() => lateSse.close());
    const lateSnapshot = await lateSse.waitFor('the snapshot', (e) => e.event === 'snapshot', 5_000);
    await lateSse.close();
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + OUTAGE_MS - Date.now())));
    const metricsDown = (await api.request('GET', '/metrics')).text;
    const restartAt = Date.now();
    prometheus = await startPrometheus(prometheusOptions);
    const upAt = Date.now();
    inv.did(
      `held down ${((restartAt - killedAt) / 1000).toFixed(1)} s; Prometheus restarted on the same port and ` +
        `data dir, ready after ${upAt - restartAt} ms (WAL replayed)`,
    );

    // --- recovery ------------------------------------------------------------------------------------
    const healthyEvent = await sse.waitFor(
      'dataSource healthy: true after the restart',
      (e) => e.event === 'dataSource' && e.atMs >= upAt && (e.data as DataSourceJson).healthy,
      RECOVERY_BOUND_MS + 5_000,
    );
    const bannerGone = await banner
      .waitFor({ state: 'detached', timeout: RECOVERY_BOUND_MS })
      .then(() => Date.now() - upAt)
      .catch(() => undefined);
    const killedEvaluatedAt = Date.parse(baseline.evaluatedAt!);
    const fresh1 = await waitFor(
      'fresh statuses',
      () => api.get<SlasBody>('/api/v1/slas'),
      (b) => b.dataSource.healthy && Date.parse(b.evaluatedAt ?? '') > killedEvaluatedAt,
      RECOVERY_BOUND_MS,
      100,
    );
    const freshAt = Date.now();
    const fresh2 = await waitFor(
      'statuses that keep moving',
      () => api.get<SlasBody>('/api/v1/slas'),
      (b) => Date.parse(b.evaluatedAt ?? '') > Date.parse(fresh1.evaluatedAt!),
      5 * EVALUATION_INTERVAL_MS,
      100,
    );
    inv.did(
      `fresh again: dataSource healthy ${healthyEvent.atMs - upAt} ms after Prometheus was ready, ` +
        `evaluatedAt ${baseline.evaluatedAt} → ${fresh1.evaluatedAt} → ${fresh2.evaluatedAt}`,
    );
    const alertsBack = await waitFor(
      'the alert active again',
      () => api.get<AlertsBody>('/api/v1/alerts'),
      (b) => baselineAlerts.every((a) => b.data.alerts.some((x) => isDeepStrictEqual(x.labels, a.labels))),
      15_000,
      250,
    );
    // Prometheus scrapes again (its scrape manager starts within ~5 s): wait for samples after the restart.
    const upSamples = async () =>
      (await rawSamples(promUrl, 'up{job="slactl"}', (Date.now() - started) / 1000 + 60))[0]?.values ?? [];
    await waitFor(
      'Prometheus scraping the control plane again',
      upSamples,
      (values) => values.filter(([t]) => t * 1000 > upAt).length >= 3,
      20_000,
      250,
    );

    // --- the end of the clients, and what they saw ------------------------------------------------------
    ingest.running = false;
    await ingesting;
    const polled = await poller.stop();
    const sseOpen = sse.open;
    const sseEnded = sse.ended;
    const events: readonly ReceivedEvent[] = [...sse.events];
    await sse.close();
    const metricsEnd = (await api.request('GET', '/metrics')).text;
    const [ownStored = 0] = samplesOf(metricsEnd, `slactl_requests_total{service="${OWN_SERVICE}"}`).values();
    // Prometheus' view of the test's own counter, once it scraped the last batch.
    let ownInPrometheus = NaN;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      const series = await rawSamples(promUrl, `slactl_requests_total{service="${OWN_SERVICE}"}`, 10);
      ownInPrometheus = Number(series[0]?.values.at(-1)?.[1] ?? NaN);
      if (ownInPrometheus === ingest.accepted * OWN_BATCH) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const up = await upSamples();
    const upIn = (from: number, to: number) => up.filter(([t]) => t * 1000 >= from && t * 1000 < to);
    const beforeKill = upIn(started - 60_000, killedAt);
    const afterUp = upIn(upAt, Infinity);
    const duringOutage = upIn(killedAt, upAt);
    const stillUp = exitedAt === undefined && proc.child.exitCode === null && proc.child.signalCode === null;
    const upFor = `${((Date.now() - started) / 1000).toFixed(1)} s of the scenario, pid ${proc.child.pid}`;
    proc.child.kill('SIGTERM');
    const ended = await proc.exited;
    inv.did(
      `clients stopped after ${((Date.now() - started) / 1000).toFixed(1)} s; slactl stopped with SIGTERM`,
    );

    // --- the inventory: API answers ------------------------------------------------------------------
    // The outage lasts from the kill to the restart; while Prometheus starts (until it is ready) the
    // answers may be either stale or fresh.
    const phaseOf = (p: Polled): Phase =>
      p.startedMs < killedAt ? 'before' : p.startedMs < restartAt ? 'outage' : 'after';
    const healthyByEvaluatedAt = new Map<string, SlasBody>([[baseline.evaluatedAt!, baseline]]);
    for (const p of polled) {
      const body = p.body as SlasBody | undefined;
      if (p.path === '/api/v1/slas' && p.status === 200 && body?.dataSource.healthy && body.evaluatedAt)
        healthyByEvaluatedAt.set(body.evaluatedAt, body);
    }
    const staleAnswers: SlasBody[] = [];
    let chart502 = 0;
    /** What is wrong with one answer, or undefined when it is clean for its phase. */
    const judge = (p: Polled): string | undefined => {
      const phase = phaseOf(p);
      if (p.status === undefined) return `no answer: ${p.failure}`;
      if (p.text !== undefined && stackTrace.test(p.text)) return `${p.status} with a stack trace`;
      const route = p.path.split('?')[0];
      if (route === '/api/v1/signals/query') {
        if (p.status === 200)
          return phase === 'outage' && p.startedMs > unhealthyEvent.atMs
            ? 'a 200 while Prometheus was down'
            : undefined;
        const error = (p.body as { error?: { code?: string; message?: string } } | undefined)?.error;
        if (
          p.status === 502 &&
          (phase === 'outage' || p.startedMs < upAt) &&
          error?.code === 'data_source_unavailable' &&
          /Prometheus/.test(error.message ?? '')
        ) {
          chart502++;
          return undefined;
        }
        return `${p.status} ${p.text?.slice(0, 200)}`;
      }
      if (p.status !== 200) return `${p.status} ${p.text?.slice(0, 200)}`;
      if (route === '/healthz' || route === '/readyz') return undefined;
      if (route === '/api/v1/triage') {
        const triage = (p.body as { data?: { sla?: string; evaluatedAt?: string } }).data;
        if (triage?.sla !== SLA) return 'a triage of another SLA';
        if (phase === 'outage' && Date.parse(triage.evaluatedAt ?? '') > killedEvaluatedAt)
          return `a triage evaluated at ${triage.evaluatedAt}, after the last good poll`;
        return undefined;
      }
      if (route === '/api/v1/alerts') {
        const alerts = (p.body as AlertsBody).data.alerts;
        if (phase === 'outage' && !isDeepStrictEqual(alerts, baselineAlerts))
          return `alerts differ from the last good ones: ${JSON.stringify(alerts).slice(0, 200)}`;
        return undefined;
      }
      // /api/v1/slas
      const body = p.body as SlasBody;
      if (
        !isDeepStrictEqual(
          body.data.map((s) => s.name),
          names,
        )
      )
        return `SLAs ${body.data.map((s) => s.name).join(', ')}`;
      if (body.dataSource.kind !== 'prometheus' || body.dataSource.url !== promUrl)
        return `dataSource ${JSON.stringify(body.dataSource)}`;
      if (body.dataSource.healthy) {
        const erred = body.data.find((s) => s.error !== undefined);
        if (erred) return `healthy, yet ${erred.name} has an error: ${erred.error}`;
        if (phase === 'outage' && Date.parse(body.evaluatedAt ?? '') > killedAt)
          return 'healthy with statuses evaluated after the kill';
        if (phase === 'after' && Date.parse(body.evaluatedAt ?? '') <= killedEvaluatedAt)
          return 'healthy again, but the statuses are not fresh';
        return undefined;
      }
      if (phase === 'before') return `unhealthy before the outage: ${body.dataSource.error}`;
      staleAnswers.push(body);
      if (!body.dataSource.error?.includes(promUrl))
        return `dataSource.error does not name Prometheus: ${body.dataSource.error}`;
      const unnamed = body.data.find((s) => !s.error?.startsWith(`Prometheus at ${promUrl} failing since`));
      if (unnamed) return `${unnamed.name}'s error does not say Prometheus is failing: ${unnamed.error}`;
      if (body.evaluatedAt !== body.dataSource.lastSuccessAt)
        return `evaluatedAt ${body.evaluatedAt} is not the last success ${body.dataSource.lastSuccessAt}`;
      const good = healthyByEvaluatedAt.get(body.evaluatedAt ?? '');
      if (good === undefined) return `stale statuses of ${body.evaluatedAt}, which no healthy answer had`;
      if (!isDeepStrictEqual(withoutError(body.data), withoutError(good.data)))
        return 'stale statuses differ from the last good ones';
      return undefined;
    };
    const problems: string[] = [];
    for (const phase of PHASES) {
      const answers = polled.filter((p) => phaseOf(p) === phase);
      let clean = 0;
      for (const p of answers) {
        const problem = judge(p);
        if (problem === undefined) clean++;
        else problems.push(`${phase} ${p.path}: ${problem}`);
      }
      const label = {
        before: 'before the kill',
        outage: 'while Prometheus was down',
        after: 'after it was back',
      }[phase];
      inv.tally(`API answers ${label} → clean`, answers.length, clean);
    }
    const outageAnswers = polled.filter((p) => phaseOf(p) === 'outage');
    inv.tally(
      'API requests without an answer (error, refused, > timeout)',
      0,
      polled.filter((p) => p.status === undefined).length,
    );
    inv.tally(
      'API answers 500 (or any 5xx but the documented 502)',
      0,
      polled.filter((p) => p.status !== undefined && p.status >= 500 && p.status !== 502).length,
    );
    inv.fact(
      'the API served stale statuses, marked healthy: false, during the outage',
      staleAnswers.length > 0,
      `${staleAnswers.length} stale /api/v1/slas answers, all of evaluatedAt ${[...new Set(staleAnswers.map((s) => s.evaluatedAt))].join(', ')}`,
    );
    inv.fact(
      'the stale statuses are the last good ones (same SLAs, same values, evaluatedAt of the last poll before the kill)',
      staleAnswers.length > 0 &&
        staleAnswers.every(
          (s) =>
            s.evaluatedAt === baseline.evaluatedAt &&
            isDeepStrictEqual(withoutError(s.data), withoutError(baseline.data)),
        ),
      `last good poll ${baseline.evaluatedAt}`,
    );
    inv.fact(
      'chart queries answered the documented 502 data_source_unavailable while down',
      chart502 > 0,
      `${chart502} × 502`,
    );
    inv.fact(
      'the last good alerts were served during the outage',
      baselineAlerts.length > 0 && !problems.some((p) => p.includes('/api/v1/alerts')),
      `${baselineAlerts.length}: ${baselineAlerts.map(describeAlert).join(', ')}`,
    );
    const latencies = outageAnswers.filter((p) => p.status !== undefined).map((p) => p.endedMs - p.startedMs);
    inv.note(
      `API during the outage: ${outageAnswers.length} requests, latency p50 ${percentile(latencies, 0.5)} ms, ` +
        `max ${Math.max(0, ...latencies)} ms (client timeout ${CLIENT_TIMEOUT_MS} ms)`,
    );
    for (const problem of problems.slice(0, 8)) inv.note(`problem: ${problem}`);

    // --- the event stream ------------------------------------------------------------------------------
    const snapshot = events[0];
    inv.fact(
      'the event stream began with a snapshot, healthy',
      snapshot?.event === 'snapshot' && (snapshot.data as { dataSource: DataSourceJson }).dataSource.healthy,
    );
    inv.fact(
      'the event stream stayed open through the outage and the recovery',
      sseOpen && sseEnded === undefined,
      sseEnded ?? `${events.length} events`,
    );
    const health = events.filter((e) => e.event === 'dataSource');
    inv.tally('dataSource events: healthy → unhealthy → healthy', 2, health.length);
    inv.fact(
      'the outage event came after the kill, with an error naming Prometheus',
      health[0]?.atMs !== undefined &&
        health[0].atMs >= killedAt &&
        (health[0].data as DataSourceJson).healthy === false &&
        ((health[0].data as DataSourceJson).error ?? '').includes(promUrl),
      JSON.stringify(health[0]?.data ?? null).slice(0, 160),
    );
    inv.fact(
      'the recovery event came after Prometheus was back',
      health[1]?.atMs !== undefined && health[1].atMs >= upAt && (health[1].data as DataSourceJson).healthy,
    );
    const statusEvents = (from: number, to: number) =>
      events
        .filter((e) => e.event === 'status' && e.atMs >= from && e.atMs < to)
        .map((e) => e.data as SlaStatus);
    const staleCards = new Set(
      statusEvents(killedAt, upAt)
        .filter((s) => s.error?.startsWith(`Prometheus at ${promUrl} failing since`))
        .map((s) => s.name),
    );
    inv.tally('SLAs whose card got the outage error (status events)', names.length, staleCards.size);
    const clearedCards = new Set(
      statusEvents(upAt, Infinity)
        .filter((s) => s.error === undefined)
        .map((s) => s.name),
    );
    inv.tally('SLAs whose card was cleared after recovery (status events)', names.length, clearedCards.size);
    const late = lateSnapshot.data as { statuses: SlaStatus[]; dataSource: DataSourceJson };
    inv.fact(
      'a dashboard opening during the outage gets the last good statuses, marked unhealthy',
      !late.dataSource.healthy && isDeepStrictEqual(withoutError(late.statuses), withoutError(baseline.data)),
      `snapshot dataSource.healthy ${late.dataSource.healthy}`,
    );

    // --- the process, ingest, metrics and logs ---------------------------------------------------------
    inv.fact(
      'the control plane process never exited during the scenario',
      stillUp,
      stillUp ? `up through ${upFor}` : `exited: ${exit}`,
    );
    inv.fact(
      'it stopped cleanly on SIGTERM afterwards',
      ended.code === 0,
      `code ${ended.code ?? '-'} signal ${ended.signal ?? '-'}`,
    );
    inv.tally("the test's ingest requests → 202", ingest.posted, ingest.accepted);
    inv.note(
      `the test's ingest answers: ${[...ingest.answers].map(([answer, n]) => `${answer} × ${n}`).join(', ')}`,
    );
    inv.tally(
      "the test's signals acknowledged → counted by the collector",
      ingest.accepted * OWN_BATCH,
      ownStored,
    );
    inv.tally(
      "the test's signals acknowledged → in Prometheus after the restart",
      ingest.accepted * OWN_BATCH,
      Number.isNaN(ownInPrometheus) ? 0 : ownInPrometheus,
    );
    const ingestRoute = 'slactl_http_request_duration_seconds_count{method="POST",route="/api/v1/signals"';
    const ingestRequests = samplesOf(metricsEnd, ingestRoute);
    const ingest202 = [...ingestRequests]
      .filter(([series]) => series.includes('status="202"'))
      .reduce((n, [, v]) => n + v, 0);
    inv.tally(
      'ingest requests of the demo and the test (whole run) → 202',
      [...ingestRequests.values()].reduce((n, v) => n + v, 0),
      ingest202,
    );
    const acceptedAt = (text: string) => sumOf(text, 'slactl_ingest_signals_accepted_total{source="api"}');
    const acceptedDown = acceptedAt(metricsDown) - acceptedAt(metricsAtKill);
    inv.fact(
      'signals kept being accepted while Prometheus was down',
      acceptedDown > 0,
      `slactl_ingest_signals_accepted_total{source="api"} +${acceptedDown} between the kill and the restart`,
    );
    inv.fact(
      '/metrics said so while down: slactl_prometheus_up 0, failures counted',
      sumOf(metricsDown, 'slactl_prometheus_up') === 0 &&
        sumOf(metricsDown, 'slactl_prometheus_failures_total') >
          sumOf(metricsAtKill, 'slactl_prometheus_failures_total'),
      `failures_total ${sumOf(metricsAtKill, 'slactl_prometheus_failures_total')} → ${sumOf(metricsDown, 'slactl_prometheus_failures_total')}`,
    );
    inv.fact(
      'and slactl_prometheus_up 1 after the recovery',
      sumOf(metricsEnd, 'slactl_prometheus_up') === 1,
    );
    const logs = proc
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) => JSON.parse(l) as { level: number; time: number; msg: string; res?: { statusCode?: number } },
      );
    const warnings = logs.filter((l) => l.time >= killedAt && /Prometheus data source failing/.test(l.msg));
    inv.tally(
      '"data source failing" warnings logged for the outage (once, not per cycle)',
      1,
      warnings.length,
    );
    inv.tally(
      'demo send failures logged',
      0,
      logs.filter((l) => /demo simulator could not send/.test(l.msg)).length,
    );
    inv.tally('error-level log lines', 0, logs.filter((l) => l.level >= 50).length);
    const chartWarnings = logs.filter((l) => l.level === 40 && l.res?.statusCode === 502);
    inv.note(
      `pino-http logged each 502 chart answer at warn level (Prometheus being away is not an error): ` +
        `${chartWarnings.length} lines for ${chart502} answers`,
    );

    // --- Prometheus' own data --------------------------------------------------------------------------
    inv.fact(
      'Prometheus kept the `up` samples scraped before the kill (WAL replayed after SIGKILL)',
      beforeKill.length > 0,
      `${beforeKill.length} samples`,
    );
    const lastBefore = beforeKill.at(-1)?.[0];
    inv.fact(
      'up to the kill: the last sample before the gap is within 2 scrape intervals of it',
      lastBefore !== undefined && killedAt - lastBefore * 1000 <= 2_000,
      lastBefore === undefined ? 'none' : `${(killedAt - lastBefore * 1000).toFixed(0)} ms before the kill`,
    );
    inv.tally('`up` samples in the outage (Prometheus was dead)', 0, duringOutage.length);
    inv.fact(
      'Prometheus scrapes the control plane again after the restart, up = 1',
      afterUp.length > 0 && afterUp.every(([, v]) => v === '1'),
      `${afterUp.length} samples`,
    );
    const firstAfter = afterUp[0]?.[0];
    if (lastBefore !== undefined && firstAfter !== undefined)
      inv.note(
        `the \`up\` series' gap: ${(firstAfter - lastBefore).toFixed(1)} s (kill to ready ${((upAt - killedAt) / 1000).toFixed(1)} s, then the first scrape)`,
      );
    const shiftOf = (a: AlertJson) => {
      const back = alertsBack.data.alerts.find((x) => isDeepStrictEqual(x.labels, a.labels));
      return back === undefined
        ? 'gone'
        : `${((Date.parse(back.activeAt) - Date.parse(a.activeAt)) / 1000).toFixed(1)} s`;
    };
    inv.note(
      "Prometheus' pending alerts after its restart (activeAt moved by): it starts the `for` clock again for rules " +
        'whose `for` is under --rules.alert.for-grace-period (10m), and restores longer ones from ALERTS_FOR_STATE ' +
        `shifted by its downtime: ${baselineAlerts.map((a) => `${describeAlert(a)} +${shiftOf(a)}`).join(', ')}`,
    );
    inv.fact(
      `fresh statuses within ${RECOVERY_BOUND_MS / 1000} s of Prometheus being ready`,
      freshAt - upAt <= RECOVERY_BOUND_MS && fresh2.data.every((s) => s.error === undefined),
      `${freshAt - upAt} ms; no SLA error after`,
    );
    inv.fact('the dashboard showed no data-source banner while Prometheus answered', bannerBefore === 0);
    inv.fact(
      "the dashboard's banner named Prometheus and said whose data it shows, as of when",
      bannerText.includes(`Prometheus at ${promUrl} is not answering.`) &&
        bannerText.includes('Statuses and alerts are its last complete answer, of') &&
        bannerText.includes((unhealthyEvent.data as DataSourceJson).error ?? '(no error in the event)'),
      bannerText.slice(0, 200),
    );
    inv.tally('SLA cards still shown on the dashboard during the outage', names.length, cardsDuringOutage);
    inv.fact(
      "the dashboard's banner went away once Prometheus answered again",
      bannerGone !== undefined,
      bannerGone === undefined ? 'still shown' : `${bannerGone} ms after Prometheus was ready`,
    );
    inv.settle();
  });
});
