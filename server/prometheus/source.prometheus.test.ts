// The Prometheus data source against the real Prometheus (Debian's 2.42): exact samples backfilled at a
// past time, so every status field is a known number at that instant. Recorded error ratios stand in
// for the compiled recording rules (Prometheus evaluates rules only at the present), the raw metrics
// are the collector's. Then Prometheus goes away (stale but available) and comes back (recovery).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type SlaPlan } from '../compile/ir.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { CUSTOM_SLI_SLA, FULL_SLA, plansFromYaml } from '../evaluate/test-support/plans.js';
import { openStore } from '../store/store.js';
import { SignalReader } from '../collector/derived.js';
import { startPrometheus, type PrometheusServer } from '../test-support/prometheus.js';
import { PrometheusClient } from './client.js';
import { querySeriesFromPrometheus } from './series.js';
import { PrometheusSource } from './source.js';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const STEP_S = 15;
const SPAN_S = 20 * 60;

/** OpenMetrics text: gauges held constant, counters growing linearly, sampled every 15 s up to T. */
function openMetrics(
  gauges: Array<[string, Record<string, string>, number]>,
  counters: Array<[string, Record<string, string>, number]>,
): string {
  const lines: string[] = [];
  const labelText = (labels: Record<string, string>) =>
    `{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
  const byName = new Map<string, string[]>();
  const add = (name: string, line: string) => byName.set(name, [...(byName.get(name) ?? []), line]);
  for (let s = T / 1000 - SPAN_S; s <= T / 1000; s += STEP_S) {
    for (const [name, labels, value] of gauges) add(name, `${name}${labelText(labels)} ${value} ${s}`);
    const elapsed = (s - (T / 1000 - SPAN_S)) / STEP_S;
    for (const [name, labels, perStep] of counters)
      add(name, `${name}${labelText(labels)} ${1000 + perStep * elapsed} ${s}`);
  }
  // OpenMetrics wants each metric's samples together; `unknown` keeps names as they are.
  for (const [name, samples] of byName) lines.push(`# TYPE ${name} unknown`, ...samples);
  lines.push('# EOF');
  return lines.join('\n');
}

const GHOST_SLA = FULL_SLA.replace('name: recs', 'name: ghost').replace(
  'service: recs-api',
  'service: ghost-api',
);

function backfillText(): string {
  const recs = { sla: 'recs', service: 'recs-api' };
  const search = { sla: 'search', service: 'search-api' };
  const svc = { service: 'recs-api' };
  const bucket = (component: string, le: string) => ({ ...svc, component, le });
  return openMetrics(
    [
      ['slactl:sli_error_ratio:rate30d', { ...recs, slo: 'availability' }, 0.0004],
      ['slactl:sli_error_ratio:rate1h', { ...recs, slo: 'availability' }, 0.0144],
      ['slactl:sli_error_ratio:rate30d', { ...recs, slo: 'latency-p99' }, 0.002],
      ['slactl:sli_error_ratio:rate1h', { ...recs, slo: 'latency-p99' }, 0.005],
      ['slactl:slo_objective:ratio', { ...recs, slo: 'availability' }, 0.999],
      ['slactl:slo_objective:ratio', { ...recs, slo: 'latency-p99' }, 0.99],
      ['slactl:sli_error_ratio:rate28d', { ...search, slo: 'availability' }, 0.001],
      ['slactl:sli_error_ratio:rate1h', { ...search, slo: 'availability' }, 0.01],
      ['slactl:slo_objective:ratio', { ...search, slo: 'availability' }, 0.995],
      ['slactl:slo_objective:ratio', { ...search, slo: 'latency-p99' }, 0.99],
      ['slactl_feature_age_seconds', { ...svc, feature: 'user_7d' }, 42],
      ['slactl_index_vectors', { ...svc, index: 'products' }, 1000],
      ['slactl_index_tombstones', { ...svc, index: 'products' }, 250],
      ['slactl_distribution_psi', { ...svc, feature: 'user_7d' }, 0.3],
      ['slactl_distribution_js_distance', { ...svc, feature: 'user_7d' }, 0.1],
      ['slactl_distribution_psi', { ...svc, feature: 'item_ctr' }, 0.05],
      ['slactl_distribution_js_distance', { ...svc, feature: 'item_ctr' }, 0.02],
      ['slactl_stream_lag_messages', { ...svc, consumer_group: 'feature-pipeline' }, 500],
      ['slactl_stream_consume_rate', { ...svc, consumer_group: 'feature-pipeline' }, 10],
      ['slactl_stream_produce_rate', { ...svc, consumer_group: 'feature-pipeline' }, 5],
      ['slactl_stream_catchup_seconds', { ...svc, consumer_group: 'feature-pipeline' }, 100],
    ],
    [
      ['slactl_component_latency_seconds_bucket', bucket('vector_search', '0.01'), 50],
      ['slactl_component_latency_seconds_bucket', bucket('vector_search', '0.025'), 90],
      ['slactl_component_latency_seconds_bucket', bucket('vector_search', '0.05'), 99],
      ['slactl_component_latency_seconds_bucket', bucket('vector_search', '+Inf'), 100],
      ['slactl_component_latency_seconds_count', { ...svc, component: 'vector_search' }, 100],
      ['slactl_component_latency_seconds_bucket', bucket('feature_retrieval', '0.005'), 0],
      ['slactl_component_latency_seconds_bucket', bucket('feature_retrieval', '0.01'), 100],
      ['slactl_component_latency_seconds_bucket', bucket('feature_retrieval', '+Inf'), 100],
      ['slactl_component_latency_seconds_count', { ...svc, component: 'feature_retrieval' }, 100],
      ['slactl_feature_lookups_total', { ...svc, feature: 'user_7d' }, 100],
      ['slactl_feature_nulls_total', { ...svc, feature: 'user_7d' }, 5],
      ['slactl_feature_lookups_total', { ...svc, feature: 'item_ctr' }, 100],
      ['slactl_feature_nulls_total', { ...svc, feature: 'item_ctr' }, 1],
      ['slactl_recall_hits_total', { ...svc, index: 'products', k: '10' }, 90],
      ['slactl_recall_expected_total', { ...svc, index: 'products', k: '10' }, 100],
      ['slactl_recall_probes_total', { ...svc, index: 'products', k: '10' }, 10],
      ['slactl_requests_total', svc, 30],
      ['slactl_request_errors_total', svc, 3],
    ],
  );
}

