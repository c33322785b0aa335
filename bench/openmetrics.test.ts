// Text-format scrapes → one OpenMetrics document: the exact output for each kind of family, and promtool
// turning it into TSDB blocks whose series carry the names a scrape would have stored.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../server/evaluate/test-support/scrape.js';
import { backfill, PROMTOOL_BIN } from '../server/test-support/prometheus.js';
import { OpenMetricsCapture } from './openmetrics.js';

const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);

const scrape = (requests: number, lag: number | undefined, bucket: number) =>
  [
    '# HELP slactl_requests_total Requests served.',
    '# TYPE slactl_requests_total counter',
    `slactl_requests_total{service="a"} ${requests}`,
    '# TYPE odd_counter counter',
    'odd_counter 3',
    '# TYPE slactl_request_duration_seconds histogram',
    `slactl_request_duration_seconds_bucket{service="a",le="0.1"} ${bucket}`,
    `slactl_request_duration_seconds_bucket{service="a",le="+Inf"} ${requests}`,
    `slactl_request_duration_seconds_sum{service="a"} 1.5`,
    `slactl_request_duration_seconds_count{service="a"} ${requests}`,
    '# TYPE slactl_stream_lag_messages gauge',
    ...(lag === undefined
      ? []
      : [`slactl_stream_lag_messages{consumer_group="g \\"q\\"",service="a"} ${lag}`]),
    '# TYPE slactl_stream_catchup_seconds gauge',
    'slactl_stream_catchup_seconds{service="a"} +Inf',
    'untyped_thing 7',
    '',
  ].join('\n');

describe('OpenMetricsCapture', () => {
  it('writes each family once, counters without _total in the family name, histograms grouped per scrape', () => {
    const capture = new OpenMetricsCapture();
    capture.add({ atMs: T0, text: scrape(10, 5, 8) });
    capture.add({ atMs: T0 + 15_000, text: scrape(20, undefined, 15) });
    const result = capture.render();
    expect(result.text).toMatchInlineSnapshot(`
      "# TYPE odd_counter unknown
      odd_counter 3 1795327200
      odd_counter 3 1795327215
      # TYPE slactl_request_duration_seconds histogram
      slactl_request_duration_seconds_bucket{le="0.1",service="a"} 8 1795327200
      slactl_request_duration_seconds_bucket{le="+Inf",service="a"} 10 1795327200
      slactl_request_duration_seconds_count{service="a"} 10 1795327200
      slactl_request_duration_seconds_sum{service="a"} 1.5 1795327200
      slactl_request_duration_seconds_bucket{le="0.1",service="a"} 15 1795327215
      slactl_request_duration_seconds_bucket{le="+Inf",service="a"} 20 1795327215
      slactl_request_duration_seconds_count{service="a"} 20 1795327215
      slactl_request_duration_seconds_sum{service="a"} 1.5 1795327215
      # TYPE slactl_requests counter
      # HELP slactl_requests Requests served.
      slactl_requests_total{service="a"} 10 1795327200
      slactl_requests_total{service="a"} 20 1795327215
      # TYPE slactl_stream_catchup_seconds gauge
      slactl_stream_catchup_seconds{service="a"} +Inf 1795327200
      slactl_stream_catchup_seconds{service="a"} +Inf 1795327215
      # TYPE slactl_stream_lag_messages gauge
      slactl_stream_lag_messages{consumer_group="g \\"q\\"",service="a"} 5 1795327200
      # TYPE untyped_thing unknown
      untyped_thing 7 1795327200
      untyped_thing 7 1795327215
      # EOF
      "
    `);
    expect(result).toMatchObject({ series: 9, samples: 17 });
    // Gone from the second scrape: Prometheus would have marked it stale.
    expect(result.vanished).toEqual(['slactl_stream_lag_messages{consumer_group="g \\"q\\"",service="a"}']);
  });

  it('keeps only the families asked for', () => {
    const capture = new OpenMetricsCapture((family) => family.startsWith('slactl_request'));
    capture.add({ atMs: T0, text: scrape(10, 5, 8) });
    expect(capture.render().text.match(/^# TYPE \S+/gm)).toEqual([
      '# TYPE slactl_request_duration_seconds',
      '# TYPE slactl_requests',
    ]);
  });

  it('refuses scrapes out of time order', () => {
    const capture = new OpenMetricsCapture();
    capture.add({ atMs: T0, text: scrape(1, 1, 1) });
    expect(() => capture.add({ atMs: T0, text: scrape(1, 1, 1) })).toThrow('not later than the previous one');
  });

  it('is what promtool backfills, under the names a scrape stores', () => {
    const capture = new OpenMetricsCapture();
    for (let i = 0; i < 3; i++) capture.add({ atMs: T0 + i * 15_000, text: scrape(10 * (i + 1), i, 8 * i) });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'openmetrics-test-'));
    try {
      backfill(capture.render().text, path.join(dir, 'data'));
      // promtool's dump opens the folder as a TSDB, write-ahead log included.
      mkdirSync(path.join(dir, 'data', 'wal'));
      const dump = execFileSync(PROMTOOL_BIN, ['tsdb', 'dump', path.join(dir, 'data')], { encoding: 'utf8' });
      const names = new Set([...dump.matchAll(/__name__="([^"]+)"/g)].map((m) => m[1]));
      expect([...names].sort()).toEqual([
        'odd_counter',
        'slactl_request_duration_seconds_bucket',
        'slactl_request_duration_seconds_count',
        'slactl_request_duration_seconds_sum',
        'slactl_requests_total',
        'slactl_stream_catchup_seconds',
        'slactl_stream_lag_messages',
        'untyped_thing',
      ]);
      expect(dump).toMatch(/slactl_requests_total.*service="a".* 30 1795327230000/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Regression: the benches read labels with their own regexes, which dropped label names with digits and
// left values escaped. They now read parseExposition's name and labels.
describe('parseExposition name and labels', () => {
  it('keeps label names with digits and unescapes values', () => {
    const [sample] = parseExposition('m_1{z2="a\\\\b",a1="say \\"hi\\"\\n"} 3\n');
    expect(sample).toEqual({
      series: 'm_1{a1="say \\"hi\\"\\n",z2="a\\\\b"}',
      name: 'm_1',
      labels: { a1: 'say "hi"\n', z2: 'a\\b' },
      value: 3,
    });
    expect(Object.keys(sample!.labels)).toEqual(['a1', 'z2']);
  });
});
