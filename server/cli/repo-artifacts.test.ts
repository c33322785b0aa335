// The committed artefacts are current and valid: alerts/ matches the SLAs, slas/schema.json matches the
// schema, and the real promtool and amtool accept everything in alerts/.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ALERTS = path.join(ROOT, 'alerts');
const exec = promisify(execFile);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), cwd: ROOT });
  return { code, out, err };
}

/** Runs a tool from Debian's prometheus packages; a missing tool fails the test with the fix. */
async function tool(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await exec(command, args, { cwd: ALERTS, maxBuffer: 32 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `${command} not found: install Debian's prometheus and prometheus-alertmanager packages (.ci/run does)`,
      );
    }
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

const files = readdirSync(ALERTS);
const rules = files.filter((f) => f.endsWith('.rules.yaml')).sort();
const tests = files.filter((f) => f.endsWith('.rules.test.yaml')).sort();

describe('committed artefacts', () => {
  it('alerts/ is current with slas/ (slactl compile --check)', async () => {
    const result = await run('compile', '--check');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  });

  it('slas/schema.json is current with the schema', async () => {
    const result = await run('schema', '--out', 'slas/schema.json', '--check');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
  });

  it('every SLA has rules and tests in alerts/', () => {
    expect(rules.length).toBeGreaterThanOrEqual(3);
    expect(tests.map((t) => t.replace('.rules.test.yaml', ''))).toEqual(
      rules.map((r) => r.replace('.rules.yaml', '')),
    );
  });

  it('promtool check rules --lint-fatal accepts every rule file', async () => {
    const output = await tool('promtool', ['check', 'rules', '--lint-fatal', ...rules]);
    expect(output).not.toContain('FAILED');
  });

  it.each(tests)(
    'promtool test rules passes %s',
    async (file) => {
      const output = await tool('promtool', ['test', 'rules', file]);
      expect(output).toContain('SUCCESS');
    },
    900_000,
  );

  it('amtool check-config accepts alerts/alertmanager.yaml', async () => {
    const output = await tool('amtool', ['check-config', 'alertmanager.yaml']);
    expect(output).toContain('SUCCESS');
  });
});
