// The names line up: signals ingested through the real server over twenty simulated minutes, /metrics
// scraped each minute, and promtool evaluates the committed alerts/*.rules.yaml over those scrapes.
// The alerts the scenario should fire do fire, with their exact labels and annotations; and a scrape
// with one metric or label renamed makes promtool fail, so a drift between docs/metrics.md, the
// exposition and the compiled rules cannot go unnoticed.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inputSeries, parseExposition, type ScrapedSample } from '../evaluate/test-support/scrape.js';
import { REPO, repoPlans, startTestServer, type TestServer } from '../test-support/server.js';

const execFileAsync = promisify(execFile);
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const MINUTE = 60_000;
const MINUTES = 20;
const S = 'recs-api';

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * One minute of recs-api, ending at `now`: 100 requests (20 of them at 200 ms, over the 100 ms P99
 * threshold), vector_search at 30 ms (over its 25 ms budget), recall@10 probes at 0.9 (under 0.95),
 * a consumer group with lag that consumes nothing, and user_7d_purchase_count fresh until minute 10,
 * after which its pipeline stalls and the newest event time stays put.
 */
function minuteOfSignals(minute: number, now: number, t0: number): object[] {
  const ts = now - 30_000;
  const signals: object[] = [];
  for (let i = 0; i < 100; i++) {
    signals.push({ type: 'request', service: S, ok: true, seconds: i < 80 ? 0.05 : 0.2, ts });
    signals.push({ type: 'component_latency', service: S, component: 'vector_search', seconds: 0.03, ts });
  }
  const exact = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  for (let i = 0; i < 5; i++) {
    signals.push({
      type: 'recall_probe',
      service: S,
      index: 'products',
      k: 10,
      exact,
      retrieved: [1, 2, 3, 4, 5, 6, 7, 8, 9, 99],
      ts,
    });
  }
  signals.push(
    {
      type: 'stream',
      service: S,
      consumerGroup: 'feature-pipeline',
      lag: 5000,
      consumeRate: 0,
      produceRate: 100,
      ts,
    },
    {
      type: 'feature_value',
      service: S,
      feature: 'user_7d_purchase_count',
      eventTime: minute <= 10 ? now - 30_000 : t0 + 10 * MINUTE - 30_000,
      ts,
    },
  );
  return signals;
}

const RECS = { sla: 'recommendations', service: S, team: 'ranking' };

function latencyBurn(tier: 'page-fast' | 'page-slow'): object {
  const [short, long, factor, spent] =
    tier === 'page-fast' ? ['5m', '1h', '14.4', '2%'] : ['30m', '6h', '6', '5%'];
  return {
    exp_labels: { ...RECS, severity: 'critical', slo: 'latency-p99', burn_tier: tier },
    exp_annotations: {
      summary: `recommendations: latency-p99 error budget burning at over ${factor}× (${tier})`,
      description:
        `Over the last ${short} the error budget of "99% of requests complete within 100ms" (SLA recommendations, ` +
        `service recs-api, 30d window) burned at 20.0× the sustainable rate; over the last ${long} it burned above ` +
        `${factor}× as well. Sustained at ${factor}× for ${long}, ${spent} of the 30d error budget is spent.`,
      runbook_url: 'http://127.0.0.1:8080/runbooks/latency-burn',
      decision_node: 'latency',
    },
  };
}

