// The replay's pieces, table-driven: Prometheus' `for` semantics, the inlining of recording rules, the
// alert label set and annotation rendering. (The replay as a whole is cross-checked against promtool by
// bench/prometheus-path.bench.ts on every fault.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alertLabels,
  applyForSemantics,
  inlineRecordingRules,
  loadRuleFile,
  renderAnnotation,
  type AlertingRule,
  type RecordingRule,
} from './rule-replay.js';

const S = 15_000;
const rule = (forMs: number): AlertingRule => ({
  index: 0,
  group: 'g',
  alert: 'A',
  expr: 'x > 1',
  forMs,
  labels: { severity: 'critical' },
  annotations: {},
});

/** Evaluations 0..n-1 (× 15 s) at which the single label set is returned. */
function run(forMs: number, present: number[], n = 12) {
  const values = new Map(present.map((i) => [i * S, i]));
  const episodes = applyForSemantics(rule(forMs), new Map([['k', { labels: { alertname: 'A' }, values }]]), {
    startMs: 0,
    endMs: (n - 1) * S,
    stepMs: S,
  });
  return episodes.map((e) => ({
    active: e.activeAt / S,
    fired: e.firedAt === undefined ? undefined : e.firedAt / S,
    ended: e.endedAt === undefined ? undefined : e.endedAt / S,
  }));
}

describe('applyForSemantics', () => {
  it.each([
    [
      'for 0 fires at the first evaluation that returns it',
      0,
      [2, 3, 4],
      [{ active: 2, fired: 2, ended: 5 }],
    ],
    ['for 30s fires two evaluations later', 30_000, [2, 3, 4, 5], [{ active: 2, fired: 4, ended: 6 }]],
    [
      'a gap before `for` drops the pending alert',
      30_000,
      [2, 3, 5, 6, 7],
      [
        { active: 2, fired: undefined, ended: 4 },
        { active: 5, fired: 7, ended: 8 },
      ],
    ],
    ['still firing at the end has no end', 15_000, [9, 10, 11], [{ active: 9, fired: 10, ended: undefined }]],
    ['for longer than the data never fires', 600_000, [0, 1, 2], [{ active: 0, fired: undefined, ended: 3 }]],
    ['never returned, no episode', 0, [], []],
  ])('%s', (_name, forMs, present, expected) => {
    expect(run(forMs, present)).toEqual(expected);
  });

  it('keeps the value at firing', () => {
    const values = new Map([
      [0, 5],
      [S, 6],
      [2 * S, 7],
    ]);
    const [episode] = applyForSemantics(rule(S), new Map([['k', { labels: {}, values }]]), {
      startMs: 0,
      endMs: 2 * S,
      stepMs: S,
    });
    expect(episode?.value).toBe(6);
  });
});

describe('inlineRecordingRules', () => {
  const recording: RecordingRule[] = [
    { record: 'r:ratio:rate5m', expr: 'sum(rate(e[5m])) / sum(rate(t[5m]))', labels: { sla: 'a', slo: 'x' } },
    { record: 'r:ratio:rate5m', expr: 'sum(rate(f[5m]))', labels: { sla: 'a', slo: 'y' } },
  ];

  it('replaces a selector with its rule, putting the rule labels on with label_replace', () => {
    expect(inlineRecordingRules('r:ratio:rate5m{sla="a",slo="x"} / 0.001 > 14.4', recording)).toBe(
      'label_replace(label_replace((sum(rate(e[5m])) / sum(rate(t[5m]))), "sla", "a", "", ""), "slo", "x", "", "") / 0.001 > 14.4',
    );
  });

  it('leaves other names, longer names and string literals alone', () => {
    const expr = 'r:ratio:rate5mx > 1 and label_replace(y, "d", "r:ratio:rate5m", "", "")';
    expect(inlineRecordingRules(expr, recording)).toBe(expr);
  });

  it.each([
    ['r:ratio:rate5m{sla="a"}', 'selects 2 recording rules'],
    ['r:ratio:rate5m{sla="b",slo="x"}', 'selects 0 recording rules'],
    ['r:ratio:rate5m{sla=~"a",slo="x"}', 'only = matchers'],
    ['max_over_time(r:ratio:rate5m{sla="a",slo="x"}[1h])', 'over a range'],
  ])('refuses %s', (expr, message) => {
    expect(() => inlineRecordingRules(expr, recording)).toThrow(message);
  });
});

describe('alertLabels', () => {
  it('drops __name__, puts the rule labels over the sample labels, adds alertname, sorts', () => {
    expect(alertLabels(rule(0), { __name__: 'x', severity: 'info', feature: 'f' })).toEqual({
      alertname: 'A',
      feature: 'f',
      severity: 'critical',
    });
    expect(Object.keys(alertLabels(rule(0), { z: '1', b: '2' }))).toEqual([
      'alertname',
      'b',
      'severity',
      'z',
    ]);
  });
});

describe('renderAnnotation', () => {
  it.each([
    ['{{ $value | humanizePercentage }} of x', 0.8123, {}, '81.23% of x'],
    ['burning at {{ $value | printf "%.1f" }}×', 14.44, {}, 'burning at 14.4×'],
    [
      'feature {{ $labels.feature }} is {{ $value | humanizeDuration }} old',
      125,
      { feature: 'f1' },
      'feature f1 is 2m 5s old',
    ],
    ['no template', 1, {}, 'no template'],
  ])('%s', (template, value, labels, expected) => {
    expect(renderAnnotation(template, value, labels)).toBe(expected);
  });

  it('refuses a template the compiler does not write', () => {
    expect(() => renderAnnotation('{{ $value | humanize }}', 1, {})).toThrow('{{ $value | humanize }}');
  });
});

describe('loadRuleFile', () => {
  it('reads the committed rule files: recording rules, alerting rules with `for` in ms', () => {
    const file = loadRuleFile(path.resolve(import.meta.dirname, '../alerts/recommendations.rules.yaml'));
    const recall = file.alerting.find((r) => r.alert === 'VectorRecallBelowTarget');
    expect(recall?.forMs).toBe(5 * 60_000);
    expect(file.recording.some((r) => r.record === 'slactl:sli_error_ratio:rate5m')).toBe(true);
    // Every alert expression of the committed files can be inlined.
    for (const r of file.alerting) expect(() => inlineRecordingRules(r.expr, file.recording)).not.toThrow();
  });

  it('names the rule at fault', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rule-replay-'));
    try {
      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(
        bad,
        'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n        for: 5x\n',
      );
      expect(() => loadRuleFile(bad)).toThrow(/groups\[0\]\.rules\[0\]\.for: .*unknown duration unit "x"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