let prometheus: PrometheusServer | undefined;
let dir = '';
let plans: SlaPlan[] = [];

beforeAll(async () => {
  plans = [
    ...plansFromYaml(FULL_SLA),
    ...plansFromYaml(CUSTOM_SLI_SLA, 'search.yaml'),
    ...plansFromYaml(GHOST_SLA, 'ghost.yaml'),
  ];
  dir = mkdtempSync(path.join(os.tmpdir(), 'slactl-prom-source-'));
  prometheus = await startPrometheus({ backfill: backfillText(), dir });
});

afterAll(async () => {
  await prometheus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function source(url: string, registry?: Registry): PrometheusSource {
  return new PrometheusSource({
    plans,
    settings: DEFAULT_SETTINGS,
    client: new PrometheusClient({ url, timeoutMs: 5_000 }),
    log: pino({ level: 'silent' }),
    ...(registry ? { registry } : {}),
  });
}

describe('PrometheusSource against a real Prometheus', () => {
  it('answers every status field of the backfilled instant, custom PromQL SLIs included', async () => {
    const s = source(prometheus!.url);
    const result = await s.poll(T);
    expect(result.errors).toEqual([]);
    expect(result.healthy).toBe(true);
    const [recs, search, ghost] = result.statuses;

    expect(recs!.objectives).toEqual([
      expect.objectContaining({ slo: 'availability', evaluatedBy: 'slactl' }),
      expect.objectContaining({ slo: 'latency-p99', evaluatedBy: 'slactl' }),
    ]);
    expect(recs!.objectives[0]!.sli).toBeCloseTo(0.9996, 12);
    expect(recs!.objectives[0]!.errorBudgetRemaining).toBeCloseTo(0.6, 9);
    expect(recs!.objectives[0]!.burnRate).toBeCloseTo(14.4, 9);
    expect(recs!.objectives[1]!.sli).toBeCloseTo(0.998, 12);
    expect(recs!.objectives[1]!.errorBudgetRemaining).toBeCloseTo(0.8, 9);
    expect(recs!.objectives[1]!.burnRate).toBeCloseTo(0.5, 9);

    const components = Object.fromEntries(recs!.components.map((c) => [c.component, c]));
    expect(components.vector_search!.p99Ms).toBeCloseTo(50, 6);
    expect(components.vector_search!.overBudget).toBe(true);
    expect(components.feature_retrieval!.p99Ms).toBeCloseTo(9.95, 6);
    expect(components.feature_retrieval!.overBudget).toBe(false);
    expect(components.model_inference).toEqual({
      component: 'model_inference',
      budgetMs: 50,
      overBudget: false,
    });

    expect(recs!.freshness).toEqual([
      { feature: 'user_7d', maxAgeSeconds: 300, ageSeconds: 42, fallbackAfterSeconds: 900 },
    ]);
    expect(recs!.recall).toHaveLength(1);
    expect(recs!.recall[0]).toMatchObject({ index: 'products', k: 10, min: 0.95, maxTombstoneRatio: 0.2 });
    expect(recs!.recall[0]!.recall).toBeCloseTo(0.9, 9);
    expect(recs!.recall[0]!.probes).toBeCloseTo(400, 6);
    expect(recs!.recall[0]!.tombstoneRatio).toBeCloseTo(0.25, 12);
    expect(recs!.signals.nullRate!.map((n) => n.feature)).toEqual(['item_ctr', 'user_7d']);
    expect(recs!.signals.nullRate![0]!.rate).toBeCloseTo(0.01, 9);
    expect(recs!.signals.nullRate![1]!.rate).toBeCloseTo(0.05, 9);
    expect(recs!.signals.drift).toEqual([
      { feature: 'item_ctr', psi: 0.05, js: 0.02 },
      { feature: 'user_7d', psi: 0.3, js: 0.1 },
    ]);
    expect(recs!.signals.streams).toEqual([
      {
        consumerGroup: 'feature-pipeline',
        maxCatchUpSeconds: 60,
        lag: 500,
        catchUpSeconds: 100,
        stalled: false,
      },
    ]);
    expect(recs!.dimensions).toEqual({ latency: 'ok', availability: 'ok', freshness: 'ok', recall: 'ok' });
    expect(recs!.status).toBe('ok');
    expect(recs!.evaluatedAt).toBe(T);
    expect(recs!.error).toBeUndefined();

    // The custom PromQL SLI: evaluated by Prometheus, and now with values.
    expect(search!.objectives[0]).toMatchObject({ slo: 'availability', evaluatedBy: 'prometheus' });
    expect(search!.objectives[0]!.sli).toBeCloseTo(0.999, 12);
    expect(search!.objectives[0]!.errorBudgetRemaining).toBeCloseTo(0.8, 9);
    expect(search!.objectives[0]!.burnRate).toBeCloseTo(2, 9);
    expect(search!.objectives[1]).toMatchObject({ slo: 'latency-p99', evaluatedBy: 'prometheus' });
    expect(search!.objectives[1]!.sli).toBeUndefined();
    expect(search!.dimensions).toEqual({
      latency: 'no_data',
      availability: 'ok',
      freshness: 'not_configured',
      recall: 'no_data',
    });
    expect(search!.recall).toEqual([{ index: 'documents', k: 20, probes: 0, minProbes: 20, min: 0.9 }]);

    // An SLA whose rules Prometheus does not have says so instead of showing "no data" silently.
    expect(ghost!.error).toMatch(/no slactl recording rules for SLA ghost.*alerts\/ghost\.rules\.yaml/);
    expect(ghost!.status).toBe('no_data');
  });

  it('builds statuses of the same shape as the embedded evaluator', async () => {
    const store = openStore({ path: ':memory:' });
    const evaluator = new Evaluator({
      plans,
      settings: DEFAULT_SETTINGS,
      store,
      reader: new SignalReader(store),
    });
    const embedded = evaluator.evaluate(T).statuses;
    store.close();
    const fromPrometheus = (await source(prometheus!.url).poll(T)).statuses;
    const keys = (o: object) => Object.keys(o).sort();
    fromPrometheus.forEach((status, i) => {
      expect(keys(status).filter((k) => k !== 'error')).toEqual(keys(embedded[i]!));
      expect(status.components.map((c) => c.component)).toEqual(
        embedded[i]!.components.map((c) => c.component),
      );
      expect(status.freshness.map((f) => f.feature)).toEqual(embedded[i]!.freshness.map((f) => f.feature));
    });
  });

  it('answers chart queries from query_range on the same grid as the store', async () => {
    const client = new PrometheusClient({ url: prometheus!.url });
    const from = T - 10 * 60_000;
    const rate = await querySeriesFromPrometheus(
      client,
      plans,
      { signal: 'request_rate', sla: 'recs', from: String(from), to: String(T), step: '60s' },
      T,
    );
    expect(rate).toMatchObject({ signal: 'request_rate', service: 'recs-api', from, to: T, stepMs: 60_000 });
    expect(rate.series).toHaveLength(1);
    expect(rate.series[0]!.labels).toEqual({ service: 'recs-api' });
    expect(rate.series[0]!.points.map((p) => p[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => from + (i + 1) * 60_000),
    );
    for (const [, v] of rate.series[0]!.points) expect(v).toBeCloseTo(2, 9); // 30 per 15 s

    const errors = await querySeriesFromPrometheus(
      client,
      plans,
      { signal: 'error_ratio', sla: 'recs', from: String(from), to: String(T) },
      T,
    );
    for (const [, v] of errors.series[0]!.points) expect(v).toBeCloseTo(0.1, 9);

    const p99 = await querySeriesFromPrometheus(
      client,
      plans,
      { signal: 'component_quantile', sla: 'recs', from: String(from), to: String(T), step: '60s' },
      T,
    );
    expect(p99.series.map((s) => s.labels)).toEqual([
      { service: 'recs-api', component: 'feature_retrieval', quantile: '0.99' },
      { service: 'recs-api', component: 'vector_search', quantile: '0.99' },
    ]);
    expect(p99.series[1]!.points.at(-1)![1]).toBeCloseTo(0.05, 9);

    const lag = await querySeriesFromPrometheus(
      client,
      plans,
      {
        signal: 'stream_lag',
        sla: 'recs',
        from: String(from),
        to: String(T),
        consumer_group: 'feature-pipeline',
      },
      T,
    );
    expect(lag.series).toEqual([
      {
        labels: { service: 'recs-api', consumer_group: 'feature-pipeline' },
        points: lag.series[0]!.points.map(([t]) => [t, 500]),
      },
    ]);
    // Points before the backfilled span are null, as the store answers steps without data.
    const early = await querySeriesFromPrometheus(
      client,
      plans,
      { signal: 'feature_age', sla: 'recs', from: String(T - 3 * 3_600_000), to: String(T), step: '30m' },
      T,
    );
    expect(early.series[0]!.points.map(([, v]) => v)).toEqual([null, null, null, null, null, 42]);

    // The same validation as the store-backed route.
    await expect(
      querySeriesFromPrometheus(client, plans, { signal: 'nope', sla: 'recs' }, T),
    ).rejects.toMatchObject({
      status: 400,
      code: 'invalid_query',
    });
    await expect(
      querySeriesFromPrometheus(client, plans, { signal: 'recall', sla: 'missing' }, T),
    ).rejects.toMatchObject({
      status: 404,
    });
  });

  it('serves the last good answers while Prometheus is down, marked stale, and recovers by itself', async () => {
    const registry = new Registry();
    const s = source(prometheus!.url, registry);
    const good = await s.poll(T);
    expect(s.dataSource()).toMatchObject({
      kind: 'prometheus',
      url: prometheus!.url,
      healthy: true,
      lastSuccessAt: T,
    });

    const port = prometheus!.port;
    await prometheus!.stop();
    prometheus = undefined;
    const down = await s.poll(T + 15_000);
    expect(down.healthy).toBe(false);
    expect(down.errors.map((e) => e.family).sort()).toEqual(['alerts', 'gauges', 'rates', 'recorded']);
    expect(down.errors[0]!.message).toMatch(/unreachable/);
    // The same values as before, stale: each status says since when and as of when.
    expect(down.statuses.map((x) => x.objectives)).toEqual(good.statuses.map((x) => x.objectives));
    expect(down.statuses[0]!.evaluatedAt).toBe(T);
    expect(down.statuses[0]!.error).toContain(
      `Prometheus at ${s.url} failing since ${new Date(T + 15_000).toISOString()}`,
    );
    expect(down.statuses[0]!.error).toContain(`last complete answer at ${new Date(T).toISOString()}`);
    expect(s.dataSource()).toMatchObject({ healthy: false, lastSuccessAt: T, lastAttemptAt: T + 15_000 });
    expect(s.dataSource().error).toMatch(/^alerts: \/api\/v1\/alerts: .*unreachable/);
    // A second failed cycle keeps the same note (no new status event for every cycle of an outage).
    const again = await s.poll(T + 30_000);
    expect(again.statuses[0]!.error).toBe(down.statuses[0]!.error);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/slactl_prometheus_failures_total\{family="recorded"\} 2/);
    expect(metrics).toMatch(/slactl_prometheus_up 0/);

    prometheus = await startPrometheus({ port, dir });
    const back = await s.poll(T + 45_000);
    expect(back.healthy).toBe(true);
    expect(back.statuses[0]!.error).toBeUndefined();
    expect(back.statuses[0]!.evaluatedAt).toBe(T + 45_000);
    expect(s.dataSource()).toMatchObject({ healthy: true, lastSuccessAt: T + 45_000 });
    expect(await registry.metrics()).toMatch(/slactl_prometheus_up 1/);
  });
});