/** What Prometheus must fire over the scrapes, at 20m; every alertname is also checked empty at 1m. */
const FIRING_AT_20M: Record<string, object[]> = {
  SLOAvailabilityBurnRateHigh: [],
  SLOLatencyBurnRateHigh: [latencyBurn('page-fast'), latencyBurn('page-slow')],
  LatencyComponentOverBudget: [
    {
      exp_labels: { ...RECS, severity: 'warning', component: 'vector_search' },
      exp_annotations: {
        summary: 'vector_search P99 latency of recs-api is over its 25ms budget',
        description:
          'The P99 latency of vector_search in recs-api is 34.9ms over the last 5m, over its budget of 25ms (25% of the 100ms P99 target).',
        runbook_url: 'http://127.0.0.1:8080/runbooks/vector-index-degradation',
        decision_node: 'latency.vector_search',
      },
    },
  ],
  VectorRecallBelowTarget: [
    {
      exp_labels: { ...RECS, severity: 'critical', index: 'products' },
      exp_annotations: {
        summary: 'Recall@10 of index products is below 95%',
        description:
          'Recall@10 of vector index products is 90% over the last 10m (at least 20 probes), below the 95% floor.',
        runbook_url: 'http://127.0.0.1:8080/runbooks/vector-index-degradation',
        decision_node: 'quality.recall',
      },
    },
  ],
  StreamStalled: [
    {
      exp_labels: { ...RECS, severity: 'critical', consumer_group: 'feature-pipeline' },
      exp_annotations: {
        summary: 'Consumer group feature-pipeline is stalled',
        description: 'Consumer group feature-pipeline has 5000 messages of lag and consumes nothing.',
        runbook_url: 'http://127.0.0.1:8080/runbooks/pipeline-failure',
        decision_node: 'quality.freshness.pipeline',
      },
    },
  ],
  StreamCatchUpSlow: [
    {
      exp_labels: { ...RECS, severity: 'warning', consumer_group: 'feature-pipeline' },
      exp_annotations: {
        summary: 'Consumer group feature-pipeline needs +Inf to catch up',
        description:
          'At its current net consume rate consumer group feature-pipeline needs +Inf to drain its lag, longer than 1m: features it computes grow stale.',
        runbook_url: 'http://127.0.0.1:8080/runbooks/stream-lag',
        decision_node: 'quality.freshness.stream_lag',
      },
    },
  ],
  // Stalled at minute 10: 10m 30s old at 20m, past the 5m target, short of the 15m fallback limit.
  FeatureStale: [
    {
      exp_labels: { ...RECS, severity: 'warning', feature: 'user_7d_purchase_count' },
      exp_annotations: {
        summary: 'Feature user_7d_purchase_count of recs-api is stale',
        description:
          'The newest value of feature user_7d_purchase_count is 10m 30s old, older than its 5m freshness target.',
        runbook_url: 'http://127.0.0.1:8080/runbooks/stale-features',
        decision_node: 'quality.freshness',
      },
    },
  ],
  FeatureFallbackRequired: [],
};

const RULE_FILES = readdirSync(path.join(REPO, 'alerts'))
  .filter((f) => f.endsWith('.rules.yaml'))
  .sort()
  .map((f) => path.join(REPO, 'alerts', f));

/** Group names in file order, so recording rules are evaluated before the alerts that read them. */
function groupOrder(): string[] {
  return RULE_FILES.flatMap((file) =>
    (parse(readFileSync(file, 'utf8')) as { groups: Array<{ name: string }> }).groups.map((g) => g.name),
  );
}

function promtoolTest(scrapes: ScrapedSample[][]): object {
  const alertTests = Object.entries(FIRING_AT_20M).flatMap(([alertname, exp_alerts]) => [
    { eval_time: '1m', alertname, exp_alerts: [] },
    { eval_time: `${MINUTES}m`, alertname, exp_alerts },
  ]);
  // Still fresh at 10m; the stall started then.
  alertTests.push({ eval_time: '10m', alertname: 'FeatureStale', exp_alerts: [] });
  return {
    rule_files: RULE_FILES,
    evaluation_interval: '1m',
    group_eval_order: groupOrder(),
    tests: [
      {
        name: 'scrapes of slactl /metrics',
        interval: '1m',
        input_series: inputSeries(scrapes),
        alert_rule_test: alertTests,
      },
    ],
  };
}

