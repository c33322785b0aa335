// `slactl runbooks check` against the repository and against broken copies of it.
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runbookIdFromUrl, runbooksCheckCommand, type RunbooksCheckOptions } from './runbooks.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir: string;

async function run(
  cwd: string,
  options: Partial<RunbooksCheckOptions> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runbooksCheckCommand(
    { out: (t) => void (out += t), err: (t) => void (err += t), cwd },
    { dir: 'runbooks', alerts: 'alerts', format: 'text', ...options },
  );
  return { code, out, err };
}

/** Rewrites a file of the temporary project; `from` must occur in it. */
function edit(file: string, from: string, to: string): void {
  const full = path.join(dir, file);
  const text = readFileSync(full, 'utf8');
  expect(text).toContain(from);
  writeFileSync(
    full,
    text.replace(from, () => to),
  );
}

/** [file, code, severity] of each diagnostic in a JSON report. */
async function codes(): Promise<Array<[string, string, string]>> {
  const { out } = await run(dir, { format: 'json' });
  const report = JSON.parse(out) as { diagnostics: Array<{ file: string; code: string; severity: string }> };
  return report.diagnostics.map((d) => [d.file, d.code, d.severity]);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slactl-runbooks-'));
  cpSync(path.join(ROOT, 'runbooks'), path.join(dir, 'runbooks'), { recursive: true });
  cpSync(path.join(ROOT, 'alerts'), path.join(dir, 'alerts'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('slactl runbooks check', () => {
  it('accepts the repository: every runbook, the tree and every runbook_url', async () => {
    const { code, out, err } = await run(ROOT);
    expect(err).toBe('');
    expect(out).toMatch(
      /^13 valid runbooks \(\d+ actions, 7 automatic\), decision tree runbooks\/decision-tree\.yaml \(\d+ nodes\): 0 errors, 0 warnings\n$/,
    );
    expect(code).toBe(0);
  });

  it('reports a missing runbook where the compiler, the alerts and the tree need it', async () => {
    unlinkSync(path.join(dir, 'runbooks', 'stream-lag.md'));
    const { code, out } = await run(dir);
    expect(code).toBe(1);
    const found = await codes();
    expect(found).toContainEqual([path.join('runbooks', 'stream-lag.md'), 'missing_runbook', 'error']);
    // One per StreamCatchUpSlow rule: recommendations has one consumer group, fraud-scoring two.
    expect(found.filter(([, c]) => c === 'unresolved_runbook_url')).toHaveLength(3);
    expect(found).toContainEqual([path.join('runbooks', 'decision-tree.yaml'), expect.any(String), 'error']);
    expect(out).toContain('alerts/fraud-scoring.rules.yaml:');
    expect(out).toMatch(
      /error\[unresolved_runbook_url\]: StreamCatchUpSlow links to "http:\/\/127\.0\.0\.1:8080\/runbooks\/stream-lag", and runbooks\/ has no runbook "stream-lag"/,
    );
  });

  it('points an unresolved runbook_url at its place in the rule file, with a suggestion', async () => {
    edit('alerts/search-rag.rules.yaml', 'runbooks/tombstone-accumulation', 'runbooks/tombstone-acumulation');
    const { code, out } = await run(dir);
    expect(code).toBe(1);
    const text = readFileSync(path.join(dir, 'alerts/search-rag.rules.yaml'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('tombstone-acumulation')) + 1;
    expect(out).toContain(
      `alerts/search-rag.rules.yaml:${line}:24: error[unresolved_runbook_url]: VectorTombstoneRatioHigh links to "http://127.0.0.1:8080/runbooks/tombstone-acumulation", and runbooks/ has no runbook "tombstone-acumulation"`,
    );
    expect(out).toContain(
      'hint: did you mean "tombstone-accumulation"? Runbook ids come from server/compile/failure-modes.ts',
    );
  });

  it('reports a trigger that is no alert', async () => {
    edit('runbooks/stream-lag.md', '  - StreamCatchUpSlow\n', '  - StreamCatchupSlow\n');
    const { code } = await run(dir);
    expect(code).toBe(1);
    expect(await codes()).toContainEqual([path.join('runbooks', 'stream-lag.md'), 'unknown_alert', 'error']);
  });

  it('reports a runbook that neither a trigger nor the tree reaches', async () => {
    const text = readFileSync(path.join(dir, 'runbooks', 'latency-burn.md'), 'utf8')
      .replace('id: latency-burn', 'id: orphan')
      .replace('triggers:\n  - SLOLatencyBurnRateHigh\n', 'triggers: []\n')
      .replace(/actions:[\s\S]*?\n---/, 'actions: []\n---');
    writeFileSync(path.join(dir, 'runbooks', 'orphan.md'), text);
    const { code, out } = await run(dir);
    expect(code).toBe(1);
    expect(out).toContain(
      'runbooks/orphan.md:2:5: error[unreachable_runbook]: no alert triggers runbook "orphan" and no node of runbooks/decision-tree.yaml leads to it',
    );
  });

  it('warns when an alert links to a runbook none of whose triggers match it', async () => {
    edit(
      'runbooks/online-store-latency.md',
      'labels: { component: feature_retrieval }',
      'labels: { component: feature_retrival }',
    );
    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain(
      'runbooks/online-store-latency.md:5:3: warning[alert_not_a_trigger]: LatencyComponentOverBudget{component=feature_retrieval} links to this runbook, but no trigger of it matches that alert, so its automatic actions never run for it',
    );
  });

  it('still checks the runbooks of a project that has not compiled its alerts', async () => {
    rmSync(path.join(dir, 'alerts'), { recursive: true });
    const { code, out } = await run(dir);
    expect(code).toBe(0);
    expect(out).toContain(
      'alerts:1:1: warning[no_alert_rules]: no *.rules.yaml in alerts: runbook_url annotations were not checked',
    );
  });

  it('reports a missing runbooks folder and decision tree', async () => {
    const { code } = await run(dir, { dir: 'nowhere' });
    expect(code).toBe(1);
    const found = await (async () => {
      const { out } = await run(dir, { dir: 'nowhere', format: 'json' });
      return (JSON.parse(out) as { diagnostics: Array<{ file: string; code: string }> }).diagnostics.map(
        (d) => [d.file, d.code],
      );
    })();
    expect(found).toContainEqual(['nowhere', 'file_not_found']);
    expect(found).toContainEqual([path.join('nowhere', 'decision-tree.yaml'), 'file_not_found']);
    expect(found.filter(([, c]) => c === 'missing_runbook')).toHaveLength(12);
  });

  it('describes every runbook in JSON', async () => {
    const { code, out } = await run(ROOT, { format: 'json' });
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      ok: boolean;
      runbooks: Array<{
        id: string;
        actions: Array<{ id: string; kind: string; auto: boolean; approval: string }>;
      }>;
      tree: { nodes: number };
      errors: number;
    };
    expect(report.ok).toBe(true);
    expect(report.errors).toBe(0);
    const vector = report.runbooks.find((r) => r.id === 'vector-index-degradation')!;
    expect(vector.actions[0]).toMatchObject({
      id: 'compact-index',
      kind: 'http',
      auto: true,
      approval: 'none',
    });
    // Every runbook shows a production action that a person approves.
    for (const r of report.runbooks)
      expect(
        r.actions.some((a) => a.approval === 'required' && !a.auto),
        r.id,
      ).toBe(true);
  });
});

describe('runbookIdFromUrl', () => {
  it.each([
    ['http://127.0.0.1:8080/runbooks/stream-lag', 'stream-lag'],
    ['https://wiki.example.com/ops/runbooks/stream-lag.md', 'stream-lag'],
    ['https://example.com/runbooks/stream-lag/', 'stream-lag'],
    ['https://example.com/', undefined],
    ['not a url', undefined],
  ])('%s → %s', (url, id) => {
    expect(runbookIdFromUrl(url)).toBe(id);
  });
});
