// Runs the real consumers of the generated files: promtool checks and unit-tests the rules, amtool checks
// the Alertmanager configuration. Not optional: without the tools these tests fail and say why.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Document } from 'yaml';
import { emitAlertmanager } from './emit-alertmanager.js';
import { emitRuleTests } from './emit-rule-tests.js';
import { emitRules, goTemplate } from './emit-rules.js';
import type { ValueStyle } from './emit-rules.js';
import { renderValue } from './go-format.js';
import { DEFAULT_SETTINGS } from './ir.js';
import { allFixturePlans } from './test-support/fixtures.js';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const AMTOOL = process.env.AMTOOL ?? 'amtool';
const TIMEOUT_MS = 180_000;
const execFileAsync = promisify(execFile);

/** Runs a tool without a shell and returns its output; failures carry the tool's whole output. */
async function tool(bin: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(bin, args, {
      cwd,
      maxBuffer: 64 << 20,
      timeout: TIMEOUT_MS,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `${bin} is not installed (or not on PATH): the generated rules and Alertmanager config cannot be checked. ` +
          'Install promtool ≥ 2.42 and amtool ≥ 0.25 (Debian: apt-get install prometheus prometheus-alertmanager), ' +
          'or set PROMTOOL / AMTOOL to their paths.',
      );
    }
    throw new Error(
      `${bin} ${args.join(' ')} failed (${String(e.code)}):\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
}

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slactl-promtool-'));
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe.concurrent('promtool', () => {
  for (const plan of allFixturePlans()) {
    it(
      `${plan.name}: rules pass check --lint-fatal and every generated unit test`,
      async () => {
        const rules = `${plan.name}.rules.yaml`;
        const tests = `${plan.name}.rules.test.yaml`;
        writeFileSync(join(dir, rules), emitRules(plan, DEFAULT_SETTINGS));
        const emitted = emitRuleTests(plan, DEFAULT_SETTINGS, rules);
        expect(emitted.warnings).toEqual([]);
        writeFileSync(join(dir, tests), emitted.text);
        expect(await tool(PROMTOOL, ['check', 'rules', '--lint-fatal', rules], dir)).toContain('SUCCESS');
        expect(await tool(PROMTOOL, ['test', 'rules', tests], dir)).toContain('SUCCESS');
      },
      TIMEOUT_MS,
    );
  }

  it('agrees with the Go formatting the expected annotations are computed with', async () => {
    const values = [
      12.25,
      0.25,
      0.35,
      0.05,
      1234.5,
      1235.5,
      12345,
      50000,
      0.0001234,
      0.00001234,
      99.995,
      99.985,
      1000,
      333.3333333333333,
      0.03,
      600,
      3600,
      90061,
      1.5,
      0.0000015,
      0,
      -5,
      0.45,
      0.475,
      1e15,
      Infinity,
      NaN,
    ];
    const styles: ValueStyle[] = ['percent', 'duration', 'number', 'burn-rate'];
    const literal = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Inf' : String(v));
    const rules = {
      groups: [
        {
          name: 'format',
          rules: values.map((v, i) => ({
            alert: 'GoFormat',
            expr: `vector(${literal(v)})`,
            labels: { i: String(i) },
            annotations: Object.fromEntries(
              styles.map((s) => [s.replace('-', '_'), goTemplate([{ value: s }], {})]),
            ),
          })),
        },
      ],
    };
    const tests = {
      rule_files: ['format.rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [],
          alert_rule_test: [
            {
              eval_time: '1m',
              alertname: 'GoFormat',
              exp_alerts: values.map((v, i) => ({
                exp_labels: { i: String(i) },
                exp_annotations: Object.fromEntries(
                  styles.map((s) => [s.replace('-', '_'), renderValue(s, v)]),
                ),
              })),
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'format.rules.yaml'), new Document(rules).toString({ lineWidth: 0 }));
    writeFileSync(join(dir, 'format.test.yaml'), new Document(tests).toString({ lineWidth: 0 }));
    expect(await tool(PROMTOOL, ['test', 'rules', 'format.test.yaml'], dir)).toContain('SUCCESS');
  });
});

describe('amtool', () => {
  it('accepts the Alertmanager configuration (the token file need not exist)', async () => {
    writeFileSync(join(dir, 'alertmanager.yaml'), emitAlertmanager(allFixturePlans(), DEFAULT_SETTINGS));
    expect(await tool(AMTOOL, ['check-config', 'alertmanager.yaml'], dir)).toContain('SUCCESS');
  });
});