async function promtool(test: object): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'slactl-exposition-promtool-'));
  try {
    // JSON is YAML.
    writeFileSync(path.join(dir, 'test.yaml'), JSON.stringify(test, null, 1));
    try {
      const { stdout, stderr } = await execFileAsync(PROMTOOL, ['test', 'rules', 'test.yaml'], {
        cwd: dir,
        maxBuffer: 64 << 20,
        timeout: 60_000,
      });
      return { ok: true, output: `${stdout}${stderr}` };
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') {
        throw new Error(
          `${PROMTOOL} is not installed: install promtool ≥ 2.42 (Debian: apt-get install prometheus) or set PROMTOOL`,
        );
      }
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The scrapes with one series name or label name replaced, as a renamed metric would produce. */
function renamed(scrapes: ScrapedSample[][], from: RegExp, to: string): ScrapedSample[][] {
  return scrapes.map((scrape) => scrape.map((s) => ({ ...s, series: s.series.replace(from, to) })));
}

let t: TestServer;
/** Scrape i of GET /metrics, taken at minute i of the scenario. */
const scrapes: ScrapedSample[][] = [];

beforeAll(async () => {
  t = await startTestServer();
  const t0 = t.clock.now();
  for (let minute = 0; minute <= MINUTES; minute++) {
    t.clock.set(t0 + minute * MINUTE);
    if (minute > 0) {
      const res = await t.api(
        '/api/v1/signals',
        json({ signals: minuteOfSignals(minute, t.clock.now(), t0) }),
      );
      expect(res.status, await res.clone().text()).toBe(202);
    }
    const res = await t.api('/metrics');
    expect(res.status).toBe(200);
    scrapes.push(parseExposition(await res.text()));
  }
});
afterAll(async () => {
  await t?.stop();
});

describe('/metrics evaluated by promtool with the compiled rules', () => {
  it('fires the scenario’s alerts with their exact labels and annotations', async () => {
    const result = await promtool(promtoolTest(scrapes));
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });

  it.each([
    [
      'a metric renamed',
      /^slactl_recall_hits_total\{/,
      'slactl_recall_hit_total{',
      'VectorRecallBelowTarget',
    ],
    ['a label renamed', /\bconsumer_group="/, 'group="', 'StreamStalled'],
    ['a histogram bucket bound moved', /le="0\.1"/, 'le="0.11"', 'SLOLatencyBurnRateHigh'],
  ])('fails when the exposition has %s', async (_what, from, to, alertname) => {
    const result = await promtool(promtoolTest(renamed(scrapes, from, to)));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('FAILED');
    expect(result.output).toContain(`alertname: ${alertname}`);
  });

  it('serves a bucket at every latency threshold and component budget of the loaded SLAs', async () => {
    const server = await startTestServer();
    try {
      const plans = await repoPlans();
      const signals: object[] = [];
      const expected: string[] = [];
      for (const plan of plans) {
        signals.push({ type: 'request', service: plan.service, ok: true, seconds: 0.001 });
        for (const objective of plan.objectives) {
          // custom-histogram objectives read the team's own histogram, not slactl's.
          if (objective.sli.kind === 'latency')
            expected.push(
              `slactl_request_duration_seconds_bucket{le="${objective.sli.thresholdSeconds}",service="${plan.service}"}`,
            );
        }
        for (const alert of plan.thresholds) {
          if (alert.signal.kind !== 'component-quantile') continue;
          const { component } = alert.signal;
          signals.push({ type: 'component_latency', service: plan.service, component, seconds: 0.001 });
          expected.push(
            `slactl_component_latency_seconds_bucket{component="${component}",le="${alert.threshold}",service="${plan.service}"}`,
          );
        }
      }
      expect((await server.api('/api/v1/signals', json({ signals }))).status).toBe(202);
      const served = new Set(
        parseExposition(await (await server.api('/metrics')).text()).map((s) => s.series),
      );
      // The seed's example: the 100 ms P99 of recommendations is the bucket le="0.1".
      expect(expected).toContain('slactl_request_duration_seconds_bucket{le="0.1",service="recs-api"}');
      expect(expected.filter((series) => !served.has(series))).toEqual([]);
      expect(expected.length).toBeGreaterThan(15);
    } finally {
      await server.stop();
    }
  });
});
