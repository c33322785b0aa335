// Benchmark of detection latency and MTTR per demo fault through the Prometheus path, beside the embedded
// evaluator, in one run (npm run bench:prometheus-path), recorded in docs/benchmarks.md.
// For each demo fault kind, on the first example SLA it applies to:
//   - embedded: the remediation loop of bench/remediation.bench.ts (remediation-loop.ts);
//   - Prometheus: the same simulation with the control plane in Prometheus mode, its /metrics scraped every
//     15 simulated seconds and backfilled into Debian's Prometheus, the committed alerts/<sla>.rules.yaml
//     replayed with query_range and `for` semantics, and Alertmanager's notifications (from the committed
//     alerts/alertmanager.yaml) delivered to POST /api/v1/alertmanager at their simulated time
//     (prometheus-path.ts); the replay is cross-checked with `promtool test rules` on the same scrapes;
//   - the analytic minimum detection time of the fault's expected alerts (analytic.ts).
// One real Alertmanager measures the delivery delay of a new group once, in wall time.
import { createServer } from 'node:http';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { alertRules } from '../server/compile/emit-rules.js';
import { DEFAULT_SETTINGS } from '../server/compile/ir.js';
import { FAULT_KINDS } from '../server/demo/faults.js';
import { rngFor } from '../server/demo/random.js';
import { serviceModel } from '../server/demo/service-model.js';
import { parseExposition } from '../server/evaluate/test-support/scrape.js';
import { freePort } from '../server/test-support/ports.js';
import { startAlertmanager } from '../server/test-support/prometheus.js';
import { REPO, repoPlans } from '../server/test-support/server.js';
import { loadAlertmanagerRoute, type AlertmanagerRoute } from './alertmanager-model.js';
import { analyticMinimum, type AnalyticMinimum, type Baseline } from './analytic.js';
import { crossCheckWithPromtool, type CrossCheck } from './promtool-check.js';
import { measurePrometheusPath, type PathOutcome } from './prometheus-path.js';
import {
  HEALTHY_MS,
  measureEmbedded,
  MINUTE,
  minutes,
  runbookCell,
  TICK_MS,
  type Outcome,
} from './remediation-loop.js';

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const ALERTS = path.join(REPO, 'alerts');
/** The demo's seed in the in-process server (server/test-support/server.ts). */
const DEMO_SEED = 7;
/** Drift is computed over the SignalReader's default window (server/collector/derived.ts). */
const DRIFT_WINDOW_MS = 60 * MINUTE;

/** Tombstone ratios and feature ages in the last scrape before the fault. */
function baselineOf(o: PathOutcome): Baseline {
  const scrape = o.scrapes.find((s) => s.atMs === o.injectedAt);
  const tombstones = new Map<string, number>();
  const vectors = new Map<string, number>();
  const ages = new Map<string, number>();
  for (const { name, labels, value } of scrape ? parseExposition(scrape.text) : []) {
    if (labels.service === undefined) continue;
    if (name === 'slactl_index_tombstones') tombstones.set(labels.index!, value);
    if (name === 'slactl_index_vectors') vectors.set(labels.index!, value);
    if (name === 'slactl_feature_age_seconds') ages.set(labels.feature!, value);
  }
  const ratio = new Map<string, number>();
  for (const [index, t] of tombstones) {
    const v = vectors.get(index);
    if (v !== undefined && v > 0) ratio.set(index, t / v);
  }
  return {
    historyMs: HEALTHY_MS,
    tombstoneRatio: ratio,
    featureAgeSeconds: ages,
    driftWindowMs: DRIFT_WINDOW_MS,
  };
}

