// The CLI in-process against temporary projects: exit codes and what a person reads.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from './main.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let dir: string;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: dir });
  return { code, out, err };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slactl-cli-'));
  cpSync(path.join(ROOT, 'slas'), path.join(dir, 'slas'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('slactl validate', () => {
  it('accepts the example SLAs and reports budget headroom', async () => {
    const { code, out } = await run('validate');
    expect(code).toBe(0);
    expect(out).toContain('ok recommendations (slas/recommendations.yaml): ');
    expect(out).toContain('latency budget 95ms of the 100ms p99 (5ms headroom)');
    expect(out.trim().split('\n').at(-1)).toBe('3 files, 3 valid SLAs: 0 errors, 0 warnings');
  });

  it('prints positioned errors and exits 1', async () => {
    writeFileSync(
      path.join(dir, 'slas', 'bad.yaml'),
      'apiVersion: slactl/v1\nkind: SLA\nmetadata: { name: bad, service: s, tier: streaming }\nspec:\n  availability:\n    objektive: 99%\n',
    );
    const { code, out } = await run('validate', 'slas/bad.yaml');
    expect(code).toBe(1);
    expect(out).toMatchInlineSnapshot(`
      "slas/bad.yaml:5:3: error[missing_field]: missing required field "objective"
        at spec.availability
      slas/bad.yaml:6:5: error[unknown_key]: unknown key "objektive"
        at spec.availability.objektive
        hint: did you mean "objective"?
      1 file, 0 valid SLAs: 2 errors, 0 warnings
      "
    `);
  });

  it('emits JSON for machines', async () => {
    const { code, out } = await run('validate', '--format', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { ok: boolean; slas: Array<{ name: string }>; diagnostics: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.slas.map((s) => s.name)).toEqual(['fraud-scoring', 'recommendations', 'search-rag']);
  });

  it('reports a missing path as a diagnostic', async () => {
    const { code, out } = await run('validate', 'nope/');
    expect(code).toBe(1);
    expect(out).toContain('nope:1:1: error[file_not_found]: no such file or directory');
  });
});

describe('slactl budget', () => {
  it('prints the aligned budget table', async () => {
    const { code, out } = await run('budget', 'recommendations');
    expect(code).toBe(0);
    expect(out).toMatchInlineSnapshot(`
      "Latency budget of recommendations: P99 target 100ms

      component          budget  share of p99  cumulative  headroom
      -----------------  ------  ------------  ----------  --------
      network              10ms           10%        10ms      90ms
      feature_retrieval    15ms           15%        25ms      75ms
      vector_search        25ms           25%        50ms      50ms
      feature_assembly      5ms            5%        55ms      45ms
      model_inference      35ms           35%        90ms      10ms
      post_processing       5ms            5%        95ms       5ms
      total                95ms           95%        95ms       5ms

      5ms headroom at P99
      "
    `);
  });

  it('suggests a name on a typo', async () => {
    const { code, err } = await run('budget', 'recomendations');
    expect(code).toBe(1);
    expect(err).toContain('did you mean "recommendations"?');
  });
});

describe('usage errors', () => {
  it('exits 2 with a message for unknown commands and flags', async () => {
    expect((await run('frobnicate')).code).toBe(2);
    const bad = await run('validate', '--formt', 'json');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("Unknown option '--formt'");
    expect((await run('diff')).err).toContain('diff needs --base <git-ref>');
    expect((await run('audit')).err).toContain('audit needs an action: verify');
    const triage = await run('triage', 'recommendations');
    expect(triage.code).toBe(2);
    expect(triage.err).toContain('triage takes no arguments, got "recommendations" (use --sla <name>)');
    const jobs = await run('compile', '--jobs', 'two');
    expect(jobs.code).toBe(2);
    expect(jobs.err).toContain('--jobs must be a whole number of threads, 1 or more, got "two"');
  });
});

describe('slactl diff', () => {
  it('shows objective, budget and alert changes against a git ref as Markdown', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'base');
    const file = path.join(dir, 'slas', 'recommendations.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('objective: 99.9%', 'objective: 99.95%')
        .replace('model_inference: 35ms', 'model_inference: 30ms'),
    );
    const { code, out } = await run('diff', '--base', 'HEAD');
    expect(code).toBe(0);
    expect(out).toContain('| availability | 99.9% of requests succeed | 99.95% of requests succeed |');
    expect(out).toContain('| model_inference | 35ms | 30ms | −5ms |');
    expect(out).toMatch(
      /changed `SLOAvailabilityBurnRateHigh\{slo="availability",burn_tier="page-fast"\}` \(critical\): expr/,
    );
    const unchanged = await run('diff', '--base', 'HEAD', 'slas/fraud-scoring.yaml');
    expect(unchanged.out).toContain('No SLA changes.');
    const json = await run('diff', '--base', 'HEAD', '--format', 'json');
    expect((JSON.parse(json.out) as { slas: Array<{ name: string }> }).slas[0]?.name).toBe('recommendations');
    const badRef = await run('diff', '--base', 'no-such-ref');
    expect(badRef.code).toBe(2);
    expect(badRef.err).toContain('unknown git ref "no-such-ref"');
  });
});
