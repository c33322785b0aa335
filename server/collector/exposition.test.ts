// The exposition is read by real tools: promtool lints it, and the compiled rules of the example SLA
// are evaluated by promtool over a series of scrapes, proving the metric names and labels line up.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeLabelValue, renderSignalMetrics } from './exposition.js';
import { harness, T0, type Harness } from './test-support/fixtures.js';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const S = 'recs-api';
const MINUTE = 60_000;

function promtool(args: string[], input?: string, cwd?: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL, args, { input, cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `${PROMTOOL} is not installed: install promtool (Debian: apt-get install prometheus) or set PROMTOOL`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

let h: Harness;
afterEach(() => h?.store.close());

/** One minute of the recommendations service: 100 requests, a quarter failing, 20 slower than 100 ms. */
function minuteOfTraffic(now: number): object[] {
  const signals: object[] = [];
  for (let i = 0; i < 100; i++) {
    signals.push({ type: 'request', service: S, ok: i % 4 !== 0, seconds: i < 80 ? 0.04 : 0.2 });
    signals.push({
      type: 'component_latency',
      service: S,
      component: 'vector_search',
      seconds: i < 98 ? 0.01 : 0.03,
    });
  }
  signals.push(
    { type: 'feature_value', service: S, feature: 'user_7d_purchase_count', eventTime: now - 30_000 },
    { type: 'null_rate', service: S, feature: 'item_ctr_1h', nulls: 5, total: 100 },
    {
      type: 'stream',
      service: S,
      consumerGroup: 'feature-pipeline',
      lag: 1200,
      consumeRate: 30,
      produceRate: 10,
    },
    {
      type: 'recall_probe',
      service: S,
      index: 'products',
      k: 4,
      retrieved: [1, 2, 3, 9],
      exact: [1, 2, 3, 4],
    },
    {
      type: 'index_stats',
      service: S,
      index: 'products',
      vectors: 1000,
      tombstones: 100,
      dimensions: 64,
      m: 8,
    },
  );
  return signals;
}

function scenario(): Harness {
  const harnessed = harness();
  const values = Array.from({ length: 2000 }, (_, i) => i % 100);
  harnessed.collector.ingestSignals([
    { type: 'distribution', service: S, feature: 'price', values, reference: true },
    {
      type: 'distribution',
      service: S,
      feature: 'segment "a" \\ b',
      counts: { 'x"y': 5, 'back\\slash': 5 },
      reference: true,
    },
  ]);
  harnessed.collector.ingestSignals([
    ...minuteOfTraffic(T0),
    { type: 'distribution', service: S, feature: 'price', values: values.map((v) => v + 20) },
    { type: 'distribution', service: S, feature: 'segment "a" \\ b', counts: { 'x"y': 150, other: 50 } },
    { type: 'stream', service: 'quiet "svc"', consumerGroup: 'idle', lag: 0, consumeRate: 0, produceRate: 0 },
  ]);
  return harnessed;
}

describe('renderSignalMetrics', () => {
  it('passes promtool check metrics', () => {
    h = scenario();
    const text = renderSignalMetrics(h.store, h.reader, T0);
    const result = promtool(['check', 'metrics'], text);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('has a bucket at the 100ms p99 threshold and at every component budget', () => {
    h = scenario();
    const text = renderSignalMetrics(h.store, h.reader, T0);
    expect(text).toContain('slactl_request_duration_seconds_bucket{service="recs-api",le="0.1"} 80');
    expect(text).toContain('slactl_request_duration_seconds_bucket{service="recs-api",le="0.25"} 100');
    expect(text).toContain(
      'slactl_component_latency_seconds_bucket{component="vector_search",service="recs-api",le="0.025"} 98',
    );
    expect(text).toContain(
      'slactl_component_latency_seconds_bucket{component="vector_search",service="recs-api",le="0.035"} 100',
    );
  });

  it('groups a histogram: buckets by le with +Inf last, then _sum and _count', () => {
    h = scenario();
    const lines = renderSignalMetrics(h.store, h.reader, T0)
      .split('\n')
      .filter((l) => l.startsWith('slactl_request_duration_seconds'));
    const les = lines.filter((l) => l.includes('_bucket')).map((l) => /le="([^"]+)"/.exec(l)![1]!);
    expect(les.at(-1)).toBe('+Inf');
    expect(les.slice(0, -1).map(Number)).toEqual([...les.slice(0, -1).map(Number)].sort((a, b) => a - b));
    expect(lines.slice(-2)).toEqual([
      'slactl_request_duration_seconds_sum{service="recs-api"} 7.2',
      'slactl_request_duration_seconds_count{service="recs-api"} 100',
    ]);
  });

  it('writes HELP and TYPE once per family, counters as totals, and the derived gauges', () => {
    h = scenario();
    h.clock.advance(MINUTE);
    h.collector.ingestSignals(minuteOfTraffic(h.clock.now() - 2 * MINUTE));
    const text = renderSignalMetrics(h.store, h.reader, h.clock.now());
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    expect(text).toContain('# TYPE slactl_request_duration_seconds histogram');
    expect(text).toContain('slactl_requests_total{service="recs-api"} 200');
    expect(text).toContain('slactl_request_errors_total{service="recs-api"} 50');
    expect(text).toContain('slactl_recall_hits_total{index="products",k="4",service="recs-api"} 6');
    // The newest event time is still the first minute's: 30 s old then, 90 s now.
    expect(text).toContain(
      'slactl_feature_age_seconds{feature="user_7d_purchase_count",service="recs-api"} 90',
    );
    expect(text).toContain(
      'slactl_stream_catchup_seconds{consumer_group="feature-pipeline",service="recs-api"} 60',
    );
    expect(text).toContain(
      'slactl_stream_catchup_seconds{consumer_group="idle",service="quiet \\"svc\\""} 0',
    );
    expect(text).toContain('slactl_index_memory_bytes{index="products",service="recs-api"} 320000');
    expect(text).toMatch(/^slactl_distribution_psi\{feature="price",service="recs-api"\} \d+\.\d+$/m);
    expect(text).toMatch(/^slactl_distribution_js_distance\{feature="price",service="recs-api"\} 0\.\d+$/m);
    expect(text).toMatch(
      /^slactl_distribution_psi\{feature="segment \\"a\\" \\\\ b",service="recs-api"\} \d/m,
    );
  });

  it('writes +Inf catch-up when the lag is not draining', () => {
    h = harness();
    h.collector.ingestSignals([
      { type: 'stream', service: S, consumerGroup: 'g', lag: 5, consumeRate: 1, produceRate: 2 },
    ]);
    expect(renderSignalMetrics(h.store, h.reader, T0)).toContain(
      'slactl_stream_catchup_seconds{consumer_group="g",service="recs-api"} +Inf',
    );
  });

  it('is deterministic and empty without data', () => {
    h = scenario();
    expect(renderSignalMetrics(h.store, h.reader, T0)).toBe(renderSignalMetrics(h.store, h.reader, T0));
    const empty = harness();
    expect(renderSignalMetrics(empty.store, empty.reader, T0)).toBe('');
    empty.store.close();
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
});

describe('the compiled rules over scrapes of the exposition', () => {
  it('promtool evaluates the example SLA rules on the exported series', () => {
    h = harness();
    const scrapes: string[] = [];
    for (let minute = 0; minute <= 20; minute++) {
      h.clock.set(T0 + minute * MINUTE);
      if (minute > 0) h.collector.ingestSignals(minuteOfTraffic(h.clock.now()));
      scrapes.push(renderSignalMetrics(h.store, h.reader, h.clock.now()));
    }
    // Input series for promtool: each scraped series with its value per minute ("_" before it existed).
    const series = new Map<string, string[]>();
    scrapes.forEach((text, minute) => {
      for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const cut = line.lastIndexOf(' ');
        const name = line.slice(0, cut);
        let values = series.get(name);
        if (values === undefined) {
          values = Array.from({ length: scrapes.length }, () => '_');
          series.set(name, values);
        }
        values[minute] = line.slice(cut + 1);
      }
    });
    const rules = fileURLToPath(new URL('../../alerts/recommendations.rules.yaml', import.meta.url));
    const expect3 = (expr: string, value: number, labels: string) => ({
      expr: `round(${expr}, 0.001)`,
      eval_time: '15m',
      exp_samples: [{ labels, value }],
    });
    const test = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [...series].map(([name, values]) => ({ series: name, values: values.join(' ') })),
          promql_expr_test: [
            expect3(
              'slactl:sli_error_ratio:rate5m{slo="availability"}',
              0.25,
              '{sla="recommendations",service="recs-api",slo="availability"}',
            ),
            expect3(
              'slactl:sli_error_ratio:rate5m{slo="latency-p99"}',
              0.2,
              '{sla="recommendations",service="recs-api",slo="latency-p99"}',
            ),
            expect3(
              'slactl:sli_error_ratio:rate5m{slo="latency-p999"}',
              0,
              '{sla="recommendations",service="recs-api",slo="latency-p999"}',
            ),
            expect3(
              'histogram_quantile(0.99, sum by (le) (rate(slactl_component_latency_seconds_bucket{service="recs-api",component="vector_search"}[5m])))',
              0.03,
              '{}',
            ),
            expect3(
              'slactl_feature_age_seconds{feature="user_7d_purchase_count"}',
              30,
              '{feature="user_7d_purchase_count",service="recs-api"}',
            ),
            expect3(
              'slactl_stream_catchup_seconds',
              60,
              '{consumer_group="feature-pipeline",service="recs-api"}',
            ),
            expect3(
              'sum(rate(slactl_recall_hits_total{service="recs-api",index="products",k="4"}[10m])) / sum(rate(slactl_recall_expected_total{service="recs-api",index="products",k="4"}[10m]))',
              0.75,
              '{}',
            ),
          ],
        },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'slactl-exposition-'));
    try {
      // JSON is YAML.
      writeFileSync(join(dir, 'test.yaml'), JSON.stringify(test, null, 1));
      const result = promtool(['test', 'rules', 'test.yaml'], undefined, dir);
      expect(result.output).toContain('SUCCESS');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