/** Posts one alert to a real Alertmanager with the committed configuration; ms until the webhook has it. */
async function measureDelivery(route: AlertmanagerRoute): Promise<number> {
  let received: (at: number) => void = () => undefined;
  const arrived = new Promise<number>((resolve) => (received = resolve));
  const hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received(performance.now());
      res.end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => hook.listen(port, '127.0.0.1', resolve));
  const config = parse(readFileSync(route.file, 'utf8')) as {
    receivers: Array<{ webhook_configs: Array<{ url: string }> }>;
  };
  config.receivers[0]!.webhook_configs[0]!.url = `http://127.0.0.1:${port}/api/v1/alertmanager`;
  const am = await startAlertmanager({
    config: stringify(config),
    files: { 'slactl-webhook.token': 'benchmark' },
  });
  try {
    const posted = performance.now();
    const res = await fetch(`${am.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'VectorRecallBelowTarget', sla: 'recommendations', severity: 'critical' },
          annotations: { summary: 'benchmark' },
          startsAt: new Date().toISOString(),
        },
      ]),
    });
    if (!res.ok) throw new Error(`Alertmanager refused the alert: ${res.status} ${await res.text()}`);
    const timeout = new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error('no webhook delivery within 120 s')), 120_000).unref(),
    );
    return (await Promise.race([arrived, timeout])) - posted;
  } finally {
    await am.stop();
    hook.close();
  }
}

interface Row {
  embedded: Outcome;
  prom: PathOutcome;
  analytic?: AnalyticMinimum;
  check?: CrossCheck;
  wallMs: number;
}

const startedAll = performance.now();
const route = loadAlertmanagerRoute(path.join(ALERTS, 'alertmanager.yaml'));
const plans = await repoPlans();
out(
  `# slactl detection and MTTR through Prometheus, beside the embedded evaluator — ${new Date().toISOString()}`,
);
out(
  `method: in-process server with the demo, manual clock stepping ${TICK_MS / 1000} s; Prometheus path = ` +
    `/metrics scraped every ${TICK_MS / 1000} s, backfilled into Prometheus, committed rules replayed with query_range + for; ` +
    `Alertmanager ${route.groupWaitMs / 1000} s group_wait / ${route.groupIntervalMs / 60_000} min group_interval from alerts/alertmanager.yaml\n`,
);
const rows: Row[] = [];
for (const kind of FAULT_KINDS) {
  const started = performance.now();
  const embedded = await measureEmbedded(kind);
  const prom = await measurePrometheusPath(kind, ALERTS, route, embedded.detectionMs, (line) =>
    process.stderr.write(`${line}\n`),
  );
  const row: Row = { embedded, prom, wallMs: 0 };
  const plan = plans.find((p) => p.name === prom.sla);
  if (plan !== undefined && prom.injectedAt !== undefined && prom.scrapes.length > 0) {
    const model = serviceModel(plan, rngFor(DEMO_SEED, plan.name));
    const analytic = analyticMinimum(
      plan,
      model,
      alertRules(plan, DEFAULT_SETTINGS),
      kind,
      prom.expectedAlerts,
      prom.injectedAt,
      baselineOf(prom),
    );
    if (analytic !== undefined) row.analytic = analytic;
    row.check = await crossCheckWithPromtool(
      path.join(ALERTS, `${prom.sla}.rules.yaml`),
      prom.scrapes,
      prom.episodes,
      {
        fromMs: prom.injectedAt - 5 * MINUTE,
        stepMs: TICK_MS,
      },
    );
  }
  row.wallMs = performance.now() - started;
  rows.push(row);
  process.stderr.write(`${kind}: done in ${(row.wallMs / 1000).toFixed(0)} s\n`);
}

out(
  '| fault | SLA | first alert | analytic minimum | detection embedded | detection Prometheus (+ Alertmanager delivery) | MTTR embedded | MTTR Prometheus |',
);
out('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const { embedded: e, prom: p, analytic: a } of rows) {
  const delivery =
    p.deliveredAt !== undefined && p.firedAt !== undefined ? ` (+${minutes(p.deliveredAt - p.firedAt)})` : '';
  const first =
    p.firstAlert === e.firstAlert || e.firstAlert === undefined
      ? (p.firstAlert ?? '—')
      : `${p.firstAlert} (embedded: ${e.firstAlert})`;
  out(
    `| ${p.kind} | ${p.sla} | ${first} | ${a ? `${minutes(a.minimumMs)} (${a.alert})` : '—'} | ${minutes(e.detectionMs)} | ${minutes(p.detectionMs)}${delivery} | ${minutes(e.mttrMs)} | ${minutes(p.mttrMs)} |`,
  );
}
out('\nPrometheus path, per fault:\n');
out(
  '| fault | runbook action (Prometheus path) | alerts resolved in Prometheus | run verified | notifications | simulations / checkpoints | determinism | promtool cross-check | wall |',
);
out('| --- | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |');
for (const { prom: p, check: c, wallMs } of rows) {
  const at = (ms: number | undefined) =>
    ms === undefined || p.injectedAt === undefined ? '—' : minutes(ms - p.injectedAt);
  out(
    `| ${p.kind} | ${runbookCell(p)}${p.runStates.length > 0 ? ` [${p.runStates.join(', ')}]` : ''} | ${at(p.resolvedAt)} | ${at(p.succeededAt)} | ${p.notifications.length} | ${p.simulations} / ${p.checkpoints} | ${p.determinism.identical ? `identical (${p.determinism.compared} scrapes)` : `DIFFERENT (${p.determinism.compared} scrapes)`} | ${c === undefined ? '—' : `${c.agreed ? 'agrees' : 'DISAGREES'}: ${c.evaluations} evaluations × ${c.alertnames} alerts, ${c.firingAsserted} firing asserted`} | ${(wallMs / 1000).toFixed(0)} s |`,
  );
}
out('\nAnalytic minimum (first expected alert):\n');
for (const { prom: p, analytic: a } of rows)
  out(`- ${p.kind}: ${a ? `${a.alert}: ${a.formula}` : 'no expected alert moves under this fault'}`);
const problems = rows.flatMap(({ prom: p, check: c }) => [
  ...p.problems.map((x) => `${p.kind}: ${x}`),
  ...(p.vanished > 0
    ? [`${p.kind}: ${p.vanished} series vanished from a scrape (no stale marker in the backfill)`]
    : []),
  ...(c !== undefined && !c.agreed ? [`${p.kind}: promtool disagrees:\n${c.output}`] : []),
]);
if (problems.length > 0) out(`\nProblems:\n${problems.map((x) => `- ${x}`).join('\n')}`);
try {
  const delivery = await measureDelivery(route);
  out(
    `\nAlertmanager 0.25 (real, committed configuration), one new alert posted → webhook delivered: ${(delivery / 1000).toFixed(2)} s wall (group_wait ${route.groupWaitMs / 1000} s)`,
  );
} catch (error) {
  out(`\nAlertmanager delivery not measured: ${(error as Error).message}`);
}
out(`\ntotal wall time ${((performance.now() - startedAll) / 60_000).toFixed(1)} min`);
