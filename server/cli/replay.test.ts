// `slactl replay` in-process against a temporary project: a recorded incident gives the alert timeline;
// bad recordings give positioned errors and exit 1.
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from './io.js';
import { replayCommand, type ReplayOptions } from './replay.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const INCIDENT = path.join(ROOT, 'server/evaluate/testdata/index-degradation.ndjson');
let dir: string;

async function replay(options: Partial<ReplayOptions>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await replayCommand(
    { out: (t) => void (out += t), err: (t) => void (err += t), cwd: dir },
    { signals: 'incident.ndjson', paths: [], format: 'text', ...options },
  );
  return { code, out, err };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slactl-replay-'));
  cpSync(path.join(ROOT, 'slas'), path.join(dir, 'slas'), { recursive: true });
  copyFileSync(INCIDENT, path.join(dir, 'incident.ndjson'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('slactl replay', () => {
  it('prints the alert timeline of a recorded index degradation', async () => {
    const { code, out, err } = await replay({ sla: 'recommendations' });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatchInlineSnapshot(`
      "replayed 200 signals from incident.ndjson, 2026-11-22T07:00:00Z to 2026-11-22T10:13:45Z every 15s, against recommendations

      2026-11-22T07:20:30Z  PENDING   VectorTombstoneRatioHigh  sla=recommendations index=products value=0.21
      2026-11-22T07:22:30Z  PENDING   VectorRecallBelowTarget   sla=recommendations index=products value=0.9467
      2026-11-22T07:27:30Z  FIRING    VectorRecallBelowTarget   sla=recommendations index=products value=0.8467
      2026-11-22T07:35:30Z  FIRING    VectorTombstoneRatioHigh  sla=recommendations index=products value=0.36
      2026-11-22T07:40:30Z  RESOLVED  VectorTombstoneRatioHigh  sla=recommendations index=products value=0.4
      2026-11-22T07:47:15Z  RESOLVED  VectorRecallBelowTarget   sla=recommendations index=products value=0.9467

      2 alerts fired; 0 still firing at the end
      "
    `);
  });

  it('emits the timeline as JSON', async () => {
    const { code, out } = await replay({ sla: 'recommendations', format: 'json', step: '1m' });
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      signals: number;
      slas: string[];
      stepMs: number;
      transitions: Array<{ time: string; alertname: string; to: string; labels: Record<string, string> }>;
      active: unknown[];
    };
    expect(report.signals).toBe(200);
    expect(report.slas).toEqual(['recommendations']);
    expect(report.stepMs).toBe(60_000);
    expect(
      report.transitions.filter((t) => t.to === 'firing').map((t) => [t.alertname, t.labels.index]),
    ).toEqual([
      ['VectorRecallBelowTarget', 'products'],
      ['VectorTombstoneRatioHigh', 'products'],
    ]);
    expect(report.active).toEqual([]);
  });

  it('evaluates every loaded SLA without --sla', async () => {
    const { code, out } = await replay({});
    expect(code).toBe(0);
    expect(out).toContain('against fraud-scoring, recommendations, search-rag');
  });

  it('reports every bad line with its position and replays nothing', async () => {
    writeFileSync(
      path.join(dir, 'incident.ndjson'),
      [
        '{"ts":"2026-11-22T07:00:00Z","type":"request","service":"recs-api","ok":true,"seconds":0.01}',
        '',
        '{"ts":"2026-11-22T07:00:01Z","type":"request",',
        '{"type":"request","service":"recs-api","ok":true,"seconds":0.01}',
        '{"ts":"2026-11-22T07:00:02Z","type":"request","service":"recs-api","ok":"yes","seconds":0.01}',
        '{"ts":"2026-11-22T07:00:03Z","type":"requests","service":"recs-api"}',
      ].join('\n'),
    );
    const { code, out, err } = await replay({});
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatchInlineSnapshot(`
      "incident.ndjson:3:47: error[invalid_json]: invalid JSON: Expected double-quoted property name
      incident.ndjson:4:1: error[missing_ts]: the signal has no "ts": a replay needs the time of every signal
        at ts
        hint: add "ts" as milliseconds since the epoch or an RFC 3339 time such as "2026-11-22T07:00:00Z"
      incident.ndjson:5:1: error[invalid_signal]: ok: expected true or false, got "yes"
        at ok
      incident.ndjson:6:1: error[invalid_signal]: type: expected one of "request", "component_latency", "feature_value", "null_rate", "distribution", "stream", "recall_probe", "index_stats", got "requests"
        at type
      nothing replayed: incident.ndjson has invalid signals
      "
    `);
  });

  it('stops with the line of a signal the collector rejects', async () => {
    writeFileSync(
      path.join(dir, 'incident.ndjson'),
      [
        '{"ts":"2026-11-22T07:00:00Z","type":"distribution","service":"recs-api","feature":"price","values":[1,2,3],"reference":true}',
        '{"ts":"2026-11-22T07:00:05Z","type":"request","service":"recs-api","ok":true,"seconds":0.01}',
        '{"ts":"2026-11-22T07:00:10Z","type":"distribution","service":"recs-api","feature":"price","counts":{"a":1}}',
      ].join('\n'),
    );
    const { code, out, err } = await replay({ sla: 'recommendations' });
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatchInlineSnapshot(`
      "incident.ndjson:3:1: error[invalid_signal]: counts: feature "price" has a numeric reference; send values (numbers)
        at counts
      replay stopped: the collector rejected signals of incident.ndjson
      "
    `);
  });

  it('names an unknown SLA and suggests the closest', async () => {
    const { code, err } = await replay({ sla: 'recomendations' });
    expect(code).toBe(1);
    expect(err).toContain('no valid SLA named "recomendations" (did you mean "recommendations"?)');
  });

  it('says when the recording is missing or empty', async () => {
    expect((await replay({ signals: 'nope.ndjson' })).err).toBe(
      'slactl replay: cannot read nope.ndjson: no such file\n',
    );
    writeFileSync(path.join(dir, 'empty.ndjson'), '\n\n');
    const empty = await replay({ signals: 'empty.ndjson' });
    expect(empty.code).toBe(1);
    expect(empty.err).toBe('slactl replay: empty.ndjson holds no signals\n');
  });

  it('rejects a step that is not a positive duration as a usage error', async () => {
    await expect(replay({ step: 'soon' })).rejects.toThrow(UsageError);
    await expect(replay({ step: '0s' })).rejects.toThrow('--step must be longer than 0');
  });
});
