// The cross-check itself: promtool agrees with episodes that are right, and says so when they are not
// (an alert firing a step early, or one missing).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../server/prometheus/client.js';
import { startPrometheus } from '../server/test-support/prometheus.js';
import { OpenMetricsCapture } from './openmetrics.js';
import { crossCheckWithPromtool } from './promtool-check.js';
import { loadRuleFile, replayAlerts, type AlertEpisode } from './rule-replay.js';

const S = 15_000;
const T0 = Date.UTC(2026, 10, 22, 6, 0, 0);
let dir = '';
let ruleFile = '';

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'promtool-check-'));
  ruleFile = path.join(dir, 'rules.yaml');
  writeFileSync(
    ruleFile,
    [
      'groups:',
      '  - name: rec',
      '    rules:',
      '      - record: job:x:max',
      '        expr: max(x)',
      '  - name: alerts',
      '    rules:',
      '      - alert: XHigh',
      '        expr: job:x:max > 5',
      '        for: 30s',
      '        labels: { severity: critical }',
      '        annotations: { summary: "x is {{ $value }}" }',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// x = 1 1 9 9 9 9 1 1 at 0, 15 s, …: pending at 30 s, firing at 60 s, resolved at 90 s.
const values = [1, 1, 9, 9, 9, 9, 1, 1];
const scrapes = values.map((v, i) => ({ atMs: T0 + i * S, text: `# TYPE x gauge\nx{service="a"} ${v}\n` }));

function episode(firedAt: number | undefined, endedAt: number): AlertEpisode {
  const rule = loadRuleFile(ruleFile).alerting[0]!;
  return {
    rule,
    alertname: 'XHigh',
    labels: { alertname: 'XHigh', severity: 'critical' },
    activeAt: T0 + 2 * S,
    ...(firedAt !== undefined ? { firedAt } : {}),
    endedAt,
    value: 9,
  };
}

describe('crossCheckWithPromtool', () => {
  it('agrees with the right firing times, asserting at every evaluation', async () => {
    const check = await crossCheckWithPromtool(ruleFile, scrapes, [episode(T0 + 4 * S, T0 + 6 * S)], {
      fromMs: T0,
      stepMs: S,
    });
    expect(check).toMatchObject({ evaluations: 8, alertnames: 1, firingAsserted: 2, agreed: true });
  });

  it.each([
    ['fires a step early', () => [episode(T0 + 3 * S, T0 + 6 * S)]],
    ['resolves a step late', () => [episode(T0 + 4 * S, T0 + 7 * S)]],
    ['misses the alert', () => []],
  ])('disagrees with a replay that %s', async (_name, episodes) => {
    const check = await crossCheckWithPromtool(ruleFile, scrapes, episodes(), { fromMs: T0, stepMs: S });
    expect(check.agreed).toBe(false);
    expect(check.output).toContain('XHigh');
  });
});

describe('replayAlerts on a real Prometheus', () => {
  it('replays the rule (recording rule inlined) into the episode promtool agrees with', async () => {
    const capture = new OpenMetricsCapture();
    for (const scrape of scrapes) capture.add(scrape);
    const prometheus = await startPrometheus({ backfill: capture.render().text });
    try {
      const client = new PrometheusClient({ url: prometheus.url });
      const episodes = await replayAlerts(client, loadRuleFile(ruleFile), {
        startMs: T0,
        endMs: T0 + 7 * S,
        stepMs: S,
      });
      expect(
        episodes.map((e) => ({
          labels: e.labels,
          active: (e.activeAt - T0) / S,
          fired: (e.firedAt! - T0) / S,
          ended: (e.endedAt! - T0) / S,
          value: e.value,
        })),
      ).toEqual([
        { labels: { alertname: 'XHigh', severity: 'critical' }, active: 2, fired: 4, ended: 6, value: 9 },
      ]);
      const check = await crossCheckWithPromtool(ruleFile, scrapes, episodes, { fromMs: T0, stepMs: S });
      expect(check.agreed).toBe(true);
    } finally {
      await prometheus.stop();
    }
  });
});
